package io.occams.rpc.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The rules of {@link TrackingCaller}, against callers that record what they are given and answer as
 * told (the real scenario, a pool bundle refreshed under load, is HotSwapOsgiIT's).
 */
class TrackingCallerTest {
    private final AtomicReference<Caller> current = new AtomicReference<>();
    /** One permit per time the tracking caller asked for the current caller (each attempt asks once). */
    private final Semaphore asked = new Semaphore(0);

    private final List<TrackingCaller> toClose = new ArrayList<>();

    @AfterEach
    void close() {
        toClose.forEach(TrackingCaller::close);
    }

    private TrackingCaller tracking(Duration grace) {
        TrackingCaller t = new TrackingCaller(
                () -> {
                    asked.release();
                    return current.get();
                },
                grace);
        toClose.add(t);
        return t;
    }

    @Test
    void aCallMadeWhileThereIsNoCallerGoesOutWhenOneComes() throws Exception {
        TrackingCaller t = tracking(Duration.ofSeconds(10));
        Call call = new Call();
        t.submit(call);
        awaitMoreAttempts(3);
        assertThat(call.result).isNotDone();
        Recording b = new Recording();
        current.set(b);
        b.awaitTasks(1)
                .get(0)
                .onReply(Unpooled.wrappedBuffer("ok".getBytes(StandardCharsets.UTF_8)), Unpooled.EMPTY_BUFFER);
        assertThat(call.result.get(5, TimeUnit.SECONDS)).isEqualTo("ok");
    }

    @Test
    void aCallFailsUnreachableWhenNoCallerComesWithinTheGrace() {
        TrackingCaller t = tracking(Duration.ofMillis(100));
        Call call = new Call();
        t.submit(call);
        assertThat(call.failure()).extracting(RpcException::code).isEqualTo(RpcCode.UNREACHABLE);
    }

    @Test
    void aCallTheReplacedCallerGivesBackGoesOutThroughTheNewOne() throws Exception {
        Recording a = new Recording();
        current.set(a);
        TrackingCaller t = tracking(Duration.ofSeconds(10));
        Call call = new Call();
        t.submit(call);
        ClientTask sentToA = a.awaitTasks(1).get(0);
        Recording b = new Recording();
        current.set(b); // a is replaced, then fails what it had not sent, as a stopping pool does
        sentToA.onFailure(
                new RpcException(RpcCode.IO, "client configuration removed or stopped before the call was sent"));
        b.awaitTasks(1)
                .get(0)
                .onReply(Unpooled.wrappedBuffer("b".getBytes(StandardCharsets.UTF_8)), Unpooled.EMPTY_BUFFER);
        assertThat(call.result.get(5, TimeUnit.SECONDS)).isEqualTo("b");
    }

    @Test
    void aCallGivenBackWhileNoCallerFollowsWaitsForTheNextOne() throws Exception {
        Recording a = new Recording();
        current.set(a);
        TrackingCaller t = tracking(Duration.ofSeconds(10));
        Call call = new Call();
        t.submit(call);
        current.set(null);
        a.awaitTasks(1).get(0).onFailure(new RpcException(RpcCode.UNREACHABLE, "stopped"));
        awaitMoreAttempts(3);
        assertThat(call.result).isNotDone();
        Recording b = new Recording();
        current.set(b);
        b.awaitTasks(1)
                .get(0)
                .onReply(Unpooled.wrappedBuffer("b".getBytes(StandardCharsets.UTF_8)), Unpooled.EMPTY_BUFFER);
        assertThat(call.result.get(5, TimeUnit.SECONDS)).isEqualTo("b");
    }

    @Test
    void aFailureFromTheCurrentCallerReachesTheCall() throws Exception {
        Recording a = new Recording();
        current.set(a);
        TrackingCaller t = tracking(Duration.ofSeconds(10));
        Call call = new Call();
        t.submit(call);
        a.awaitTasks(1).get(0).onFailure(new RpcException(RpcCode.IO, "connection reset"));
        assertThat(call.failure().getMessage()).contains("connection reset");
        assertThat(a.tasks).hasSize(1);
    }

    @Test
    void otherFailuresAndCallsWhoseBlobWentOutAreNeverSentAgain() throws Exception {
        Recording a = new Recording();
        current.set(a);
        TrackingCaller t = tracking(Duration.ofSeconds(10));
        Call timedOut = new Call();
        Call withBlob = new Call();
        withBlob.blob = Unpooled.wrappedBuffer(new byte[] {1, 2, 3});
        t.submit(timedOut);
        t.submit(withBlob);
        List<ClientTask> sent = a.awaitTasks(2);
        ByteBuf blob = sent.get(1).takeBlob(); // the stream wrote it
        assertThat(blob).isNotNull();
        blob.release();
        Recording b = new Recording();
        current.set(b);
        sent.get(0).onFailure(new RpcException(RpcCode.TIMEOUT, "timed out"));
        sent.get(1).onFailure(new RpcException(RpcCode.IO, "closed after the blob went out"));
        assertThat(timedOut.failure()).extracting(RpcException::code).isEqualTo(RpcCode.TIMEOUT);
        assertThat(withBlob.failure()).extracting(RpcException::code).isEqualTo(RpcCode.IO);
        assertThat(b.tasks).isEmpty();
    }

    @Test
    void closeFailsTheCallsWaitingForACaller() {
        TrackingCaller t = tracking(Duration.ofSeconds(30));
        Call call = new Call();
        t.submit(call);
        t.close();
        assertThat(call.failure()).extracting(RpcException::code).isEqualTo(RpcCode.UNREACHABLE);
    }

    @Test
    void healthIsTheCurrentCallers() {
        TrackingCaller t = tracking(Duration.ofSeconds(1));
        assertThat(t.isHealthy()).isFalse();
        Recording a = new Recording();
        current.set(a);
        assertThat(t.isHealthy()).isTrue();
        a.healthy = false;
        assertThat(t.isHealthy()).isFalse();
    }

    /** Waits until the tracking caller looked for a caller {@code n} more times: the call is still waiting. */
    private void awaitMoreAttempts(int n) throws InterruptedException {
        asked.drainPermits();
        assertThat(asked.tryAcquire(n, 5, TimeUnit.SECONDS))
                .as("%d more attempts within 5 s", n)
                .isTrue();
    }

    /** A call whose reply is a UTF-8 string; fails its future on any error. */
    private static final class Call extends ClientTask {
        final CompletableFuture<String> result = new CompletableFuture<>();
        ByteBuf blob;

        Call() {
            super("Test.call");
        }

        @Override
        public ByteBuf takeBlob() {
            ByteBuf b = blob;
            blob = null;
            return b;
        }

        @Override
        public void onReply(ByteBuf msg, ByteBuf blob) {
            result.complete(msg.toString(StandardCharsets.UTF_8));
        }

        @Override
        public void onErrno(int errno) {
            result.completeExceptionally(new AssertionError("errno " + errno));
        }

        @Override
        public void onErrorString(ByteBuf text) {
            result.completeExceptionally(new AssertionError(text.toString(StandardCharsets.UTF_8)));
        }

        @Override
        public void onFailure(RpcException failure) {
            result.completeExceptionally(failure);
        }

        RpcException failure() {
            try {
                Object r = result.get(5, TimeUnit.SECONDS);
                throw new AssertionError("answered " + r);
            } catch (ExecutionException e) {
                return (RpcException) e.getCause();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    /** A caller that keeps what it is given, for the test to answer. */
    private static final class Recording implements Caller {
        final List<ClientTask> tasks = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile boolean healthy = true;
        /** Submits seen so far; one permit each. */
        private final Semaphore arrived = new Semaphore(0);
        /** How many tasks awaitTasks already waited for. */
        private int awaited;

        @Override
        public void submit(ClientTask task) {
            tasks.add(task);
            arrived.release();
        }

        @Override
        public boolean isHealthy() {
            return healthy;
        }

        /** The tasks, once at least {@code n} were submitted (the timer's attempts come from its thread). */
        synchronized List<ClientTask> awaitTasks(int n) throws InterruptedException {
            if (n > awaited) {
                if (!arrived.tryAcquire(n - awaited, 5, TimeUnit.SECONDS)) {
                    throw new AssertionError("expected " + n + " tasks within 5 s, got " + tasks.size());
                }
                awaited = n;
            }
            return tasks;
        }
    }
}
