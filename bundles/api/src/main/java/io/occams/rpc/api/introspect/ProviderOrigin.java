package io.occams.rpc.api.introspect;

/**
 * Who provides a service implementation: a name (an OSGi bundle's symbolic name, a JPMS module's name,
 * a jar's name) and a version; either may be "" when unknown.
 */
public record ProviderOrigin(String name, String version) {
    /** Neither name nor version known. */
    public static final ProviderOrigin UNKNOWN = new ProviderOrigin("", "");
}
