/**
 * occams-rpc pool: {@code ClientPool} (connections to one address) and {@code FailoverPool} (several
 * addresses, safe retries). Exports agree with the bundle's Export-Package.
 */
module io.occams.rpc.pool {
    requires transitive io.occams.rpc.stream;
    requires org.slf4j;
    requires static osgi.annotation;
    requires static com.google.errorprone.annotations;
    // internal.osgi (the DS component, never loaded on the module path): compile time only.
    requires static osgi.core;
    requires static org.osgi.service.component.annotations;
    requires static org.osgi.service.metatype.annotations;

    exports io.occams.rpc.pool;
}
