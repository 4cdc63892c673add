package io.occams.rpc.api.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.occams.rpc.api.RpcAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;

class RuntimePreferenceTest {
    /** A runtime that is only a name: the preference looks at nothing else. */
    private static Runtime named(String name) {
        return new Runtime() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public ByteBufAllocator allocator() {
                throw new UnsupportedOperationException();
            }

            @Override
            public CompletableFuture<Connection> connect(
                    RpcAddress address, Duration timeout, ConnectionHandler.Factory factory) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Listener listen(RpcAddress address, ConnectionHandler.Factory factory) {
                throw new UnsupportedOperationException();
            }

            @Override
            public ScheduledExecutorService scheduler() {
                throw new UnsupportedOperationException();
            }

            @Override
            public Executor blockingExecutor() {
                throw new UnsupportedOperationException();
            }

            @Override
            public void close() {}
        };
    }

    private final Runtime netty = named("netty");
    private final Runtime vthreads = named("vthreads");

    @Test
    void withoutAPreferenceAnyRuntimeIsAcceptedAndTheFirstOfferedIsPicked() {
        RuntimePreference any = RuntimePreference.fromProperties(Map.of());
        assertThat(any.names()).isEmpty();
        assertThat(any.accepts("netty")).isTrue();
        assertThat(any.prefers("netty", "vthreads")).isFalse();
        assertThat(any.pick(List.of(vthreads, netty), null)).isSameAs(vthreads);
    }

    @Test
    void theListedOrderWinsAndUnlistedRuntimesAreRefused() {
        RuntimePreference p = RuntimePreference.fromProperties(Map.of(RuntimePreference.PROPERTY, "vthreads, netty"));
        assertThat(p.names()).containsExactly("vthreads", "netty");
        assertThat(p.prefers("vthreads", "netty")).isTrue();
        assertThat(p.prefers("netty", "vthreads")).isFalse();
        assertThat(p.pick(List.of(netty, vthreads), null)).isSameAs(vthreads);
        assertThat(p.pick(List.of(netty, vthreads), vthreads))
                .as("never the one leaving")
                .isSameAs(netty);
        RuntimePreference only =
                RuntimePreference.fromProperties(Map.of(RuntimePreference.PROPERTY, new String[] {"netty"}));
        assertThat(only.accepts("vthreads")).isFalse();
        assertThat(only.pick(List.of(vthreads), null)).isNull();
        assertThat(only)
                .isEqualTo(RuntimePreference.fromProperties(Map.of("runtime", List.of("netty"))))
                .hasToString("[netty]");
    }
}
