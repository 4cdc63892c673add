package io.occams.rpc.server;

import static io.occams.rpc.server.Wire.call;
import static io.occams.rpc.server.Wire.errorReply;
import static io.occams.rpc.server.Wire.okReply;
import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.examples.CalService;
import io.occams.rpc.examples.internal.CalServiceImpl;
import io.occams.rpc.testkit.RawPeer;
import io.occams.rpc.testkit.Transport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

/**
 * The JDK Flight Recorder events of a real server, recorded and read back from the recording file: calls
 * (only when the recording enables them), connections, and provider swaps.
 */
class JfrEventsTest extends LoopbackServerTest {

    /** Serves a few calls on a server of its own under {@code recording}; returns the events recorded. */
    private static List<RecordedEvent> serveUnder(Recording recording) throws Exception {
        recording.start();
        try (RpcServer server = RpcServer.builder().runtime(runtimes.netty).build()) {
            ServiceDispatcher.Registration reg = server.register(CalService.class, new CalServiceImpl(), 7);
            RpcAddress address = listen(server, Transport.TCP);
            try (RawPeer peer = RawPeer.connect(address)) {
                assertThat(call(peer, 1, "CalService.add", "92 0a 14").hex()).isEqualTo(okReply(1, "1e"));
                assertThat(call(peer, 2, "CalService.nope", "c0").hex())
                        .isEqualTo(errorReply(2, RpcCode.METHOD_NOT_FOUND.wireName()));
            }
            reg.close();
            server.shutdown();
            assertThat(server.awaitTermination(Duration.ofSeconds(30))).isTrue();
        }
        recording.stop();
        Path file = Files.createTempFile(dir, "occams", ".jfr");
        recording.dump(file);
        recording.close();
        return RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().startsWith("io.occams.rpc."))
                .collect(Collectors.toList());
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream()
                .filter(e -> e.getEventType().getName().equals(name))
                .collect(Collectors.toList());
    }

    @Test
    void aRecordingThatEnablesCallsGetsOneEventPerCallWithServiceMethodOutcomeAndDuration() throws Exception {
        Recording recording = new Recording(Configuration.getConfiguration("default"));
        recording.enable("io.occams.rpc.Call").withoutThreshold();
        List<RecordedEvent> events = serveUnder(recording);

        List<RecordedEvent> calls = named(events, "io.occams.rpc.Call").stream()
                .filter(e -> e.getString("service").equals("CalService"))
                .collect(Collectors.toList());
        assertThat(calls)
                .extracting(e -> e.getString("method") + " " + e.getString("outcome"))
                .containsExactlyInAnyOrder("add OK", "nope rpc_method_notfound");
        for (RecordedEvent e : calls) {
            assertThat(e.getDuration().isNegative()).isFalse();
        }
    }

    @Test
    void callsAreOffByDefaultWhileConnectionsAndProviderSwapsAreRecorded() throws Exception {
        List<RecordedEvent> events = serveUnder(new Recording(Configuration.getConfiguration("default")));

        assertThat(named(events, "io.occams.rpc.Call")).isEmpty();

        List<RecordedEvent> opened = named(events, "io.occams.rpc.ConnectionOpened");
        List<RecordedEvent> closed = named(events, "io.occams.rpc.ConnectionClosed");
        assertThat(opened).hasSize(1);
        assertThat(closed).hasSize(1);
        assertThat(closed.get(0).getString("remote")).isEqualTo(opened.get(0).getString("remote"));
        assertThat(opened.get(0).getString("local")).isNotBlank();

        List<String> swaps = named(events, "io.occams.rpc.ProviderSwap").stream()
                .filter(e -> e.getString("service").equals("CalService"))
                .map(e -> e.getString("change") + " " + e.getString("implementation") + " ranking "
                        + e.getInt("ranking") + " leaving " + e.getInt("providers"))
                .collect(Collectors.toList());
        assertThat(swaps)
                .containsExactly(
                        "registered " + CalServiceImpl.class.getName() + " ranking 7 leaving 1",
                        "unregistered " + CalServiceImpl.class.getName() + " ranking 7 leaving 0");
    }
}
