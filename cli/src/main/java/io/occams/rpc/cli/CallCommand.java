package io.occams.rpc.cli;

import io.netty.buffer.Unpooled;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.discovery.zookeeper.ServiceCaller;
import io.occams.rpc.discovery.zookeeper.ZooKeeperDiscovery;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.Reply;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code occams call Service.method [JSON-ARG ...]}: one call; the result is printed as JSON.
 * Exit codes (see {@link Main}): 0 success, 1 the service answered with its own error, 2 a framework
 * error ({@code rpc_*}: unreachable, timeout, unknown service or method, ...), 64 a usage error (the
 * action is not Service.method, an argument is not JSON: see {@link JsonMsgpack}); nothing is sent then.
 */
@Command(
        name = "call",
        mixinStandardHelpOptions = true,
        description = {
            "Call Service.method once with JSON arguments; print the result as JSON.",
            "Each argument is one JSON value (numbers, \"quoted strings\", true, null, [...], {...}); a bare word that "
                    + "does not start like JSON is a string (hello). '123 Main Street', 007 or a truncated '{\"a\":' are refused."
        })
final class CallCommand implements Callable<Integer> {
    @Mixin
    Target target;

    @Mixin
    ZooKeeperOption zk;

    @Parameters(index = "0", paramLabel = "Service.method", description = "The action, e.g. CalService.add.")
    String action;

    @Parameters(index = "1..*", paramLabel = "JSON-ARG", description = "Arguments as JSON (a bare word is a string).")
    List<String> args = new ArrayList<>();

    @picocli.CommandLine.Option(
            names = "--no-check",
            description = "Send the arguments as given, without checking them against the server's reflection service.")
    boolean noCheck;

    @Override
    public Integer call() {
        target.check();
        int dot = action.indexOf('.');
        if (dot <= 0 || dot == action.length() - 1) {
            throw new Main.UsageError("the action must be Service.method (e.g. CalService.add), got '" + action + "'");
        }
        byte[] msg = JsonMsgpack.encodeArgs(args); // a usage error before any connection
        if (zk.enabled()) {
            return callThroughZooKeeper(msg);
        }
        try (Runtime rt = target.newRuntime()) {
            ClientStream s = target.connect(rt, 1);
            if (!noCheck) {
                try {
                    msg = JsonMsgpack.encodeArgs(CallCheck.check(s, action, args));
                } catch (ArgumentCheck.Mismatch m) {
                    s.close();
                    throw new Main.UsageError(m.getMessage());
                }
            }
            try (Reply r = s.call(action, Unpooled.wrappedBuffer(msg), null).join()) {
                System.out.println(JsonMsgpack.toJson(r.msg()));
                return Main.OK;
            } finally {
                s.close();
            }
        }
    }

    /**
     * {@code --zookeeper}: the call goes through a pool over the endpoints registered for the action's
     * service; with none, it fails with rpc_unreachable after its timeout, naming the service. Failures
     * go to {@link Main#failed} like every other command's.
     */
    private int callThroughZooKeeper(byte[] msg) {
        String service = ZooKeeperOption.serviceOf(action);
        try (Runtime rt = target.newRuntime();
                ZooKeeperDiscovery d = zk.open();
                ServiceCaller c = d.callerFor(service)
                        .runtime(rt)
                        .config(target.config(1))
                        .build()) {
            ZooKeeperOption.JsonCall t = new ZooKeeperOption.JsonCall(action, msg);
            c.submit(t);
            System.out.println(t.result.join());
            return Main.OK;
        } catch (IllegalArgumentException e) {
            throw new Main.UsageError(e.getMessage());
        }
    }

    /** For commands that catch a failure themselves: the one line and exit code of {@link Main#failed}. */
    static int report(Throwable t) {
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, Charset.defaultCharset()), true);
        int code = Main.failed(t, "occams", err);
        err.flush();
        return code;
    }

    /** Prints the one line for a failed call; returns 2 for an {@code rpc_*} error, 1 for the service's own. */
    static int report(RpcException e, PrintWriter err) {
        if (e.code() != null) {
            String why = String.valueOf(e.getMessage());
            if (why.startsWith(e.code().wireName() + ": ")) {
                why = why.substring(e.code().wireName().length() + 2);
            }
            // Java class names say nothing to a user: "...AnnotatedConnectException: Connection refused" -> "Connection
            // refused"
            why = why.replaceAll("(?:[\\w$]+\\.)+[\\w$]*(?:Exception|Error): ", "");
            err.println("error: " + e.code().wireName() + " (" + why + ")");
            return Main.RPC_ERROR;
        }
        if (e.errno() != RpcException.NO_ERRNO) {
            err.println("remote error: errno " + e.errno());
        } else {
            err.println("remote error: " + new String(e.errorBytes(), StandardCharsets.UTF_8));
        }
        return Main.SERVICE_ERROR;
    }
}
