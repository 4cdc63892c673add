package io.occams.rpc.discovery.zookeeper;

import io.occams.rpc.api.RpcAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One registered endpoint of one service: what a server writes into its ZooKeeper entry, and what a
 * client reads back. The entry's data is UTF-8 text: a first line {@value #MAGIC}, then {@code key=value}
 * lines ({@code service}, {@code address}, {@code runtime}, {@code protocol}, {@code version},
 * {@code weight}), at most {@value #MAX_BYTES} bytes. Keys this version does not know are ignored, so
 * later versions may add some.
 *
 * @param service the service name on the wire (e.g. {@code CalService})
 * @param address where the server listens ({@code host:port}; Unix sockets are never registered)
 * @param runtime the server's runtime ({@code netty}, {@code vthreads})
 * @param protocol the wire protocol version the server speaks ({@value #PROTOCOL})
 * @param version the version of the bundle (or module) that provides the service, or {@code 0.0.0}
 * @param weight the share of calls the endpoint asks for; 0 keeps it registered but unused (clients skip
 *        it); today's pools give every endpoint of weight 1 or more the same share
 */
public record Endpoint(
        String service, RpcAddress address, String runtime, String protocol, String version, int weight) {
    /** The first line of every entry of ours. */
    public static final String MAGIC = "occams-rpc endpoint 1";
    /** The wire protocol servers of this version speak. */
    public static final String PROTOCOL = "0.2";
    /** The longest entry read; a longer one is not ours. */
    public static final int MAX_BYTES = 4096;

    public Endpoint {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(version, "version");
        if (!validServiceName(service)) {
            throw new IllegalArgumentException("not a service name: \"" + service + "\"");
        }
        if (address.isUnix()) {
            throw new IllegalArgumentException("a Unix socket cannot be registered: " + address);
        }
        if (weight < 0) {
            throw new IllegalArgumentException("weight must be >= 0: " + weight);
        }
    }

    /** Whether {@code name} can be a service name, and so a ZooKeeper path element: no '/', not empty, not "." or "..". */
    public static boolean validServiceName(String name) {
        return name != null
                && !name.isEmpty()
                && name.length() <= 255
                && name.indexOf('/') < 0
                && !name.equals(".")
                && !name.equals("..")
                && name.chars().noneMatch(c -> c < 0x20);
    }

    /** The entry's data. */
    public byte[] toBytes() {
        String s = MAGIC + "\nservice=" + service + "\naddress=" + address + "\nruntime=" + runtime + "\nprotocol="
                + protocol + "\nversion=" + version + "\nweight=" + weight + "\n";
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads an entry's data.
     *
     * @throws IllegalArgumentException naming what is wrong: not ours (no {@value #MAGIC} line), too long,
     *         a field missing or malformed
     */
    public static Endpoint parse(byte[] data) {
        if (data == null || data.length == 0) {
            throw new IllegalArgumentException("empty entry (not an occams-rpc endpoint)");
        }
        if (data.length > MAX_BYTES) {
            throw new IllegalArgumentException("entry of " + data.length + " bytes, more than " + MAX_BYTES);
        }
        String text = new String(data, StandardCharsets.UTF_8);
        String[] lines = text.split("\n");
        if (!lines[0].equals(MAGIC)) {
            throw new IllegalArgumentException("not an occams-rpc endpoint (first line is not \"" + MAGIC + "\")");
        }
        Map<String, String> f = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int eq = lines[i].indexOf('=');
            if (eq > 0) {
                f.putIfAbsent(lines[i].substring(0, eq), lines[i].substring(eq + 1));
            }
        }
        String weight = f.getOrDefault("weight", "1");
        int w;
        try {
            w = Integer.parseInt(weight);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("weight is not a number: \"" + weight + "\"");
        }
        RpcAddress address;
        try {
            address = RpcAddress.parse(required(f, "address"));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("address is malformed: " + e.getMessage());
        }
        return new Endpoint(
                required(f, "service"),
                address,
                f.getOrDefault("runtime", "unknown"),
                required(f, "protocol"),
                f.getOrDefault("version", "0.0.0"),
                w);
    }

    private static String required(Map<String, String> f, String key) {
        String v = f.get(key);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("no " + key + " field");
        }
        return v;
    }
}
