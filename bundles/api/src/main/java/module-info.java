/**
 * occams-rpc api: what users touch and the SPIs that bundles contribute. Exports agree with the
 * bundle's Export-Package (checked by itests' ModuleManifestAgreementTest).
 */
module io.occams.rpc.api {
    requires transitive io.netty.buffer;
    requires static osgi.annotation;
    requires static com.google.errorprone.annotations;

    exports io.occams.rpc.api;
    exports io.occams.rpc.api.spi;
    exports io.occams.rpc.api.introspect;
    exports io.occams.rpc.api.intercept;

    // Codec.loadDefault(): the codec bundle provides it.
    uses io.occams.rpc.api.spi.Codec;
}
