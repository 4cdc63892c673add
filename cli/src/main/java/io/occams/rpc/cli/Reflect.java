package io.occams.rpc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.Reply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * The CLI's side of a server's built-in services ({@code OccamsReflection}, {@code OccamsHealth}): plain
 * calls by action over a {@link ClientStream}, answers as JSON trees. Also the nearest-name suggestions
 * the commands print when a name is not found.
 */
final class Reflect {
    static final String LIST = "OccamsReflection.list";
    static final String DESCRIBE = "OccamsReflection.describe";
    static final String HEALTH_CHECK = "OccamsHealth.check";
    static final String HEALTH_ALL = "OccamsHealth.all";
    static final String STATUS = "OccamsStatus.status";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Reflect() {}

    /** What a command does over its connection to the server; returns the exit code. */
    interface Ask {
        int with(ClientStream s);
    }

    /**
     * Connects to {@code target}'s server, runs {@code ask} and closes. A server that does not serve the
     * built-in {@code service} (an older one, or one with introspection off) is one line and exit 2; any
     * other failure is reported as {@code call} reports it.
     */
    static int ask(Target target, String service, Ask ask) {
        try (Runtime rt = target.newRuntime()) {
            ClientStream s = target.connect(rt, 1);
            try {
                return ask.with(s);
            } finally {
                s.close();
            }
        } catch (RuntimeException e) {
            if (noReflection(e)) {
                System.err.println("error: the server at " + target.address + " serves no " + service
                        + " service (an older server, or introspection=false)");
                return Main.RPC_ERROR;
            }
            return CallCommand.report(e.getCause() != null && !(e instanceof RpcException) ? e.getCause() : e);
        }
    }

    /** Calls {@code action} with one string argument (null: none); the answer as JSON. */
    static JsonNode call(ClientStream s, String action, String arg) {
        byte[] msg;
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            if (arg == null) {
                p.packNil();
            } else {
                p.packString(arg);
            }
            msg = p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (Reply r = s.call(action, Unpooled.wrappedBuffer(msg), null).join()) {
            return JSON.readTree(JsonMsgpack.toJson(r.msg()));
        } catch (IOException e) {
            throw new RpcException(
                    RpcCode.DECODE,
                    action + ": the answer is not what the reflection service sends: " + e.getMessage());
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException ? (RuntimeException) e.getCause() : e;
        }
    }

    /** Whether {@code t} says the server serves no reflection (an old server, or one with introspection off). */
    static boolean noReflection(Throwable t) {
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        return c instanceof RpcException && ((RpcException) c).code() == RpcCode.SERVICE_NOT_FOUND;
    }

    /** The method {@code name} of a described service, or null. */
    static JsonNode method(JsonNode service, String name) {
        for (JsonNode m : service.path("methods")) {
            if (m.path("name").asText().equals(name)) {
                return m;
            }
        }
        return null;
    }

    /** The names of the methods of a described service. */
    static List<String> methodNames(JsonNode service) {
        List<String> out = new ArrayList<>();
        for (JsonNode m : service.path("methods")) {
            out.add(m.path("name").asText());
        }
        return out;
    }

    /** A method as a person reads it: {@code add(long a, long b) -> long}. */
    static String signature(JsonNode m) {
        return m.path("name").asText() + parameters(m) + " -> "
                + m.path("returns").asText();
    }

    /** The parameter list: {@code (long a, long b)}. */
    static String parameters(JsonNode m) {
        StringBuilder b = new StringBuilder("(");
        int i = 0;
        for (JsonNode p : m.path("parameters")) {
            b.append(i++ > 0 ? ", " : "")
                    .append(p.path("type").asText())
                    .append(' ')
                    .append(p.path("name").asText());
        }
        return b.append(')').toString();
    }

    /** " did you mean X?" for the candidate nearest to {@code name}, or "" when none is near. */
    static String suggest(String name, Collection<String> candidates) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(name.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        return best != null && bestD <= Math.max(2, name.length() / 2) ? "; did you mean \"" + best + "\"?" : "";
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** The names of the services in a list answer. */
    static List<String> serviceNames(JsonNode list) {
        List<String> out = new ArrayList<>();
        for (JsonNode s : list) {
            out.add(s.path("name").asText());
        }
        return out;
    }
}
