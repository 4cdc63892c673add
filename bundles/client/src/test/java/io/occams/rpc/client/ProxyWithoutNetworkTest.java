package io.occams.rpc.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.RpcMethod;
import io.occams.rpc.api.RpcService;
import io.occams.rpc.stream.Caller;
import io.occams.rpc.stream.ClientTask;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What the proxy hands a {@link Caller}, and its local behaviour, with a caller that only records tasks. */
@Timeout(60)
class ProxyWithoutNetworkTest {
    @RpcService("Idem")
    interface IdemService {
        @RpcMethod(idempotent = true)
        long read(long x);

        long write(long x);

        CompletableFuture<Long> writeAsync(long x);
    }

    interface NotAService {
        long x();
    }

    /** Records tasks; completes none unless told. */
    static final class RecordingCaller implements Caller {
        final BlockingQueue<ClientTask> tasks = new LinkedBlockingQueue<>();

        @Override
        public void submit(ClientTask task) {
            tasks.add(task);
        }

        @Override
        public boolean isHealthy() {
            return true;
        }
    }

    final RpcClient client = RpcClient.create();
    final RecordingCaller caller = new RecordingCaller();

    @Test
    void theMethodsIdempotentMarkReachesTheTaskAndOptionsOverrideIt() throws Exception {
        IdemService s = client.proxy(IdemService.class, caller);
        s.writeAsync(1);
        ClientTask write = caller.tasks.poll(5, TimeUnit.SECONDS);
        assertThat(write.isIdempotent()).isFalse();
        assertThat(write.timeout())
                .as("no own timeout: the stream's taskTimeout applies")
                .isNull();

        RpcClient.withOptions(s, CallOptions.none().idempotent(true)).writeAsync(1);
        assertThat(caller.tasks.poll(5, TimeUnit.SECONDS).isIdempotent()).isTrue();

        Thread t = new Thread(() -> s.read(1));
        t.setDaemon(true);
        t.start();
        ClientTask read = caller.tasks.poll(5, TimeUnit.SECONDS);
        assertThat(read.isIdempotent()).isTrue();
        read.onReply(Unpooled.wrappedBuffer(new byte[] {1}), Unpooled.EMPTY_BUFFER);
        t.join(5000);
        assertThat(t.isAlive()).isFalse();
    }

    @Test
    void aTimeoutGoesToTheTaskSoThatTheConnectionForgetsTheCallToo() throws Exception {
        IdemService s = client.proxy(IdemService.class, caller, CallOptions.timeout(Duration.ofSeconds(3)));
        CompletableFuture<Long> f = s.writeAsync(1);
        ClientTask t = caller.tasks.poll(5, TimeUnit.SECONDS);
        assertThat(t.timeout()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(3));
        t.onReply(Unpooled.wrappedBuffer(new byte[] {7}), Unpooled.EMPTY_BUFFER);
        assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo(7L);
    }

    @Test
    void theActionIsTheServiceNameDotTheWireName() throws Exception {
        client.proxy(IdemService.class, caller).writeAsync(1);
        ClientTask t = caller.tasks.poll(5, TimeUnit.SECONDS);
        io.netty.buffer.ByteBuf out = Unpooled.buffer();
        t.encodeMsg(out);
        assertThat(io.netty.buffer.ByteBufUtil.getBytes(out)).containsExactly(1);
        assertThat(t.toString()).contains("Idem.writeAsync");
    }

