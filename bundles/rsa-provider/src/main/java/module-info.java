/**
 * occams-rpc Remote Services: an Apache Aries RSA (1.16.1 SPI) distribution provider for the config type
 * {@code occams.tcp}. Everything but the property names is internal and OSGi-only; the module exists so the
 * bundle is a JPMS module like the others (its OSGi dependencies are compile-time only). Exports agree with
 * the bundle's Export-Package (checked by itests' ModuleManifestAgreementTest).
 */
module io.occams.rpc.rsa {
    requires io.occams.rpc.client;
    requires io.occams.rpc.server;
    requires io.occams.rpc.pool;
    requires org.slf4j;
    requires static osgi.annotation;
    requires static com.google.errorprone.annotations;
    // internal.osgi (the provider, never loaded on the module path): compile time only.
    requires static osgi.core;
    requires static org.osgi.service.component.annotations;
    requires static org.apache.aries.rsa.spi;
    requires static org.osgi.service.remoteserviceadmin;
    requires static org.osgi.util.promise;

    exports io.occams.rpc.rsa;
}
