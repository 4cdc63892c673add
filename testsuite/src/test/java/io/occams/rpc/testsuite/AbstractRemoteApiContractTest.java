package io.occams.rpc.testsuite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.ErrnoException;
import io.occams.rpc.api.MessageException;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.RpcService;
import io.occams.rpc.client.CallOptions;
import io.occams.rpc.client.RpcClient;
import io.occams.rpc.examples.AsyncCalService;
import io.occams.rpc.examples.CalService;
import io.occams.rpc.examples.EchoService;
import io.occams.rpc.pool.ClientPool;
import io.occams.rpc.pool.FailoverPool;
import io.occams.rpc.server.RpcServer;
import io.occams.rpc.server.ServiceDispatcher;
import io.occams.rpc.stream.Caller;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.testkit.Futures;
import io.occams.rpc.testkit.RuntimePerTest;
import io.occams.rpc.testkit.Transport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The remote API end to end: a real {@link RpcServer} serving the example implementations (found through
 * {@code ServiceLoader}) and a real {@link RpcClient} proxy over each kind of {@link Caller} (one
 * {@link ClientStream}, a {@link ClientPool}, a {@link FailoverPool} of two servers). Spec §10 A1 and what the
 * remote API adds (issue 5): async proxies, blocking calls from many threads, framework failures as
 * {@link RpcException} codes, a slow method not delaying a fast one. Written once, run by a subclass per
 * runtime (client and server on that runtime), each over TCP and a Unix socket.
 */
