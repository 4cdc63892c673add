/**
 * occams-rpc runtime-vthreads: blocking channels on virtual threads (Java 21). Exports agree with the
 * bundle's Export-Package (checked by itests' ModuleManifestAgreementTest).
 */
module io.occams.rpc.runtime.vthreads {
    requires transitive io.occams.rpc.api;
    requires org.slf4j;
    requires static osgi.annotation;
    requires static com.google.errorprone.annotations;
    // internal.osgi (DS components, never loaded on the module path): compile time only.
    requires static osgi.core;
    requires static org.osgi.service.component.annotations;

    exports io.occams.rpc.runtime.vthreads;

    provides io.occams.rpc.api.spi.Runtime with
            io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;
}
