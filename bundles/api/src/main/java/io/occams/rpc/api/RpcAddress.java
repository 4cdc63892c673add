package io.occams.rpc.api;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a server listens or a client connects (spec §9): a string starting with {@code /} is a
 * Unix-domain socket path; anything else is {@code host:port} ({@code [v6]:port} for IPv6 literals),
 * resolved through DNS to its first address when needed.
 *
 * <p>Immutable; equality is by the parsed form.
 */
public final class RpcAddress {
    private final String host;
    private final int port;
    private final Path path;

    private RpcAddress(String host, int port, Path path) {
        this.host = host;
        this.port = port;
        this.path = path;
    }

    /** Parses {@code "host:port"}, {@code "[::1]:port"} or {@code "/unix/path"}. */
    public static RpcAddress parse(String address) {
        Objects.requireNonNull(address, "address");
        String a = address.trim();
        if (a.isEmpty()) {
            throw new IllegalArgumentException("empty address");
        }
        if (a.startsWith("/")) {
            return new RpcAddress(null, -1, Path.of(a));
        }
        int colon = a.lastIndexOf(':');
        if (colon <= 0 || colon == a.length() - 1) {
            throw new IllegalArgumentException("address must be host:port or a /unix/path: " + address);
        }
        String h = a.substring(0, colon);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        } else if (h.indexOf(':') >= 0) {
            throw new IllegalArgumentException("IPv6 addresses need brackets, e.g. [::1]:8080: " + address);
        }
        int p;
        try {
            p = Integer.parseInt(a.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in " + address, e);
        }
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("port out of range in " + address);
        }
        return new RpcAddress(h, p, null);
    }

    /** A TCP address. */
    public static RpcAddress tcp(String host, int port) {
        return parse((host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port);
    }

    /** A Unix-domain socket address. */
    public static RpcAddress unix(Path path) {
        return new RpcAddress(null, -1, path.toAbsolutePath());
    }

    /** The address a socket reports, as an RpcAddress. */
    public static RpcAddress of(SocketAddress socketAddress) {
        if (socketAddress instanceof InetSocketAddress) {
            InetSocketAddress i = (InetSocketAddress) socketAddress;
            String h = i.getAddress() != null ? i.getAddress().getHostAddress() : i.getHostString();
            return tcp(h, i.getPort());
        }
        if (socketAddress instanceof UnixDomainSocketAddress) {
            return new RpcAddress(null, -1, ((UnixDomainSocketAddress) socketAddress).getPath());
        }
        throw new IllegalArgumentException("unsupported socket address " + socketAddress);
    }

    public boolean isUnix() {
        return path != null;
    }

    /** The host of a TCP address. */
    public String host() {
        return host;
    }

    /** The port of a TCP address, or -1. */
    public int port() {
        return port;
    }

    /** The path of a Unix address, or null. */
    public Path path() {
        return path;
    }

    /** A socket address to connect or bind to; resolves the host (first DNS result). */
    public SocketAddress toSocketAddress() throws UnknownHostException {
        if (path != null) {
            return UnixDomainSocketAddress.of(path);
        }
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RpcAddress)) {
            return false;
        }
        RpcAddress r = (RpcAddress) o;
        return port == r.port && Objects.equals(host, r.host) && Objects.equals(path, r.path);
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, port, path);
    }

    /** The form {@link #parse} accepts. */
    @Override
    public String toString() {
        if (path != null) {
            return path.toString();
        }
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
