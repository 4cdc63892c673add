package io.occams.rpc.cli;

import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.cli.Main.UsageError;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;
import io.occams.rpc.stream.ClientStream;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options shared by the client commands: where to connect and on which runtime. */
final class Target {
    /** The port {@code occams serve} listens on unless told otherwise. */
    static final int DEFAULT_PORT = 7420;

    enum RuntimeName {
        netty,
        vthreads
    }

    @Option(
            names = {"-a", "--address"},
            paramLabel = "HOST:PORT|PATH",
            converter = AddressCheck.class,
            description = "Server address: host:port, or a Unix socket path starting with '/' (default: 127.0.0.1:"
                    + DEFAULT_PORT + ").")
    String address = "127.0.0.1:" + DEFAULT_PORT;

    @Option(names = "--runtime", paramLabel = "netty|vthreads", description = "Client runtime (default: netty).")
    RuntimeName runtime = RuntimeName.netty;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Per-call timeout in seconds (default: 20).")
    double timeoutSeconds = 20;

    /** Checks the values picocli cannot: throws {@link UsageError}. Every client command calls it first. */
    void check() {
        if (!(timeoutSeconds > 0) || timeoutSeconds > 86_400) {
            throw new UsageError("--timeout must be more than 0 and at most 86400 seconds, got " + timeoutSeconds);
        }
    }

    @Mixin
    TlsOptions tlsOptions = new TlsOptions();

    Runtime newRuntime() {
        return runtime == RuntimeName.vthreads ? new VirtualThreadRuntime() : new NettyRuntime();
    }

    RpcAddress rpcAddress() {
        return RpcAddress.parse(address);
    }

    /** The client configuration of the options, read as a configuration's properties are. */
    ClientConfig config(int window) {
        Map<String, Object> p = tlsOptions.properties();
        p.put(ClientConfig.TASK_TIMEOUT, Math.max(1, (long) (timeoutSeconds * 1000))); // milliseconds
        p.put(ClientConfig.CONNECT_TIMEOUT, "5s");
        p.put(ClientConfig.THRESHOLDS, window);
        return ClientConfig.fromProperties(p);
    }

    ClientStream connect(Runtime rt, int window) {
        return ClientStream.connect(rt, rpcAddress(), config(window)).join();
    }

    /**
     * {@code --address} checked as it is parsed, so a bad one is a usage error (exit 64) before anything
     * starts: host:port with a port 1-65535 (IPv6 in brackets), or an absolute Unix socket path.
     */
    static final class AddressCheck implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String v = value.trim();
            if (!v.startsWith("/") && v.lastIndexOf(':') < 0) {
                throw new CommandLine.TypeConversionException("'" + value + "' is neither HOST:PORT (e.g. 127.0.0.1:"
                        + DEFAULT_PORT + ") nor a Unix socket path starting with '/'");
            }
            RpcAddress a;
            try {
                a = RpcAddress.parse(v);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("'" + value + "': "
                        + e.getMessage()
                                .replace("port out of range", "the port must be 1-65535")
                                .replace(" in " + value, "")
                                .replace(": " + value, ""));
            }
            if (!a.isUnix() && a.port() == 0) {
                throw new CommandLine.TypeConversionException(
                        "'" + value + "': the port must be 1-65535 (0 only means 'any' to serve)");
            }
            return v;
        }
    }
}
