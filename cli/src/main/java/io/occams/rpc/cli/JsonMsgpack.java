package io.occams.rpc.cli;

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
 * nil, one is the value itself, several are an array (the Rust tuple). A bare word that is not JSON
 * is taken as a string, so {@code occams call EchoService.repeat hello} works without quotes.
 */
final class JsonMsgpack {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonMsgpack() {
    }

    static JsonNode parseArg(String arg) {
        try {
            return JSON.readTree(arg);
        } catch (IOException notJson) {
            return JSON.getNodeFactory().textNode(arg);
        }
    }

    /** The msgpack bytes of the argument list. */
    static byte[] encodeArgs(List<String> args) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            if (args.isEmpty()) {
                p.packNil();
            } else if (args.size() == 1) {
                pack(p, parseArg(args.get(0)));
            } else {
                p.packArrayHeader(args.size());
                for (String a : args) {
                    pack(p, parseArg(a));
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
            } else {
                p.packBigInteger(n.bigIntegerValue());
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
            Iterator<Map.Entry<String, JsonNode>> it = n.fields();
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
