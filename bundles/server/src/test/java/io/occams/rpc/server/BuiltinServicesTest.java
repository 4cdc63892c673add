package io.occams.rpc.server;

import static io.occams.rpc.server.Wire.call;
import static io.occams.rpc.server.Wire.errorReply;
import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.introspect.Health;
import io.occams.rpc.examples.CalService;
import io.occams.rpc.examples.internal.CalServiceImpl;
import io.occams.rpc.testkit.RawPeer;
import io.occams.rpc.testkit.Transport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;

/**
 * The reflection and health services every server serves, called as any client in any language would:
 * raw request frames on a socket, msgpack answers read back with a plain msgpack reader.
 */
class BuiltinServicesTest extends LoopbackServerTest {

    /** The msgpack of one string, as hex for {@link Wire#call}. */
    private static String str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder(String.format("%02x", 0xa0 | b.length));
        for (byte x : b) {
            h.append(String.format("%02x", x));
        }
        return h.toString();
    }

    private static Value unpack(Wire.Frame f) throws IOException {
        assertThat(f.flag()).as("an ok reply").isZero();
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(f.body())) {
            return u.unpackValue();
        }
    }

    private static Map<String, Value> map(Value v) {
        Map<String, Value> m = new HashMap<>();
        v.asMapValue().map().forEach((k, x) -> m.put(k.asStringValue().asString(), x));
        return m;
    }

    @Test
    void reflectionDescribesAServiceOnTheWireWithParameterNamesTypesAndKinds() throws Exception {
        try (RpcServer server = RpcServer.builder().runtime(runtimes.netty).build()) {
            server.register(CalService.class, new CalServiceImpl());
            try (RawPeer peer = RawPeer.connect(listen(server, Transport.TCP))) {
                Map<String, Value> cal = map(unpack(call(peer, 1, "OccamsReflection.describe", str("CalService"))));
                assertThat(cal.get("name").asStringValue().asString()).isEqualTo("CalService");
                assertThat(cal.get("type").asStringValue().asString()).isEqualTo(CalService.class.getName());
                assertThat(cal.get("providers").asIntegerValue().asInt()).isEqualTo(1);
                Map<String, Value> add = null;
                for (Value m : cal.get("methods").asArrayValue()) {
                    if (map(m).get("name").asStringValue().asString().equals("add")) {
                        add = map(m);
                    }
                }
                assertThat(add).as("the method add").isNotNull();
                assertThat(add.get("action").asStringValue().asString()).isEqualTo("CalService.add");
                assertThat(add.get("returns").asStringValue().asString()).isEqualTo("long");
                List<Value> params = add.get("parameters").asArrayValue().list();
                assertThat(params).hasSize(2);
                assertThat(map(params.get(0)).get("name").asStringValue().asString())
                        .isEqualTo("a");
                assertThat(map(params.get(1)).get("name").asStringValue().asString())
                        .isEqualTo("b");
                assertThat(map(params.get(0)).get("type").asStringValue().asString())
                        .isEqualTo("long");
                assertThat(map(params.get(0)).get("kind").asStringValue().asString())
                        .isEqualTo("int");
                assertThat(map(params.get(0)).get("named").asBooleanValue().getBoolean())
                        .isTrue();

                assertThat(unpack(call(peer, 2, "OccamsReflection.describe", str("Nope")))
                                .isNilValue())
                        .isTrue();
            }
        }
    }

    @Test
    void statusReportsTheListenerItsConnectionsAndEachServicesCallsAndErrors() throws Exception {
        try (RpcServer server = RpcServer.builder().runtime(runtimes.netty).build()) {
            server.register(CalService.class, new CalServiceImpl());
            String address = listen(server, Transport.TCP).toString();
            try (RawPeer peer = RawPeer.connect(server.addresses().get(0))) {
                assertThat(unpack(call(peer, 1, "CalService.add", "920a14"))
                                .asIntegerValue()
                                .asLong())
                        .isEqualTo(30);
                assertThat(call(peer, 2, "CalService.div", "920100").flag())
                        .as("div by zero answers the service's error")
                        .isNotZero();

                Map<String, Value> status = map(unpack(call(peer, 3, "OccamsStatus.status", "c0")));
                assertThat(status.get("serving").asBooleanValue().getBoolean()).isTrue();
                List<Value> listeners = status.get("listeners").asArrayValue().list();
                assertThat(listeners).hasSize(1);
                Map<String, Value> l = map(listeners.get(0));
                assertThat(l.get("runtime").asStringValue().asString()).isEqualTo("netty");
                assertThat(l.get("addresses").asArrayValue().list())
                        .extracting(v -> v.asStringValue().asString())
                        .containsExactly(address);
                assertThat(l.get("connections").asIntegerValue().asInt()).isEqualTo(1);
                assertThat(l.get("inFlight").asIntegerValue().asInt())
                        .as("the status call itself is in flight")
                        .isGreaterThanOrEqualTo(1);

                Map<String, Map<String, Value>> byName = new HashMap<>();
                for (Value v : status.get("services").asArrayValue()) {
                    byName.put(map(v).get("name").asStringValue().asString(), map(v));
                }
                assertThat(byName).containsOnlyKeys("CalService", "OccamsHealth", "OccamsReflection", "OccamsStatus");
                Map<String, Value> cal = byName.get("CalService");
                assertThat(cal.get("calls").asIntegerValue().asLong()).isEqualTo(2);
                assertThat(cal.get("errors").asIntegerValue().asLong()).isEqualTo(1);
                assertThat(cal.get("providers").asIntegerValue().asInt()).isEqualTo(1);
                assertThat(cal.get("provider").asStringValue().asString()).isNotEmpty();
                Map<String, Value> self = byName.get("OccamsStatus");
                assertThat(self.get("calls").asIntegerValue().asLong()).isEqualTo(1);
                assertThat(self.get("inFlight").asIntegerValue().asInt())
                        .as("counted before the method runs")
                        .isEqualTo(1);
            }
            server.close();
            assertThat(server.dispatcher().status().listeners())
                    .as("a closed server leaves the status service")
                    .isEmpty();
        }
    }

    @Test
    void reflectionListsEveryServedServiceWithItsProvider() throws Exception {
        try (RpcServer server = RpcServer.builder().runtime(runtimes.netty).build()) {
            server.register(CalService.class, new CalServiceImpl());
            try (RawPeer peer = RawPeer.connect(listen(server, Transport.TCP))) {
                Map<String, Map<String, Value>> byName = new HashMap<>();
                for (Value s :
                        unpack(call(peer, 1, "OccamsReflection.list", "c0")).asArrayValue()) {
                    byName.put(map(s).get("name").asStringValue().asString(), map(s));
                }
                assertThat(byName).containsOnlyKeys("CalService", "OccamsHealth", "OccamsReflection", "OccamsStatus");
                assertThat(byName.get("CalService")
                                .get("provider")
                                .asStringValue()
                                .asString())
                        .isNotEmpty();
            }
        }
    }

    @Test
    void aDispatcherToldNotToServesNeitherReflectionNorHealth() throws Exception {
        ServiceDispatcher d = ServiceDispatcher.builder().introspection(false).build();
        try (RpcServer server =
                RpcServer.builder().runtime(runtimes.netty).dispatcher(d).build()) {
            try (RawPeer peer = RawPeer.connect(listen(server, Transport.TCP))) {
                assertThat(call(peer, 1, "OccamsReflection.list", "c0").hex())
                        .isEqualTo(errorReply(1, RpcCode.SERVICE_NOT_FOUND.wireName()));
                assertThat(call(peer, 2, "OccamsHealth.check", str("")).hex())
                        .isEqualTo(errorReply(2, RpcCode.SERVICE_NOT_FOUND.wireName()));
            }
        }
    }

    @Test
    void healthTellsServingNotServingAndUnknownPerName() throws Exception {
        ServiceDispatcher d =
                ServiceDispatcher.builder().swapGrace(Duration.ofMinutes(5)).build();
        try (RpcServer server =
                RpcServer.builder().runtime(runtimes.netty).dispatcher(d).build()) {
            ServiceDispatcher.Registration reg = server.register(CalService.class, new CalServiceImpl());
            try (RawPeer peer = RawPeer.connect(listen(server, Transport.TCP))) {
                assertThat(unpack(call(peer, 1, "OccamsHealth.check", str("")))
                                .asStringValue()
                                .asString())
                        .isEqualTo(Health.SERVING);
                assertThat(unpack(call(peer, 2, "OccamsHealth.check", str("CalService")))
                                .asStringValue()
                                .asString())
                        .isEqualTo(Health.SERVING);
                assertThat(unpack(call(peer, 3, "OccamsHealth.check", str("Nope")))
                                .asStringValue()
                                .asString())
                        .isEqualTo(Health.SERVICE_UNKNOWN);
                reg.close(); // gone, but may come back within swapGrace
                assertThat(unpack(call(peer, 4, "OccamsHealth.check", str("CalService")))
                                .asStringValue()
                                .asString())
                        .isEqualTo(Health.NOT_SERVING);
                Map<String, Value> all = map(unpack(call(peer, 5, "OccamsHealth.all", "c0")));
                assertThat(all.get("CalService").asStringValue().asString()).isEqualTo(Health.NOT_SERVING);
                assertThat(all.get("").asStringValue().asString()).isEqualTo(Health.SERVING);
                d.serving(false); // draining, as its owner says
                assertThat(unpack(call(peer, 6, "OccamsHealth.check", str("")))
                                .asStringValue()
                                .asString())
                        .isEqualTo(Health.NOT_SERVING);
                assertThat(unpack(call(peer, 7, "OccamsHealth.check", str("OccamsReflection")))
                                .asStringValue()
                                .asString())
                        .isEqualTo(Health.NOT_SERVING);
            }
        }
    }

    @Test
    void aServerThatMadeItsDispatcherIsNotServingOnceItShutsDown() throws Exception {
        RpcServer server = RpcServer.builder().runtime(runtimes.netty).build();
        try {
            assertThat(server.dispatcher().health("")).isEqualTo(Health.SERVING);
            server.shutdown();
            assertThat(server.dispatcher().health("")).isEqualTo(Health.NOT_SERVING);
            assertThat(server.dispatcher().isServing()).isFalse();
        } finally {
            server.close();
        }
    }
}
