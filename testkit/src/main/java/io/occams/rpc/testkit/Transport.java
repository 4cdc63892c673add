package io.occams.rpc.testkit;

import io.occams.rpc.api.RpcAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The two transports of spec §9 as the contract tests use them: TCP on {@code 127.0.0.1} with a free
 * port, and a Unix-domain socket at a fresh, short path in a given folder.
 */
public enum Transport {
    /** TCP on the loopback interface, port 0. */
    TCP {
        @Override
        public RpcAddress freshAddress(Path dir) {
            return RpcAddress.tcp("127.0.0.1", 0);
        }

        @Override
        public SocketAddress freshSocketAddress(Path dir) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        }

        @Override
        public ProtocolFamily family() {
            return StandardProtocolFamily.INET;
        }
    },
    /** A Unix-domain socket (a path shorter than the 108-byte {@code sun_path} limit). */
    UNIX {
        @Override
        public RpcAddress freshAddress(Path dir) {
            return RpcAddress.unix(dir.resolve("s" + COUNTER.incrementAndGet() + ".sock"));
        }

        @Override
        public SocketAddress freshSocketAddress(Path dir) {
            return UnixDomainSocketAddress.of(dir.resolve("r" + COUNTER.incrementAndGet() + ".sock"));
        }

        @Override
        public ProtocolFamily family() {
            return StandardProtocolFamily.UNIX;
        }
    };

    private static final AtomicInteger COUNTER = new AtomicInteger();

    /** An address for a runtime to listen on; {@code dir} is a short folder for Unix sockets. */
    public abstract RpcAddress freshAddress(Path dir);

    /** An address for a raw {@code java.nio} server socket to bind. */
    public abstract SocketAddress freshSocketAddress(Path dir) throws IOException;

    /** The protocol family of raw channels on this transport. */
    public abstract ProtocolFamily family();
}
