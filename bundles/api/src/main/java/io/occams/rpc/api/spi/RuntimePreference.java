package io.occams.rpc.api.spi;

import java.util.List;
import java.util.Map;

/**
 * Which runtimes a configured server or client accepts, in order of preference: the {@value #PROPERTY}
 * property of the server's and the pool's Configuration Admin tables (a list of runtime names; empty or
 * absent accepts any and prefers none). Both components pick their runtime through this one class.
 * Immutable.
 *
 * @since 0.3
 */
public final class RuntimePreference {
    /** The property that lists the acceptable runtimes' names, most preferred first. */
    public static final String PROPERTY = "runtime";

    private final List<String> names;

    private RuntimePreference(List<String> names) {
        this.names = List.copyOf(names);
    }

    /** The preference in {@code properties} ({@value #PROPERTY}: an array, a collection or a comma-separated string). */
    public static RuntimePreference fromProperties(Map<String, ?> properties) {
        return new RuntimePreference(new ConfigProperties(properties).strings(PROPERTY));
    }

    /** The names, most preferred first; empty when any runtime will do. */
    public List<String> names() {
        return names;
    }

    /** Whether a runtime named {@code runtime} may be used. */
    public boolean accepts(String runtime) {
        return names.isEmpty() || names.contains(runtime);
    }

    /** Whether {@code a} comes before {@code b} in the preference (never, without one). */
    public boolean prefers(String a, String b) {
        int ia = names.indexOf(a);
        int ib = names.indexOf(b);
        return ia >= 0 && (ib < 0 || ia < ib);
    }

    /**
     * The most preferred acceptable runtime of {@code candidates}, never {@code leaving}; among equals the
     * first in iteration order (callers pass them best ranked first); null when none is acceptable.
     */
    public <R extends Runtime> R pick(Iterable<R> candidates, Runtime leaving) {
        R best = null;
        for (R r : candidates) {
            if (r != leaving && accepts(r.name()) && (best == null || prefers(r.name(), best.name()))) {
                best = r;
            }
        }
        return best;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RuntimePreference && ((RuntimePreference) o).names.equals(names);
    }

    @Override
    public int hashCode() {
        return names.hashCode();
    }

    /** The names as a list, e.g. {@code [vthreads, netty]}. */
    @Override
    public String toString() {
        return names.toString();
    }
}
