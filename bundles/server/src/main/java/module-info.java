/**
 * occams-rpc server: {@code RpcServer} and the {@code ServiceDispatcher} that routes remote-API calls to
 * ranked, hot-swappable providers. Exports agree with the bundle's Export-Package (checked by itests'
 * ModuleManifestAgreementTest).
 */
module io.occams.rpc.server {
    requires transitive io.occams.rpc.stream;
    requires transitive io.occams.rpc.errors;
    requires io.netty.common; // FastThreadLocal: ServiceDispatcher's reply buffer per Netty thread
    requires org.slf4j;
    // JFR events (internal.jfr); always in a full JDK. Under OSGi the import is optional (see bnd.bnd).
    requires jdk.jfr;
    requires static osgi.annotation;
    requires static com.google.errorprone.annotations;
    // internal.osgi (DS components, never loaded on the module path): compile time only.
    requires static osgi.core;
    requires static org.osgi.service.component.annotations;
    requires static org.osgi.service.metatype.annotations;

    exports io.occams.rpc.server;

// The default codec comes from Codec.loadDefault() (the api module uses Codec). Service interfaces
// found by ServiceDispatcher.registerAll are added at run time with Module.addUses.
}
