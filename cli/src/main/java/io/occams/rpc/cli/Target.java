package io.occams.rpc.cli;

import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;
import io.occams.rpc.stream.ClientStream;
import java.time.Duration;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options shared by the client commands: where to connect and on which runtime. */
final class Target {
    /** The port {@code occams serve} listens on unless told otherwise. */
    static final int DEFAULT_PORT = 7420;

    enum RuntimeName { netty, vthreads }

    @Option(names = {"-a", "--address"}, paramLabel = "HOST:PORT|PATH",
            description = "Server address: host:port, or a Unix socket path starting with '/' (default: 127.0.0.1:" + DEFAULT_PORT + ").")
    String address = "127.0.0.1:" + DEFAULT_PORT;

    @Option(names = "--runtime", paramLabel = "netty|vthreads", description = "Client runtime (default: netty).")
    RuntimeName runtime = RuntimeName.netty;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Per-call timeout in seconds (default: 20).")
    double timeoutSeconds = 20;

    @Mixin
    TlsOptions tlsOptions = new TlsOptions();

    Runtime newRuntime() {
        return runtime == RuntimeName.vthreads ? new VirtualThreadRuntime() : new NettyRuntime();
    }

    RpcAddress rpcAddress() {
        return RpcAddress.parse(address);
    }

    ClientConfig config(int window) {
        return ClientConfig.builder()
                .taskTimeout(Duration.ofMillis(Math.max(1, (long) (timeoutSeconds * 1000))))
                .connectTimeout(Duration.ofSeconds(5))
                .thresholds(window)
                .tls(tlsOptions.client())
                .build();
    }

    ClientStream connect(Runtime rt, int window) {
        return ClientStream.connect(rt, rpcAddress(), config(window)).join();
    }
}