    @Test
    void aHandlerGivenFreshMethodCopiesStillFindsEveryPlan() throws Throwable {
        IdemService s = client.proxy(IdemService.class, caller);
        java.lang.reflect.InvocationHandler h = java.lang.reflect.Proxy.getInvocationHandler(s);
        for (int i = 0; i < 100; i++) { // 4 methods: 16 + 4 x 4 entries at most are remembered
            // getMethod returns a new copy each time: equal, never identical to what the proxy passes
            h.invoke(s, IdemService.class.getMethod("writeAsync", long.class), new Object[] {(long) i});
            s.writeAsync(i);
        }
        for (int i = 0; i < 200; i++) {
            ClientTask t = caller.tasks.poll(5, TimeUnit.SECONDS);
            io.netty.buffer.ByteBuf out = Unpooled.buffer();
            t.encodeMsg(out);
            assertThat(t.toString()).contains("Idem.writeAsync");
            assertThat((int) out.readUnsignedByte()).isEqualTo(i / 2);
        }
        assertThat(caller.tasks).isEmpty();
    }

    @Test
    void anInterruptedBlockingCallRestoresTheFlagAndSaysSo() {
        IdemService s = client.proxy(IdemService.class, caller);
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> s.write(1)).isInstanceOfSatisfying(RpcException.class, e -> {
                assertThat(e.code()).isEqualTo(RpcCode.INTERNAL);
                assertThat(e).hasMessageContaining("interrupted").hasCauseInstanceOf(InterruptedException.class);
            });
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void aFailureOfTheCallerKeepsItsCause() {
        RpcException lost = new RpcException(RpcCode.IO, "gone", new java.io.IOException("reset"));
        Caller failing = new Caller() {
            @Override
            public void submit(ClientTask task) {
                task.onFailure(lost);
            }

            @Override
            public boolean isHealthy() {
                return false;
            }
        };
        assertThatThrownBy(() -> client.proxy(IdemService.class, failing).write(1))
                .isInstanceOfSatisfying(RpcException.class, e -> {
                    assertThat(e.code()).isEqualTo(RpcCode.IO);
                    assertThat(e.getCause())
                            .as("the failure as the caller saw it, then its cause")
                            .isSameAs(lost);
                    assertThat(e)
                            .hasRootCauseInstanceOf(java.io.IOException.class)
                            .hasMessageContaining("gone");
                });
        CompletableFuture<Long> f = client.proxy(IdemService.class, failing).writeAsync(1);
        assertThatThrownBy(f::join).cause().isSameAs(lost);
    }

    @Test
    void aCallerThatThrowsFailsTheCallInsteadOfLosingIt() {
        Caller throwing = new Caller() {
            @Override
            public void submit(ClientTask task) {
                throw new IllegalStateException("closed");
            }

            @Override
            public boolean isHealthy() {
                return false;
            }
        };
        CompletableFuture<Long> f = client.proxy(IdemService.class, throwing).writeAsync(1);
        assertThatThrownBy(f::join).cause().isInstanceOfSatisfying(RpcException.class, e -> {
            assertThat(e.code()).isEqualTo(RpcCode.INTERNAL);
            assertThat(e.getCause()).isInstanceOf(IllegalStateException.class);
        });
    }

    @Test
    void anInterfaceWithoutRpcServiceIsRefused() {
        assertThatThrownBy(() -> client.proxy(NotAService.class, caller))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("@RpcService");
    }

