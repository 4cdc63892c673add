package io.occams.rpc.api.spi;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Reads configuration properties as Configuration Admin delivers them: typed values from code, strings
 * from {@code .cfg} files (Felix FileInstall), arrays or collections for lists. Durations are a number of
 * milliseconds, a number with a unit ({@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}) or ISO-8601
 * ({@code PT5S}). An empty string counts as absent. Malformed values fail with an
 * {@link IllegalArgumentException} that names the property.
 *
 * <p>For the OSGi components of our bundles (the server's {@code io.occams.rpc.server} and the pool's
 * {@code io.occams.rpc.client} configurations), and for anyone who builds a {@code ServerConfig} or
 * {@code ClientConfig} from a map of properties. Immutable if the map is.
 */
public final class ConfigProperties {
    private final Map<String, ?> map;

    /** Reads {@code map} (null reads as empty); the map is not copied. */
    public ConfigProperties(Map<String, ?> map) {
        this.map = map == null ? Map.of() : map;
    }

    private Object raw(String key) {
        Object v = map.get(key);
        if (v instanceof String && ((String) v).trim().isEmpty()) {
            return null;
        }
        return v;
    }

    /** The value as a trimmed string, or {@code dflt} when absent. */
    public String string(String key, String dflt) {
        Object v = raw(key);
        return v == null ? dflt : String.valueOf(v).trim();
    }

    /** The value as an int, or {@code dflt} when absent; a number out of int's range is an error, not truncated. */
    public int integer(String key, int dflt) {
        Object v = raw(key);
        if (v == null) {
            return dflt;
        }
        try {
            if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
                return ((Number) v).intValue();
            }
            if (v instanceof Long) {
                return Math.toIntExact((Long) v);
            }
            return Integer.parseInt(String.valueOf(v).trim());
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("property " + key + " must be an integer: " + v, e);
        }
    }

    /** Gives the value to {@code to} only when the property is present. */
    public void ifInteger(String key, IntConsumer to) {
        if (raw(key) != null) {
            to.accept(integer(key, 0));
        }
    }

    /** The value as a boolean ({@code true} ignoring case is true), or {@code dflt} when absent. */
    public boolean bool(String key, boolean dflt) {
        Object v = raw(key);
        return v == null
                ? dflt
                : v instanceof Boolean
                        ? (Boolean) v
                        : Boolean.parseBoolean(String.valueOf(v).trim());
    }

    /** The value as a duration, or {@code dflt} when absent; negative durations are an error. */
    public Duration duration(String key, Duration dflt) {
        Object v = raw(key);
        if (v == null) {
            return dflt;
        }
        Duration d = parseDuration(key, v);
        if (d.isNegative()) {
            throw new IllegalArgumentException("property " + key + " must not be negative: " + v);
        }
        return d;
    }

    private static Duration parseDuration(String key, Object v) {
        if (v instanceof Number) {
            return Duration.ofMillis(((Number) v).longValue());
        }
        String s = String.valueOf(v).trim().toLowerCase(Locale.ROOT);
        try {
            if (s.startsWith("p")) {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            }
            if (s.endsWith("ms")) {
                return Duration.ofMillis(
                        Long.parseLong(s.substring(0, s.length() - 2).trim()));
            }
            if (s.endsWith("s")) {
                return Duration.ofMillis(Math.round(
                        Double.parseDouble(s.substring(0, s.length() - 1).trim()) * 1000));
            }
            if (s.endsWith("m")) {
                return Duration.ofMinutes(
                        Long.parseLong(s.substring(0, s.length() - 1).trim()));
            }
            if (s.endsWith("h")) {
                return Duration.ofHours(
                        Long.parseLong(s.substring(0, s.length() - 1).trim()));
            }
            return Duration.ofMillis(Long.parseLong(s));
        } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
            throw new IllegalArgumentException(
                    "property " + key + " must be a duration (500, 500ms, 5s, 2m, 1h or PT5S): " + v, e);
        }
    }

    /** Gives the value to {@code to} only when the property is present. */
    public void ifDuration(String key, Consumer<Duration> to) {
        if (raw(key) != null) {
            to.accept(duration(key, null));
        }
    }

    /** A list: an array, a collection, or a string of comma-separated items; empty when absent. */
    public List<String> strings(String key) {
        Object v = raw(key);
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (v instanceof Object[]) {
            for (Object o : (Object[]) v) {
                add(out, o);
            }
        } else if (v instanceof Collection) {
            for (Object o : (Collection<?>) v) {
                add(out, o);
            }
        } else {
            add(out, v);
        }
        return out;
    }

    private static void add(List<String> out, Object o) {
        if (o == null) {
            return;
        }
        for (String s : String.valueOf(o).split(",")) {
            if (!s.trim().isEmpty()) {
                out.add(s.trim());
            }
        }
    }

    /** The properties to publish on a service: all but private ones ({@code .name}) and DS's own. */
    public Map<String, Object> publicProperties() {
        Map<String, Object> out = new HashMap<>();
        for (Map.Entry<String, ?> e : map.entrySet()) {
            String k = e.getKey();
            if (!k.startsWith(".")
                    && !k.startsWith("component.")
                    && !k.equals("objectClass")
                    && !k.equals("service.id")
                    && !k.equals("service.bundleid")
                    && !k.equals("service.scope")
                    && e.getValue() != null) {
                out.put(k, e.getValue());
            }
        }
        return out;
    }
}
