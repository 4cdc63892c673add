package io.occams.rpc.api.introspect;

import java.util.List;

/**
 * One served service: its wire name, the Java interface, who provides it (an OSGi bundle's symbolic
 * name, a JPMS module's name or the implementation class's jar; "" when unknown) and that provider's
 * version ("" when unknown), how many providers are registered for the name, and its methods by wire
 * name.
 */
public record ServiceInfo(
        String name, String type, String provider, String version, int providers, List<MethodInfo> methods) {}
