package io.occams.rpc.cli;

import io.netty.buffer.Unpooled;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.Reply;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code occams call Service.method [JSON-ARG ...]}: one call; the result is printed as JSON.
 * Exit codes: 0 success, 1 the service answered with a user error, 2 a framework error
 * ({@code rpc_*}: unreachable, timeout, unknown service or method, ...).
 */
@Command(name = "call", mixinStandardHelpOptions = true, description = "Call Service.method once with JSON arguments; print the result as JSON.")
final class CallCommand implements Callable<Integer> {
    @Mixin
    Target target;

    @Parameters(index = "0", paramLabel = "Service.method", description = "The action, e.g. CalService.add.")
    String action;

    @Parameters(index = "1..*", paramLabel = "JSON-ARG", description = "Arguments as JSON (a bare word is a string).")
    List<String> args = new ArrayList<>();

    @picocli.CommandLine.Option(names = "--no-check", description = "Send the arguments as given, without checking them against the server's reflection service.")
    boolean noCheck;

    @Override
    public Integer call() {
        if (action.indexOf('.') <= 0) {
            System.err.println("error: the action must be Service.method, got \"" + action + "\"");
            return 64;
        }
        try (Runtime rt = target.newRuntime()) {
            ClientStream s = target.connect(rt, 1);
            List<String> sent = args;
            if (!noCheck) {
                try {
                    sent = CallCheck.check(s, action, args);
                } catch (ArgumentCheck.Mismatch m) {
                    System.err.println("error: " + m.getMessage());
                    s.close();
                    return 64;
                }
            }
            byte[] msg = JsonMsgpack.encodeArgs(sent);
            try (Reply r = s.call(action, Unpooled.wrappedBuffer(msg), null).join()) {
                System.out.println(JsonMsgpack.toJson(r.msg()));
                return 0;
            } finally {
                s.close();
            }
        } catch (CompletionException e) {
            return report(e.getCause() != null ? e.getCause() : e);
        } catch (RpcException e) {
            return report(e);
        }
    }

    static int report(Throwable t) {
        if (t instanceof RpcException) {
            RpcException e = (RpcException) t;
            if (e.code() != null) {
                System.err.println("error: " + e.code().wireName() + " (" + e.getMessage() + ")");
                return 2;
            }
            if (e.errno() != RpcException.NO_ERRNO) {
                System.err.println("remote error: errno " + e.errno());
            } else {
                System.err.println("remote error: " + new String(e.errorBytes(), StandardCharsets.UTF_8));
            }
            return 1;
        }
        System.err.println("error: " + t);
        return 2;
    }
}