public abstract class AbstractRemoteApiContractTest extends RuntimePerTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** How the proxy reaches the server. */
    enum Via {
        /** One connection. */
        STREAM,
        /** A pool of connections to one server. */
        CLIENT_POOL,
        /** A failover pool over two servers, round robin. */
        FAILOVER_POOL
    }

    /** A service no server here serves. */
    @RpcService("NoSuchService")
    public interface NoSuchService {
        long inc(long x);
    }

    /** {@code CalService} as a client that believes it has a {@code mul} sees it. */
    @RpcService("CalService")
    public interface CalServiceWithMul {
        long inc(long x);

        long mul(long a, long b);
    }

    /** The async view of {@link CalServiceWithMul}'s missing method. */
    @RpcService("CalService")
    public interface AsyncCalServiceWithMul {
        CompletableFuture<Long> mul(long a, long b);
    }

    /** A service with a slow and a fast synchronous method. */
    @RpcService("SlowFast")
    public interface SlowFast {
        String slow(String s);

        long fast(long x);
    }

    /** {@link SlowFast} seen through futures by the client. */
    @RpcService("SlowFast")
    public interface AsyncSlowFast {
        CompletableFuture<String> slow(String s);
    }

    /** {@link SlowFast}: {@code slow} says it has started, then waits for the gate. */
    static final class SlowFastImpl implements SlowFast {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch gate = new CountDownLatch(1);

        @Override
        public String slow(String s) {
            entered.countDown();
            try {
                gate.await(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return s;
        }

        @Override
        public long fast(long x) {
            return x + 1;
        }
    }

    /** Large values, each echoed (issue 16): a buffer, a byte array and a string. */
    @RpcService("Large")
    public interface Large {
        io.netty.buffer.ByteBuf buf(io.netty.buffer.ByteBuf b);

        byte[] blob(byte[] b);

        String repeat(String s);
    }

    /** {@link Large} through futures, so that several calls are on the wire at once. */
    @RpcService("Large")
    public interface AsyncLarge {
        CompletableFuture<io.netty.buffer.ByteBuf> buf(io.netty.buffer.ByteBuf b);

        CompletableFuture<byte[]> blob(byte[] b);

        CompletableFuture<String> repeat(String s);
    }

    static final class LargeImpl implements Large {
        @Override
        public io.netty.buffer.ByteBuf buf(io.netty.buffer.ByteBuf b) {
            return b;
        }

        @Override
        public byte[] blob(byte[] b) {
            return b;
        }

        @Override
        public String repeat(String s) {
            return s;
        }
    }

    @TempDir
    Path dir;

    private final RpcClient client = RpcClient.create();

    static Stream<Arguments> transportsAndCallers() {
        List<Arguments> all = new ArrayList<>();
        for (Transport t : Transport.values()) {
            for (Via v : Via.values()) {
                all.add(Arguments.of(t, v));
            }
        }
        return all.stream();
    }

    /** A server on {@code t} serving what ServiceLoader finds of the examples' CalService and EchoService. */
    private RpcServer server(Transport t) throws Exception {
        RpcServer s = RpcServer.builder().runtime(runtime).build();
        closeAfter(s::shutdownNow);
        ServiceDispatcher d = s.dispatcher();
        assertThat(d.registerAll(CalService.class))
                .as("CalService through ServiceLoader")
                .hasSize(1);
        assertThat(d.registerAll(EchoService.class))
                .as("EchoService through ServiceLoader")
                .hasSize(1);
        s.listen(t.freshAddress(dir));
        return s;
    }

    private ClientStream stream(RpcAddress a) {
        ClientStream c =
                ClientStream.connect(runtime, a, ClientConfig.defaults()).join();
        closeAfter(c::abort);
        return c;
    }

    /** A caller of kind {@code via} to {@code first} (and to a second server of its own for a failover pool). */
    private Caller caller(Via via, Transport t, RpcServer first) throws Exception {
        RpcAddress a = first.addresses().get(0);
        switch (via) {
            case STREAM:
                return stream(a);
            case CLIENT_POOL: {
                ClientPool p = new ClientPool(runtime, a, ClientConfig.defaults());
                closeAfter(p::close);
                return p;
            }
            case FAILOVER_POOL: {
                RpcAddress b = server(t).addresses().get(0);
                FailoverPool p = new FailoverPool(
                        runtime, List.of(a, b), ClientConfig.defaults(), FailoverPool.Selection.ROUND_ROBIN, 2);
                closeAfter(p::close);
                return p;
            }
            default:
                throw new AssertionError(via);
        }
    }

    private Caller caller(Via via, Transport t) throws Exception {
        return caller(via, t, server(t));
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return Futures.get(f, WAIT);
    }

    private static Throwable failure(CompletableFuture<?> f) {
        return Futures.failure(f, WAIT);
    }

    // A1
    @ParameterizedTest(name = "{0} via {1}")
    @MethodSource("transportsAndCallers")
    void theReferenceServicesAnswerAsTheRustSuiteExpects(Transport t, Via via) throws Exception {
        Caller caller = caller(via, t);
        CalService cal = client.proxy(CalService.class, caller);
        EchoService echo = client.proxy(EchoService.class, caller);
        assertThat(cal.inc(41)).isEqualTo(42);
        assertThat(cal.add(10, 20)).isEqualTo(30);
        assertThat(cal.div(10, 2)).isEqualTo(5);
        assertThatThrownBy(() -> cal.div(10, 0))
                .isExactlyInstanceOf(MessageException.class)
                .hasMessage("divide by zero");
        assertThat(echo.repeat("Hello, world!")).isEqualTo("Hello, world!");
        assertThat(echo.repeat("")).isEmpty();
        assertThat(echo.repeat("ünïcødé ✓")).isEqualTo("ünïcødé ✓");
        assertThatThrownBy(() -> echo.ioError("x"))
                .isExactlyInstanceOf(ErrnoException.class)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(ErrnoException.EIO));
        // errors leave the caller usable
        assertThat(cal.inc(-1)).isZero();
    }

    @ParameterizedTest(name = "{0} via {1}")
    @MethodSource("transportsAndCallers")
    void theAsyncCalServiceGetsTheSameAnswersThroughFutures(Transport t, Via via) throws Exception {
        AsyncCalService cal = client.proxy(AsyncCalService.class, caller(via, t));
        CompletableFuture<Long> inc = cal.inc(41);
        CompletableFuture<Long> add = cal.add(10, 20);
        CompletableFuture<Long> div = cal.div(10, 2);
        CompletableFuture<Long> divByZero = cal.div(10, 0);
        assertThat(get(inc)).isEqualTo(42);
        assertThat(get(add)).isEqualTo(30);
        assertThat(get(div)).isEqualTo(5);
        assertThat(failure(divByZero))
                .isExactlyInstanceOf(MessageException.class)
                .hasMessage("divide by zero");
    }

    private static byte[] pattern(int n, int salt) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + salt);
        }
        return b;
    }

    private static byte[] bytes(io.netty.buffer.ByteBuf b) {
        byte[] a = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), a);
        return a;
    }

    /**
     * Values of a few MiB (frames over the size that gets a buffer of its own on the server) come back as
     * they were sent, through a ByteBuf, a byte[] and a String, one at a time and several at once.
     */
    @ParameterizedTest
    @EnumSource(Transport.class)
    void largeValuesComeBackAsTheyWereSentThroughBuffersArraysAndStrings(Transport t) throws Exception {
        RpcServer s = RpcServer.builder().runtime(runtime).build();
        closeAfter(s::shutdownNow);
        s.register(Large.class, new LargeImpl());
        ClientStream c = stream(s.listen(t.freshAddress(dir)));
        Large large = client.proxy(Large.class, c);
        byte[] one = pattern(3 * 1024 * 1024 + 11, 1);
        io.netty.buffer.ByteBuf back = large.buf(io.netty.buffer.Unpooled.wrappedBuffer(one));
        assertThat(back.hasArray()).as("the client's copy is on the heap").isTrue();
        assertThat(bytes(back)).isEqualTo(one);
        assertThat(large.blob(one)).isEqualTo(one);
        String text = "é" + "x".repeat(2 * 1024 * 1024);
        assertThat(large.repeat(text)).isEqualTo(text);

        AsyncLarge async = client.proxy(AsyncLarge.class, c);
        List<byte[]> sent = new ArrayList<>();
        List<CompletableFuture<io.netty.buffer.ByteBuf>> bufs = new ArrayList<>();
        List<CompletableFuture<byte[]>> blobs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            byte[] v = pattern(1024 * 1024 + 4096 * i + 3, 10 + i);
            sent.add(v);
            bufs.add(async.buf(io.netty.buffer.Unpooled.wrappedBuffer(v)));
            blobs.add(async.blob(v));
        }
        for (int i = 0; i < 4; i++) {
            assertThat(bytes(get(bufs.get(i)))).as("buf %d", i).isEqualTo(sent.get(i));
            assertThat(get(blobs.get(i))).as("blob %d", i).isEqualTo(sent.get(i));
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aServerImplementingTheAsyncCalServiceAnswersTheBlockingProxy(Transport t) throws Exception {
        RpcServer s = RpcServer.builder().runtime(runtime).build();
        closeAfter(s::shutdownNow);
        assertThat(s.dispatcher().registerAll(AsyncCalService.class)).hasSize(1);
        CalService cal = client.proxy(CalService.class, stream(s.listen(t.freshAddress(dir))));
        assertThat(cal.inc(41)).isEqualTo(42);
        assertThat(cal.add(10, 20)).isEqualTo(30);
        assertThat(cal.div(10, 2)).isEqualTo(5);
        assertThatThrownBy(() -> cal.div(10, 0))
                .isExactlyInstanceOf(MessageException.class)
                .hasMessage("divide by zero");
    }

    @ParameterizedTest(name = "{0} via {1}")
    @MethodSource("transportsAndCallers")
    void manyThreadsMakingBlockingCallsAtOnceEachGetTheirOwnAnswers(Transport t, Via via) throws Exception {
        Caller caller = caller(via, t);
        CalService cal = client.proxy(CalService.class, caller);
        EchoService echo = client.proxy(EchoService.class, caller);
        int threads = 8;
        int calls = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> done = new ArrayList<>();
            for (int n = 0; n < threads; n++) {
                long id = n;
                done.add(pool.submit(() -> {
                    go.await();
                    int ok = 0;
                    for (long i = 0; i < calls; i++) {
                        assertThat(cal.add(id * 1_000_000, i)).isEqualTo(id * 1_000_000 + i);
                        assertThat(echo.repeat(id + "/" + i)).isEqualTo(id + "/" + i);
                        if (i % 50 == 0) {
                            long a = i;
                            assertThatThrownBy(() -> cal.div(a, 0)).isInstanceOf(MessageException.class);
                        }
                        ok++;
                    }
                    return ok;
                }));
            }
            go.countDown();
            for (Future<Integer> f : done) {
                assertThat(f.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(calls);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest(name = "{0} via {1}")
    @MethodSource("transportsAndCallers")
    void anUnknownServiceOrMethodReachesTheCallerAsAnRpcExceptionAndTheCallerStaysUsable(Transport t, Via via)
            throws Exception {
        Caller caller = caller(via, t);
        NoSuchService missing = client.proxy(NoSuchService.class, caller);
        CalServiceWithMul cal = client.proxy(CalServiceWithMul.class, caller);
        AsyncCalServiceWithMul async = client.proxy(AsyncCalServiceWithMul.class, caller);
        assertThatThrownBy(() -> missing.inc(1))
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.code()).isEqualTo(RpcCode.SERVICE_NOT_FOUND));
        assertThatThrownBy(() -> cal.mul(6, 7))
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.code()).isEqualTo(RpcCode.METHOD_NOT_FOUND));
        assertThat(failure(async.mul(6, 7)))
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.code()).isEqualTo(RpcCode.METHOD_NOT_FOUND));
        assertThat(cal.inc(41)).isEqualTo(42);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aSlowSynchronousMethodDoesNotDelayAFastOneOnTheSameConnection(Transport t) throws Exception {
        RpcServer s = server(t);
        SlowFastImpl impl = new SlowFastImpl();
        s.register(SlowFast.class, impl);
        ClientStream one = stream(s.addresses().get(0));
        AsyncSlowFast async = client.proxy(AsyncSlowFast.class, one);
        SlowFast sync = client.proxy(SlowFast.class, one);
        CompletableFuture<String> slow = async.slow("slow");
        try {
            assertThat(impl.entered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 10; i++) {
                assertThat(sync.fast(i)).isEqualTo(i + 1);
            }
            assertThat(slow).isNotDone();
        } finally {
            impl.gate.countDown();
        }
        assertThat(get(slow)).isEqualTo("slow");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void whenOneOfTwoServersStopsTheFailoverPoolCarriesOnWithTheOther(Transport t) throws Exception {
        RpcServer first = server(t);
        RpcServer second = server(t);
        FailoverPool pool = new FailoverPool(
                runtime,
                List.of(first.addresses().get(0), second.addresses().get(0)),
                ClientConfig.defaults(),
                FailoverPool.Selection.ROUND_ROBIN,
                2);
        closeAfter(pool::close);
        // idempotent: a call written to the first server just as it stops may have run there, and the pool
        // sends such a call again only when it is marked so
        CalService cal = client.proxy(CalService.class, pool, CallOptions.none().idempotent(true));
        for (int i = 0; i < 10; i++) {
            assertThat(cal.inc(i)).isEqualTo(i + 1);
        }
        await().atMost(WAIT).until(() -> first.connectionCount() > 0 && second.connectionCount() > 0);
        first.shutdownNow();
        assertThat(first.awaitTermination(WAIT)).isTrue();
        for (int i = 0; i < 20; i++) {
            assertThat(cal.add(i, 1)).isEqualTo(i + 1);
        }
        assertThat(pool.isHealthy()).isTrue();
    }
}
