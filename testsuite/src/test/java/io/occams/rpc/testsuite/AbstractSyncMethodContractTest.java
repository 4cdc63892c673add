package io.occams.rpc.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcService;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.client.RpcClient;
import io.occams.rpc.examples.AsyncCalService;
import io.occams.rpc.examples.CalService;
import io.occams.rpc.server.RpcServer;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.testkit.Futures;
import io.occams.rpc.testkit.RuntimePerTest;
import io.occams.rpc.testkit.Transport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Synchronous service methods under load (issue 15): every call accepted is run and answered, however
 * many arrive at once and however long they block; overload is met by back-pressure (the server stops
 * reading the connection), never by an error; and one connection's blocked calls do not hold up another
 * connection's. Waits are on latches and futures, never on time; written once, run per runtime.
 */
public abstract class AbstractSyncMethodContractTest extends RuntimePerTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int FLOOD = 2000;
    private static final int FAST = 40;

    @TempDir
    Path dir;

    private final RpcClient client = RpcClient.create();

    /** A synchronous method that blocks until the test opens the gate, and a fast one. */
    @RpcService("Gate")
    public interface Gate {
        long hold(long i, String pad);

        long fast(long x);
    }

    /** {@link Gate} as the client sees it: futures, so that one connection pipelines thousands of calls. */
    @RpcService("Gate")
    public interface AsyncGate {
        CompletableFuture<Long> hold(long i, String pad);

        CompletableFuture<Long> fast(long x);
    }

    static final class GateImpl implements Gate {
        final CountDownLatch gate = new CountDownLatch(1);
        final AtomicInteger entered = new AtomicInteger();
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger mostRunning = new AtomicInteger();
        final CountDownLatch allEntered;

        GateImpl(int expected) {
            allEntered = new CountDownLatch(expected);
        }

        @Override
        public long hold(long i, String pad) {
            entered.incrementAndGet();
            mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            allEntered.countDown();
            try {
                gate.await(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                running.decrementAndGet();
            }
            return i * 2;
        }

        @Override
        public long fast(long x) {
            return x + 1;
        }
    }

    private RpcServer server(ServerConfig config) throws Exception {
        RpcServer s = RpcServer.builder().runtime(runtime).config(config).build();
        closeAfter(s::shutdownNow);
        s.listen(Transport.TCP.freshAddress(dir));
        return s;
    }

    private ClientStream stream(RpcAddress a) {
        // A window above the flood, so that the client pipelines every call at once.
        ClientConfig config =
                ClientConfig.builder().thresholds(2 * FLOOD).taskTimeout(WAIT).build();
        ClientStream c = ClientStream.connect(runtime, a, config).join();
        closeAfter(c::abort);
        return c;
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return Futures.get(f, WAIT);
    }

    @Test
    void twoThousandSynchronousCallsPipelinedOnOneConnectionAreAllAnsweredCorrectly() throws Exception {
        RpcServer s = server(ServerConfig.defaults());
        assertThat(s.dispatcher().registerAll(CalService.class)).hasSize(1);
        // The async view of the same wire service: the client does not wait between calls.
        AsyncCalService cal =
                client.proxy(AsyncCalService.class, stream(s.addresses().get(0)));
        List<CompletableFuture<Long>> calls = new ArrayList<>();
        for (int i = 0; i < FLOOD; i++) {
            calls.add(i % 2 == 0 ? cal.inc(i) : cal.add(i, 1000));
        }
        for (int i = 0; i < FLOOD; i++) {
            assertThat(get(calls.get(i))).as("call %d", i).isEqualTo(i % 2 == 0 ? i + 1L : i + 1000L);
        }
    }

    @Test
    void aConnectionFloodingBlockedCallsHoldsUpNeitherItsOwnCallsNorAnotherConnections() throws Exception {
        RpcServer s = server(ServerConfig.defaults());
        GateImpl impl = new GateImpl(FLOOD);
        s.register(Gate.class, impl);
        RpcAddress a = s.addresses().get(0);
        AsyncGate flood = client.proxy(AsyncGate.class, stream(a));
        AsyncGate other = client.proxy(AsyncGate.class, stream(a));
        ConcurrentLinkedQueue<String> completed = new ConcurrentLinkedQueue<>();

        List<CompletableFuture<Long>> slow = new ArrayList<>();
        for (int i = 0; i < FLOOD; i++) {
            slow.add(flood.hold(i, "").whenComplete((v, e) -> completed.add("slow")));
        }
        // Every blocked call runs at once: none waits for another to finish (no pool to queue behind).
        assertThat(impl.allEntered.await(WAIT.toSeconds(), TimeUnit.SECONDS))
                .as("all %d calls running", FLOOD)
                .isTrue();

        List<CompletableFuture<Long>> fast = new ArrayList<>();
        for (int i = 0; i < FAST; i++) {
            fast.add(other.fast(i).whenComplete((v, e) -> completed.add("fast")));
        }
        for (int i = 0; i < FAST; i++) {
            assertThat(get(fast.get(i))).isEqualTo(i + 1L);
        }
        // The flood's own fast calls too: read and answered behind its blocked ones.
        assertThat(get(flood.fast(7))).isEqualTo(8L);
        assertThat(impl.running.get()).as("slow calls still running").isEqualTo(FLOOD);

        impl.gate.countDown();
        for (int i = 0; i < FLOOD; i++) {
            assertThat(get(slow.get(i))).as("slow call %d", i).isEqualTo(2L * i);
        }
        List<String> order = new ArrayList<>(completed);
        assertThat(order).hasSize(FAST + FLOOD);
        assertThat(order.subList(0, FAST))
                .as("the fast calls completed before any slow one")
                .containsOnly("fast");
    }

    @Test
    void pastBothLimitsTheServerStopsReadingAndStillAnswersEveryCall() throws Exception {
        int perConnection = 64;
        RpcServer s = server(ServerConfig.builder()
                .maxCallsPerConnection(perConnection)
                .maxCallsPerServer(96)
                .build());
        GateImpl impl = new GateImpl(1);
        s.register(Gate.class, impl);
        RpcAddress a = s.addresses().get(0);
        List<AsyncGate> conns =
                List.of(client.proxy(AsyncGate.class, stream(a)), client.proxy(AsyncGate.class, stream(a)));
        // 1 KiB per call: a read then holds a few dozen calls, so reading stops long before the flood is in.
        String pad = "x".repeat(1024);
        List<CompletableFuture<Long>> slow = new ArrayList<>();
        for (int i = 0; i < FLOOD; i++) {
            slow.add(conns.get(i % 2).hold(i, pad));
        }
        assertThat(impl.allEntered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        impl.gate.countDown();
        for (int i = 0; i < FLOOD; i++) {
            assertThat(get(slow.get(i))).as("call %d", i).isEqualTo(2L * i);
        }
        assertThat(impl.entered.get()).isEqualTo(FLOOD);
        // The server held the rest back (it read a bounded overshoot past the limits, a read at a time),
        // rather than accepting the whole flood, and refused none.
        assertThat(impl.mostRunning.get()).as("most calls running at once").isLessThan(FLOOD / 2);
    }
}
