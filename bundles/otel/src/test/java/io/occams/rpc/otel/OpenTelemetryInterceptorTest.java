package io.occams.rpc.otel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.Unpooled;
import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.MessageException;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.client.RpcClient;
import io.occams.rpc.examples.CalService;
import io.occams.rpc.examples.internal.CalServiceImpl;
import io.occams.rpc.runtime.netty.NettyRuntime;
import io.occams.rpc.server.RpcServer;
import io.occams.rpc.server.ServiceDispatcher;
import io.occams.rpc.stream.ClientStream;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real calls over loopback through a server and a client that both carry the interceptor; what it
 * recorded is read back through the SDK's in-memory metric reader and span exporter.
 */
@Timeout(60)
class OpenTelemetryInterceptorTest {
    private final InMemoryMetricReader metrics = InMemoryMetricReader.create();
    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private OpenTelemetrySdk otel;
    private NettyRuntime runtime;

    @BeforeEach
    void sdk() {
        otel = OpenTelemetrySdk.builder()
                .setMeterProvider(
                        SdkMeterProvider.builder().registerMetricReader(metrics).build())
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(spans))
                        .build())
                .build();
        runtime = NettyRuntime.builder().ioThreads(1).build();
    }

    @AfterEach
    void close() {
        runtime.close();
        otel.close();
    }

    private HistogramPointData point(String metric, String method, String status) {
        for (MetricData m : metrics.collectAllMetrics()) {
            if (!m.getName().equals(metric)) {
                continue;
            }
            assertThat(m.getUnit()).isEqualTo("s");
            for (HistogramPointData p : m.getHistogramData().getPoints()) {
                Attributes a = p.getAttributes();
                if (method.equals(a.get(OpenTelemetryInterceptor.RPC_METHOD))
                        && status.equals(a.get(OpenTelemetryInterceptor.RPC_STATUS))) {
                    return p;
                }
            }
        }
        return null;
    }

    private long count(String metric, String method, String status) {
        HistogramPointData p = point(metric, method, status);
        return p == null ? 0 : p.getCount();
    }

    @Test
    void serverAndClientCallDurationsAreRecordedWithTheRpcConventionsAndMicrosecondBuckets() throws Exception {
        OpenTelemetryInterceptor interceptor = OpenTelemetryInterceptor.create(otel);
        withCalService(interceptor, stream -> {
            CalService cal = RpcClient.builder()
                    .interceptors(List.of(interceptor))
                    .build()
                    .proxy(CalService.class, stream);
            for (int i = 0; i < 3; i++) {
                assertThat(cal.add(i, 1)).isEqualTo(i + 1);
            }
            assertThatThrownBy(() -> cal.div(1, 0)).isInstanceOf(MessageException.class);
            // A method the server does not have, sent raw: recorded under "_OTHER", not under its wire name.
            assertThatThrownBy(() -> stream.call("CalService.nope", Unpooled.EMPTY_BUFFER, null)
                            .join())
                    .isInstanceOf(CompletionException.class)
                    .hasCauseInstanceOf(RpcException.class);

            await().atMost(Duration.ofSeconds(20))
                    .until(() -> count("rpc.server.call.duration", "CalService/add", "OK") == 3
                            && count("rpc.server.call.duration", "CalService/div", "error") == 1
                            && count("rpc.server.call.duration", "_OTHER", "rpc_method_notfound") == 1);
            assertThat(count("rpc.client.call.duration", "CalService/add", "OK"))
                    .isEqualTo(3);
            assertThat(count("rpc.client.call.duration", "CalService/div", "error"))
                    .isEqualTo(1);

            HistogramPointData add = point("rpc.server.call.duration", "CalService/add", "OK");
            assertThat(add.getAttributes().get(OpenTelemetryInterceptor.RPC_SYSTEM_NAME))
                    .isEqualTo("occams");
            assertThat(add.getAttributes().get(OpenTelemetryInterceptor.ERROR_TYPE))
                    .isNull();
            assertThat(add.getBoundaries()).first().isEqualTo(0.000001);
            assertThat(add.getSum()).isPositive().isLessThan(60.0); // seconds, not nanoseconds
            assertThat(point("rpc.server.call.duration", "CalService/div", "error")
                            .getAttributes()
                            .get(OpenTelemetryInterceptor.ERROR_TYPE))
                    .isEqualTo("error");

            await().atMost(Duration.ofSeconds(20))
                    .until(() -> spans.getFinishedSpanItems().size() >= 9);
            List<SpanData> divs = spans.getFinishedSpanItems().stream()
                    .filter(s -> s.getName().equals("CalService/div"))
                    .toList();
            assertThat(divs).extracting(SpanData::getKind).containsExactlyInAnyOrder(SpanKind.SERVER, SpanKind.CLIENT);
            assertThat(divs)
                    .allSatisfy(s -> assertThat(s.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR));
        });
    }

    @Test
    void withoutTracesOnlyMetricsAreRecorded() throws Exception {
        OpenTelemetryInterceptor interceptor = OpenTelemetryInterceptor.create(otel, false);
        withCalService(interceptor, stream -> {
            CalService cal = RpcClient.create().proxy(CalService.class, stream);
            assertThat(cal.inc(1)).isEqualTo(2);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> count("rpc.server.call.duration", "CalService/inc", "OK") == 1);
            assertThat(spans.getFinishedSpanItems()).isEmpty();
        });
    }

    /** What a test does with its stream to the server. */
    private interface StreamUse {
        void accept(ClientStream stream) throws Exception;
    }

    /**
     * A server on loopback whose dispatcher carries {@code interceptor}, serving {@link CalService}, and a
     * stream to it handed to {@code use}; both closed after.
     */
    private void withCalService(OpenTelemetryInterceptor interceptor, StreamUse use) throws Exception {
        ServiceDispatcher d =
                ServiceDispatcher.builder().interceptors(List.of(interceptor)).build();
        try (RpcServer server =
                RpcServer.builder().runtime(runtime).dispatcher(d).build()) {
            server.register(CalService.class, new CalServiceImpl());
            RpcAddress addr = server.listen("127.0.0.1:0");
            ClientStream stream =
                    ClientStream.connect(runtime, addr, ClientConfig.defaults()).get(10, TimeUnit.SECONDS);
            try {
                use.accept(stream);
            } finally {
                stream.close();
            }
        }
    }
}
