package io.occams.rpc.rsa.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.ServiceContract;
import io.occams.rpc.client.RpcClient;
import io.occams.rpc.codec.MsgpackCodec;
import io.occams.rpc.errors.ErrorCodecRegistry;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.server.ServiceDispatcher;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The provider's OSGi-free parts on a real loopback server: plain interfaces, shared servers, shared imports, property rules. */
public class ServersAndImportsTest {
    /** A plain interface: no @RpcService. */
    public interface Plain {
        String hello(String name);

        CompletableFuture<Long> twice(long x);
    }

    static final class PlainImpl implements Plain {
        private final String tag;

        PlainImpl(String tag) {
            this.tag = tag;
        }

        @Override
        public String hello(String name) {
            return tag + ":" + name;
        }

        @Override
        public CompletableFuture<Long> twice(long x) {
            return CompletableFuture.completedFuture(2 * x);
        }
    }

    private NettyRuntime runtime;
    private Servers servers;
    private Imports imports;

    @BeforeEach
    void setUp() {
        runtime = new NettyRuntime();
        MsgpackCodec codec = new MsgpackCodec();
        servers = new Servers(codec, ErrorCodecRegistry.withBuiltins(), Duration.ofSeconds(5));
        imports = new Imports(RpcClient.builder().codec(codec).build(), ClientConfig.defaults(), Duration.ofSeconds(5));
    }

    @AfterEach
    void tearDown() throws Exception {
        imports.close();
        servers.close();
        runtime.close();
    }

    @Test
    @SuppressWarnings("SelfAssertion") // the import proxy's own equals() is what is checked
    void aPlainInterfaceIsServedAndCalledUnderItsScopedWireName() {
        Servers.Shared s = servers.acquire("127.0.0.1", 0, runtime, false);
        String wire = ExportSettings.wireName("x1", Plain.class);
        assertThat(wire).isEqualTo("x1_io_occams_rpc_rsa_internal_ServersAndImportsTest$Plain");
        ServiceDispatcher.Registration r = s.register(ServiceContract.of(Plain.class, wire), new PlainImpl("a"));
        Plain p = (Plain) imports.importEndpoint(
                "ep1",
                "x1",
                false,
                s.address(),
                runtime,
                Duration.ofSeconds(10),
                Plain.class.getClassLoader(),
                new Class<?>[] {Plain.class},
                Function.identity());
        assertThat(p.hello("ann")).isEqualTo("a:ann");
        assertThat(p.twice(21).join()).isEqualTo(42L);
        assertThat(p).isEqualTo(p).hasToString("occams.tcp import of endpoint ep1");
        r.close();
    }

    @Test
    void exportsOnOneHostAndPortShareOneServer() {
        Servers.Shared a = servers.acquire("127.0.0.1", 0, runtime, false);
        Servers.Shared b = servers.acquire("127.0.0.1", 0, runtime, false);
        assertThat(b).isSameAs(a);
        servers.release(a);
        servers.release(b);
    }

    @Test
    void endpointsOfOneLogicalNameShareOneProxyAndPoolAndDropOutOfIt() {
        Servers.Shared s1 = servers.acquire("127.0.0.1", 0, runtime, false);
        Servers.Shared s2 = servers.acquire("localhost", 0, runtime, false);
        String wire = ExportSettings.wireName("greeter", Plain.class);
        s1.register(ServiceContract.of(Plain.class, wire), new PlainImpl("one"));
        s2.register(ServiceContract.of(Plain.class, wire), new PlainImpl("two"));
        Object p1 = imports.importEndpoint(
                "ep-1",
                "greeter",
                true,
                s1.address(),
                runtime,
                Duration.ofSeconds(10),
                Plain.class.getClassLoader(),
                new Class<?>[] {Plain.class},
                Function.identity());
        Object p2 = imports.importEndpoint(
                "ep-2",
                "greeter",
                true,
                s2.address(),
                runtime,
                Duration.ofSeconds(10),
                Plain.class.getClassLoader(),
                new Class<?>[] {Plain.class},
                Function.identity());
        assertThat(p2).isSameAs(p1);
        assertThat(imports.addressesOf("ep-1")).containsExactly(s1.address(), s2.address());
        assertThat(((Plain) p1).hello("c")).isIn("one:c", "two:c");
        imports.release("ep-1");
        assertThat(imports.imports("ep-1")).isFalse();
        assertThat(imports.addressesOf("ep-2")).containsExactly(s2.address());
        assertThat(((Plain) p1).hello("d")).isEqualTo("two:d");
    }

    @Test
    void unknownOrInvalidOccamsPropertiesAreRefused() {
        assertThat(ExportSettings.from(Map.of("occams.tcp.port", "7000", "other.prop", 1)).port)
                .isEqualTo(7000);
        assertThat(ExportSettings.from(Map.of()).host).isEqualTo("127.0.0.1");
        for (Map<String, Object> bad : java.util.List.<Map<String, Object>>of(
                Map.of("occams.tcp.port", "x"),
                Map.of("occams.tcp.port", -1),
                Map.of("occams.tcp.port", 65536),
                Map.of("occams.tcp.port", 1.5),
                Map.of("occams.tcp.host", " "),
                Map.of("occams.tcp.host", 7),
                Map.of("occams.tcp.runtime", ""),
                Map.of("occams.tcp.name", "a.b"),
                Map.of("occams.tcp.name", "a/b"),
                Map.of("occams.tcp.bogus", "1"),
                Map.of("occams.tcp.address", "h:1"),
                Map.of("occams.tcp.id", "x"))) {
            assertThatThrownBy(() -> ExportSettings.from(bad))
                    .as("%s", bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aPortInUseIsAnIllegalArgument() {
        Servers.Shared s = servers.acquire("127.0.0.1", 0, runtime, false);
        Servers other = new Servers(new MsgpackCodec(), ErrorCodecRegistry.withBuiltins(), Duration.ofSeconds(1));
        try {
            assertThatThrownBy(() -> other.acquire("127.0.0.1", s.address().port(), runtime, false))
                    .isInstanceOf(IllegalArgumentException.class);
        } finally {
            other.close();
        }
    }
}
