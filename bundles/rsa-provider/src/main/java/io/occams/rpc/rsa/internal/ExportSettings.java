package io.occams.rpc.rsa.internal;

import io.occams.rpc.rsa.OccamsRemoteServices;
import java.util.Map;
import java.util.Set;

/**
 * The {@code occams.tcp.*} properties of one export, checked: unknown keys with our prefix and invalid values
 * are refused with {@link IllegalArgumentException}, naming the property. Immutable.
 */
public final class ExportSettings {
    private static final Set<String> KNOWN = Set.of(
            OccamsRemoteServices.HOST,
            OccamsRemoteServices.PORT,
            OccamsRemoteServices.RUNTIME,
            OccamsRemoteServices.NAME);

    public final String host;
    public final int port;
    /** The runtime asked for, or null for the best ranked. */
    public final String runtime;
    /** The logical name, or null. */
    public final String name;

    private ExportSettings(String host, int port, String runtime, String name) {
        this.host = host;
        this.port = port;
        this.runtime = runtime;
        this.name = name;
    }

    /** Reads and checks {@code props} (the export's effective properties). */
    public static ExportSettings from(Map<String, Object> props) {
        for (String k : props.keySet()) {
            if (k.equals(OccamsRemoteServices.ADDRESS) || k.equals(OccamsRemoteServices.ID)) {
                throw new IllegalArgumentException(k + " is set by the provider, not by the service");
            }
            if (k.startsWith(OccamsRemoteServices.PREFIX) && !KNOWN.contains(k)) {
                throw new IllegalArgumentException("unknown property " + k + " (known: " + KNOWN + ")");
            }
        }
        String host = string(props, OccamsRemoteServices.HOST, "127.0.0.1");
        if (host.isBlank() || host.indexOf(' ') >= 0) {
            throw new IllegalArgumentException(OccamsRemoteServices.HOST + ": not a host: \"" + host + "\"");
        }
        Object p = props.get(OccamsRemoteServices.PORT);
        int port;
        if (p == null) {
            port = 0;
        } else if (p instanceof Integer || p instanceof Long || p instanceof Short) {
            port = range(((Number) p).longValue());
        } else if (p instanceof String) {
            try {
                port = range(Long.parseLong(((String) p).trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(OccamsRemoteServices.PORT + ": not a port: \"" + p + "\"");
            }
        } else {
            throw new IllegalArgumentException(OccamsRemoteServices.PORT + ": not a port: " + p + " ("
                    + p.getClass().getName() + ")");
        }
        String runtime = string(props, OccamsRemoteServices.RUNTIME, null);
        if (runtime != null && runtime.isBlank()) {
            throw new IllegalArgumentException(OccamsRemoteServices.RUNTIME + ": empty");
        }
        String name = string(props, OccamsRemoteServices.NAME, null);
        if (name != null) {
            checkName(name);
        }
        return new ExportSettings(host, port, runtime, name);
    }

    /** The wire name of {@code iface} in an export whose scope is {@code scope}: {@code <scope>_<interface, dots as _>}. */
    public static String wireName(String scope, Class<?> iface) {
        return scope + "_" + iface.getName().replace('.', '_');
    }

    /** The scope of an export: its logical name when it has one, else a fresh unique token. */
    public String scope() {
        return name != null
                ? name
                : "x" + java.util.UUID.randomUUID().toString().replace("-", "");
    }

    static void checkName(String name) {
        if (name.isEmpty() || !name.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-' || c == '_')) {
            throw new IllegalArgumentException(
                    OccamsRemoteServices.NAME + ": \"" + name + "\" must be non-empty letters, digits, '-' or '_'");
        }
    }

    private static int range(long v) {
        if (v < 0 || v > 65535) {
            throw new IllegalArgumentException(OccamsRemoteServices.PORT + ": " + v + " is not in 0..65535");
        }
        return (int) v;
    }

    private static String string(Map<String, Object> props, String key, String dflt) {
        Object v = props.get(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof String)) {
            throw new IllegalArgumentException(
                    key + ": expected a String, got " + v.getClass().getName());
        }
        return ((String) v).trim();
    }

    @Override
    public String toString() {
        return "ExportSettings{host=" + host + ", port=" + port + ", runtime=" + runtime + ", name=" + name + "}";
    }
}
