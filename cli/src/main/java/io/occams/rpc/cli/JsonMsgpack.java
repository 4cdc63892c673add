package io.occams.rpc.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;

/**
 * Command-line arguments in JSON to the msgpack the wire wants, and replies back to JSON. JSON parsing
 * is Jackson's; the msgpack format is msgpack-core's. Arguments follow the remote API rule: none is
 * nil, one is the value itself, several are an array (the Rust tuple).
 *
 * <p>Each argument is strict JSON: exactly one value, nothing after it. The one convenience: an
 * argument that does not even start like JSON (its first token is not a JSON value, as in {@code hello}
 * or {@code trueish}) is taken as a string, so {@code occams call EchoService.repeat hello} works without
 * quotes. Anything that starts like JSON must be JSON: {@code '123 Main Street'}, {@code 'true story'},
 * <code>'{"a":'</code> and {@code 007} (JSON has no leading zeros) are refused with a {@link Main.UsageError}
 * that says what was wrong, and nothing is sent. So is an integer outside msgpack's 64 bits.
 */
final class JsonMsgpack {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonMsgpack() {}

    /** {@code arg} as JSON, or as a string when it does not start like JSON (see the class comment). */
    static JsonNode parseArg(String arg, int position) {
        String s = arg.strip();
        String which = "argument " + position + " '" + arg + "'";
        if (!startsLikeJson(s)) {
            return JSON.getNodeFactory().textNode(arg);
        }
        try (JsonParser p = JSON.getFactory().createParser(s)) {
            JsonNode n = JSON.readTree(p);
            String rest = s.substring(
                            (int) Math.min(s.length(), p.currentLocation().getCharOffset()))
                    .strip();
            if (!rest.isEmpty()) {
                throw new Main.UsageError(which + " is not one JSON value: '" + rest + "' follows " + n
                        + "; to send it all as a string, quote it as JSON: '"
                        + JSON.getNodeFactory().textNode(arg) + "'");
            }
            return n;
        } catch (JsonProcessingException e) {
            String why = e.getOriginalMessage();
            int nl = why.indexOf('\n');
            throw new Main.UsageError(which + " is not valid JSON: " + (nl > 0 ? why.substring(0, nl) : why)
                    + "; a string must be quoted as JSON, e.g. '"
                    + JSON.getNodeFactory().textNode(arg) + "'");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the first token of {@code s} is JSON (or it opens with a character only JSON starts with). */
    private static boolean startsLikeJson(String s) {
        if (s.isEmpty()) {
            return false;
        }
        if ("{[\"-0123456789".indexOf(s.charAt(0)) >= 0) {
            return true;
        }
        try (JsonParser p = JSON.getFactory().createParser(s)) {
            p.nextToken();
            return true;
        } catch (IOException notJson) {
            return false;
        }
    }

    /** The msgpack bytes of the argument list. */
    static byte[] encodeArgs(List<String> args) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            if (args.isEmpty()) {
                p.packNil();
            } else if (args.size() == 1) {
                pack(p, parseArg(args.get(0), 1));
            } else {
                p.packArrayHeader(args.size());
                for (int i = 0; i < args.size(); i++) {
                    pack(p, parseArg(args.get(i), i + 1));
                }
            }
            return p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void pack(MessageBufferPacker p, JsonNode n) throws IOException {
        if (n == null || n.isNull() || n.isMissingNode()) {
            p.packNil();
        } else if (n.isBoolean()) {
            p.packBoolean(n.booleanValue());
        } else if (n.isIntegralNumber()) {
            if (n.canConvertToLong()) {
                p.packLong(n.longValue());
            } else if (n.bigIntegerValue().signum() > 0 && n.bigIntegerValue().bitLength() <= 64) {
                p.packBigInteger(n.bigIntegerValue()); // uint64
            } else {
                throw new Main.UsageError(
                        "the integer " + n + " does not fit in 64 bits (msgpack integers are -2^63 to 2^64-1)");
            }
        } else if (n.isNumber()) {
            p.packDouble(n.doubleValue());
        } else if (n.isTextual()) {
            p.packString(n.textValue());
        } else if (n.isArray()) {
            p.packArrayHeader(n.size());
            for (JsonNode e : n) {
                pack(p, e);
            }
        } else if (n.isObject()) {
            p.packMapHeader(n.size());
            Iterator<Map.Entry<String, JsonNode>> it = n.properties().iterator();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                p.packString(e.getKey());
                pack(p, e.getValue());
            }
        } else if (n.isBinary()) {
            byte[] b = n.binaryValue();
            p.packBinaryHeader(b.length);
            p.writePayload(b);
        } else {
            p.packString(n.asText());
        }
    }

    /** A reply's msg as JSON; an empty msg is {@code null}. */
    static String toJson(ByteBuf msg) {
        if (!msg.isReadable()) {
            return "null";
        }
        byte[] b = new byte[msg.readableBytes()];
        msg.getBytes(msg.readerIndex(), b);
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(b)) {
            Value v = u.unpackValue();
            return v.toJson();
        } catch (IOException | RuntimeException e) {
            return "<" + b.length + " bytes that are not msgpack: " + io.netty.buffer.ByteBufUtil.hexDump(b) + ">";
        }
    }
}
