package io.occams.rpc.api.introspect;

/**
 * One parameter: its name (the Java name where the interface was compiled with {@code -parameters},
 * else {@code arg0}, {@code arg1}, ...; {@link #named()} tells which), its Java type name, and its kind,
 * the msgpack shape it takes on the wire: {@code int}, {@code float}, {@code bool}, {@code string},
 * {@code bytes}, {@code array}, {@code map}, {@code struct} (a map keyed by property name), {@code nil}
 * or {@code any}.
 */
public record ParameterInfo(String name, String type, String kind, boolean named) {}