    @Test
    void withOptionsAndOptionsOfWorkOnProxiesOnly() {
        IdemService s = client.proxy(IdemService.class, caller);
        CallOptions o = CallOptions.timeout(Duration.ofSeconds(1)).idempotent(true);
        IdemService t = RpcClient.withOptions(s, o);
        assertThat(RpcClient.optionsOf(t)).isEqualTo(o);
        assertThat(RpcClient.optionsOf(s)).isEqualTo(CallOptions.none());
        assertThat(RpcClient.isProxy(t)).isTrue();
        assertThat(RpcClient.isProxy("x")).isFalse();
        assertThatThrownBy(() -> RpcClient.withOptions("x", o)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void scopedOptionsOverrideTheProxysSettingBySettingAndNest() {
        CallOptions bound = CallOptions.timeout(Duration.ofSeconds(5)).idempotent(false);
        try (CallOptions.Scope a = CallOptions.none().idempotent(true).activate()) {
            assertThat(bound.overriddenBy(CallOptions.current()).timeout()).contains(Duration.ofSeconds(5));
            assertThat(bound.overriddenBy(CallOptions.current()).idempotent()).contains(true);
            try (CallOptions.Scope b =
                    CallOptions.timeout(Duration.ofMillis(10)).activate()) {
                assertThat(CallOptions.current().timeout()).contains(Duration.ofMillis(10));
                assertThat(CallOptions.current().idempotent()).contains(true);
            }
            assertThat(CallOptions.current().timeout()).isEmpty();
        }
        assertThat(CallOptions.current()).isSameAs(CallOptions.none());
    }

    @Test
    void aScopeClosedOnAnotherThreadLeavesThisThreadsScopeInForce() throws Exception {
        CallOptions mine = CallOptions.timeout(Duration.ofMillis(7));
        try (CallOptions.Scope s = mine.activate()) {
            CompletableFuture<CallOptions> seenThere = new CompletableFuture<>();
            Thread other = new Thread(() -> {
                try (CallOptions.Scope t = CallOptions.none().idempotent(true).activate()) {
                    // opened and closed while this thread's scope stays open
                }
                seenThere.complete(CallOptions.current());
            });
            other.start();
            other.join();
            assertThat(seenThere.get()).isSameAs(CallOptions.none());
            assertThat(CallOptions.current()).isSameAs(mine);
            s.close();
            s.close(); // idempotent: counts the scope out once
        }
        assertThat(CallOptions.current()).isSameAs(CallOptions.none());
        try (CallOptions.Scope again = mine.activate()) {
            assertThat(CallOptions.current()).isSameAs(mine);
        }
    }

    @Test
    void remainingNanosIsTheSmallerOfTimeoutAndDeadline() {
        assertThat(CallOptions.none().remainingNanos()).isEqualTo(Long.MAX_VALUE);
        assertThat(CallOptions.timeout(Duration.ofSeconds(1)).remainingNanos()).isEqualTo(1_000_000_000L);
        long left = CallOptions.timeout(Duration.ofSeconds(10))
                .withDeadline(java.time.Instant.now().plusSeconds(1))
                .remainingNanos();
        assertThat(left).isPositive().isLessThanOrEqualTo(1_000_000_000L);
        assertThatThrownBy(() -> CallOptions.timeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whateverTheCodecThrowsWhileDecodingTheCallEndsWithDecodeAndTheCause() throws Exception {
        io.occams.rpc.api.spi.Codec real = client.codec();
        io.occams.rpc.api.spi.Codec broken = new io.occams.rpc.api.spi.Codec() {
            @Override
            public int format() {
                return 0;
            }

            @Override
            public <T> io.occams.rpc.api.spi.Binding<T> binding(java.lang.reflect.Type type) {
                return new io.occams.rpc.api.spi.Binding<T>() {
                    @Override
                    public void encode(T value, io.netty.buffer.ByteBuf out) {}

                    @Override
                    public T decode(io.netty.buffer.ByteBuf in) {
                        throw new IllegalAccessError("no access to direct memory");
                    }
                };
            }

            @Override
            public io.occams.rpc.api.spi.Binding<Object[]> argumentsBinding(java.lang.reflect.Type... types) {
                return real.argumentsBinding(types);
            }
        };
        IdemService s = RpcClient.builder().codec(broken).build().proxy(IdemService.class, caller);
        CompletableFuture<Long> f = s.writeAsync(1);
        caller.tasks.poll(5, TimeUnit.SECONDS).onReply(Unpooled.wrappedBuffer(new byte[] {1}), Unpooled.EMPTY_BUFFER);
        assertThat(f).isDone();
        assertThatThrownBy(f::join).cause().isInstanceOfSatisfying(RpcException.class, e -> {
            assertThat(e.code()).isEqualTo(RpcCode.DECODE);
            assertThat(e.getCause()).isInstanceOf(IllegalAccessError.class);
        });
    }
}
