package io.occams.rpc.api.introspect;

/**
 * One service's counters, in {@link ServerStatus}. The counts are summed over the providers serving the
 * name now and start when each registered, so a hot swap starts them again.
 *
 * @param name the wire name
 * @param provider who provides it, as in {@link ServiceInfo#provider()}
 * @param version the provider's version, as in {@link ServiceInfo#version()}
 * @param providers how many providers are registered for the name
 * @param calls calls its providers started
 * @param errors of those, calls whose arguments did not decode, whose method threw or whose future failed
 * @param inFlight calls running now
 */
public record ServiceStatus(
        String name, String provider, String version, int providers, long calls, long errors, int inFlight) {}
