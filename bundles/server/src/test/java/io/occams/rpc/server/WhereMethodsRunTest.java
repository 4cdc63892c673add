package io.occams.rpc.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.NonBlocking;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcService;
import io.occams.rpc.stream.ClientStream;
import io.occams.rpc.stream.Reply;
import io.occams.rpc.testkit.Transport;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Where the dispatcher runs each kind of method: a plain synchronous one off the reader (on the runtime's
 * blocking executor), one marked {@link NonBlocking} (or of an interface so marked) on the reader, and a
 * call whose executor refuses it still runs and is answered, never failed.
 */
class WhereMethodsRunTest extends LoopbackServerTest {
    /** Each method answers the name of the thread it ran on. */
    @RpcService("Where")
    public interface Where {
        String plain();

        @NonBlocking
        String declaredNonBlocking();
    }

    /** A whole interface declared non-blocking. */
    @NonBlocking
    @RpcService("WhereAll")
    public interface WhereAll {
        String plain();
    }

    static final class WhereImpl implements Where, WhereAll {
        @Override
        public String plain() {
            return Thread.currentThread().getName();
        }

        @Override
        public String declaredNonBlocking() {
            return Thread.currentThread().getName();
        }
    }

    /** Calls {@code action} with no arguments (nil); the future yields the msgpack string answered. */
    private static CompletableFuture<String> call(ClientStream stream, String action) {
        return stream.call(action, Unpooled.wrappedBuffer(new byte[] {(byte) 0xc0}), null)
                .thenApply(WhereMethodsRunTest::string);
    }

    private static String string(Reply r) {
        try (r) {
            ByteBuf m = r.msg();
            int head = m.readUnsignedByte();
            int length = (head & 0xe0) == 0xa0 ? head & 0x1f : m.readUnsignedByte(); // fixstr or str8
            return m.readCharSequence(length, StandardCharsets.UTF_8).toString();
        }
    }

    private static boolean offReader(String thread) {
        return thread.startsWith("occams-netty-blocking") || thread.startsWith("occams-vt-handler");
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("runtimesAndTransports")
    void aPlainMethodRunsOffTheReaderAndANonBlockingOneOnIt(String runtime, Transport transport) throws Exception {
        try (RpcServer server =
                RpcServer.builder().runtime(runtimes.get(runtime)).build()) {
            WhereImpl impl = new WhereImpl();
            server.register(Where.class, impl);
            server.register(WhereAll.class, impl);
            RpcAddress addr = listen(server, transport);
            ClientStream stream = ClientStream.connect(runtimes.get(runtime), addr, ClientConfig.defaults())
                    .get(10, TimeUnit.SECONDS);
            try {
                // Several at once, so that they arrive in one read and go to one batch thread.
                CompletableFuture<String> p1 = call(stream, "Where.plain");
                CompletableFuture<String> p2 = call(stream, "Where.plain");
                CompletableFuture<String> p3 = call(stream, "Where.plain");
                CompletableFuture<String> nb = call(stream, "Where.declaredNonBlocking");
                CompletableFuture<String> wholeInterface = call(stream, "WhereAll.plain");
                for (CompletableFuture<String> p : List.of(p1, p2, p3)) {
                    assertThat(p.get(10, TimeUnit.SECONDS))
                            .as("a plain synchronous method")
                            .matches(WhereMethodsRunTest::offReader);
                }
                assertThat(nb.get(10, TimeUnit.SECONDS))
                        .as("a @NonBlocking method")
                        .doesNotMatch(t -> offReader(t))
                        .startsWith("occams-");
                assertThat(wholeInterface.get(10, TimeUnit.SECONDS))
                        .as("a method of a @NonBlocking interface")
                        .doesNotMatch(t -> offReader(t));
            } finally {
                stream.close();
                stream.closeFuture().get(10, TimeUnit.SECONDS);
            }
        }
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("runtimesAndTransports")
    void aCallItsExecutorRefusesIsRunAndAnsweredAnyway(String runtime, Transport transport) throws Exception {
        ServiceDispatcher refusing = ServiceDispatcher.builder()
                .executor(task -> {
                    throw new RejectedExecutionException("full");
                })
                .build();
        try (RpcServer server = RpcServer.builder()
                .runtime(runtimes.get(runtime))
                .dispatcher(refusing)
                .build()) {
            server.register(Where.class, new WhereImpl());
            RpcAddress addr = listen(server, transport);
            ClientStream stream = ClientStream.connect(runtimes.get(runtime), addr, ClientConfig.defaults())
                    .get(10, TimeUnit.SECONDS);
            try {
                assertThat(call(stream, "Where.plain").get(10, TimeUnit.SECONDS))
                        .as("answered, on the dispatching thread")
                        .doesNotMatch(t -> offReader(t));
            } finally {
                stream.close();
                stream.closeFuture().get(10, TimeUnit.SECONDS);
            }
        }
    }
}
