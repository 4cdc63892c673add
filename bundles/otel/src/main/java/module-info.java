/**
 * occams-rpc otel: call metrics and spans through the OpenTelemetry API, as a call interceptor. Optional:
 * nothing else depends on it. Exports agree with the bundle's Export-Package.
 */
module io.occams.rpc.otel {
    requires transitive io.occams.rpc.api;
    requires transitive io.opentelemetry.api;
    requires io.opentelemetry.context;
    requires static osgi.annotation;
    // internal.osgi (the DS component, never loaded on the module path): compile time only.
    requires static osgi.core;
    requires static org.osgi.service.component.annotations;
    requires static org.osgi.service.metatype.annotations;

    exports io.occams.rpc.otel;
}
