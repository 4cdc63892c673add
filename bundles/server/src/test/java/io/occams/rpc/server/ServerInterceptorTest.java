package io.occams.rpc.server;

import static io.occams.rpc.server.Wire.call;
import static io.occams.rpc.server.Wire.errorReply;
import static io.occams.rpc.server.Wire.okReply;
import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.intercept.CallInfo;
import io.occams.rpc.api.intercept.CallInterceptor;
import io.occams.rpc.api.intercept.CallOutcome;
import io.occams.rpc.examples.CalService;
import io.occams.rpc.examples.internal.CalServiceImpl;
import io.occams.rpc.testkit.RawPeer;
import io.occams.rpc.testkit.Transport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Interceptors around the calls of a real server: what they see, in which order, and what they may refuse. */
class ServerInterceptorTest extends LoopbackServerTest {

    /** What one interceptor saw of one call, written in end (which may run after the reply was read). */
    record Seen(String name, CallInfo.Side side, String action, String args, String status, long nanos, Object state) {}

    /** Records each ended call into {@link #ended}, and the order of begins into {@link #order}. */
    static final class Recorder implements CallInterceptor {
        final String name;
        final boolean wantArgs;
        final List<String> order;
        final BlockingQueue<Seen> ended;

        Recorder(String name, boolean wantArgs, List<String> order, BlockingQueue<Seen> ended) {
            this.name = name;
            this.wantArgs = wantArgs;
            this.order = order;
            this.ended = ended;
        }

        @Override
        public Object begin(CallInfo call) {
            synchronized (order) {
                order.add("begin " + name);
            }
            return wantArgs ? Arrays.toString(call.arguments()) : name + "-state";
        }

        @Override
        public void end(CallInfo call, Object state, CallOutcome outcome) {
            synchronized (order) {
                order.add("end " + name);
            }
            ended.add(new Seen(
                    name,
                    call.side(),
                    call.action(),
                    wantArgs ? (String) state : null,
                    outcome.status(),
                    outcome.durationNanos(),
                    state));
        }
    }

    private static Seen next(BlockingQueue<Seen> q) throws InterruptedException {
        Seen s = q.poll(20, TimeUnit.SECONDS);
        assertThat(s).as("an ended call").isNotNull();
        return s;
    }

    @Test
    void interceptorsSeeEachCallWithItsArgumentsOutcomeAndTimeInRankedOrder() throws Exception {
        List<String> order = new ArrayList<>();
        BlockingQueue<Seen> ended = new LinkedBlockingQueue<>();
        Recorder outer = new Recorder("outer", true, order, ended);
        Recorder inner = new Recorder("inner", false, order, ended);
        ServiceDispatcher d =
                ServiceDispatcher.builder().interceptors(List.of(outer, inner)).build();
        try (RpcServer server =
                RpcServer.builder().runtime(runtimes.vthreads).dispatcher(d).build()) {
            server.register(CalService.class, new CalServiceImpl());
            try (RawPeer peer = RawPeer.connect(listen(server, Transport.TCP))) {
                assertThat(call(peer, 1, "CalService.add", "92 0a 14").hex()).isEqualTo(okReply(1, "1e"));
                Seen a = next(ended);
                Seen b = next(ended);
                assertThat(List.of(a.name(), b.name())).containsExactly("inner", "outer");
                assertThat(b.side()).isEqualTo(CallInfo.Side.SERVER);
                assertThat(b.action()).isEqualTo("CalService.add");
                assertThat(b.args()).isEqualTo("[10, 20]");
                assertThat(b.status()).isEqualTo("OK");
                assertThat(b.nanos()).isPositive();
                assertThat(a.state()).isEqualTo("inner-state");
                synchronized (order) {
                    assertThat(order).containsExactly("begin outer", "begin inner", "end inner", "end outer");
                }

                // a user error (div by zero: a string frame), a framework error
                call(peer, 2, "CalService.div", "92 01 00");
                assertThat(next(ended).status()).isEqualTo("error");
                next(ended);
                assertThat(call(peer, 3, "CalService.nope", "c0").hex())
                        .isEqualTo(errorReply(3, RpcCode.METHOD_NOT_FOUND.wireName()));
                Seen nf = next(ended);
                assertThat(nf.status()).isEqualTo("rpc_method_notfound");
                assertThat(nf.action()).isEqualTo("CalService.nope");
                next(ended);

                // removed: calls go on, nobody records
                d.interceptors(List.of());
                assertThat(call(peer, 4, "CalService.inc", "29").hex()).isEqualTo(okReply(4, "2a"));
                assertThat(ended).isEmpty();
            }
        }
    }

    @Test
    void anInterceptorMayRefuseACallWhichIsThenAnsweredWithTheCodeAndNeverRuns() throws Exception {
        BlockingQueue<Seen> ended = new LinkedBlockingQueue<>();
        Recorder first = new Recorder("first", false, new ArrayList<>(), ended);
        CallInterceptor refuse = new CallInterceptor() {
            @Override
            public Object begin(CallInfo call) {
                if (call.method().equals("add")) {
                    throw new RpcException(RpcCode.INTERNAL, "not allowed");
                }
                return null;
            }

            @Override
            public void end(CallInfo call, Object state, CallOutcome outcome) {}
        };
        CalServiceImpl impl = new CalServiceImpl();
        ServiceDispatcher d =
                ServiceDispatcher.builder().interceptors(List.of(first, refuse)).build();
        try (RpcServer server =
                RpcServer.builder().runtime(runtimes.netty).dispatcher(d).build()) {
            server.register(CalService.class, impl);
            try (RawPeer peer = RawPeer.connect(listen(server, Transport.TCP))) {
                assertThat(call(peer, 1, "CalService.add", "92 0a 14").hex())
                        .isEqualTo(errorReply(1, RpcCode.INTERNAL.wireName()));
                assertThat(next(ended).status()).isEqualTo("rpc_internal_err");
                assertThat(call(peer, 2, "CalService.inc", "29").hex()).isEqualTo(okReply(2, "2a"));
                assertThat(next(ended).status()).isEqualTo("OK");
            }
        }
    }
}
