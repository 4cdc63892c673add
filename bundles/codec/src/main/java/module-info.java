/**
 * occams-rpc codec: the msgpack codec (format byte 0) whose bytes equal rmp-serde's named mode.
 * Exports agree with the bundle's Export-Package (checked by itests' ModuleManifestAgreementTest).
 */
module io.occams.rpc.codec {
    requires transitive io.occams.rpc.api;
    // msgpack-core 0.9.12 has no module-info and no Automatic-Module-Name: the name comes from the
    // file name (msgpack-core-0.9.12.jar -> msgpack.core).
    requires msgpack.core;
    requires static osgi.annotation;
    // internal.osgi (the DS component, never loaded on the module path); compile-time annotations only.
    requires static org.osgi.service.component.annotations;

    exports io.occams.rpc.codec;

    provides io.occams.rpc.api.spi.Codec with
            io.occams.rpc.codec.MsgpackCodec;
}
