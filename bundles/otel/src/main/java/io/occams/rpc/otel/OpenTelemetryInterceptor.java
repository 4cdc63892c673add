package io.occams.rpc.otel;

import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.intercept.CallInfo;
import io.occams.rpc.api.intercept.CallInterceptor;
import io.occams.rpc.api.intercept.CallOutcome;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A {@link CallInterceptor} that records every call through the OpenTelemetry API, after the stable RPC
 * semantic conventions:
 * <ul>
 * <li>the histograms {@value #SERVER_DURATION} and {@value #CLIENT_DURATION}, in seconds, with explicit
 * bucket advice from 1 µs to 10 s (the API's default buckets start at 5 ms, far above an occams call);</li>
 * <li>the attributes {@code rpc.system.name} (and the older {@code rpc.system}) = {@value #SYSTEM},
 * {@code rpc.method} = {@code Service/method}, {@code rpc.response.status_code} = {@code OK} or the error
 * code ({@code rpc_timeout}, {@code errno_5}, {@code error}, ...), and {@code error.type} = that code on
 * failures;</li>
 * <li>optionally a span per call ({@code SERVER} or {@code CLIENT} kind, named {@code Service/method}), its
 * status ERROR on failures. The wire carries no trace context, so client and server spans are not
 * linked; a server span is a child of whatever context is current on the dispatching thread.</li>
 * </ul>
 * One instance serves both sides (the side comes with each call). Attribute sets are made once per
 * method and outcome and cached. Thread-safe.
 *
 * <pre>{@code
 * OpenTelemetry otel = ...;                                  // your SDK and exporter
 * OpenTelemetryInterceptor metrics = OpenTelemetryInterceptor.create(otel);
 * ServiceDispatcher d = ServiceDispatcher.builder().interceptors(List.of(metrics)).build();
 * RpcClient client = RpcClient.builder().interceptors(List.of(metrics)).build();
 * }</pre>
 */
public final class OpenTelemetryInterceptor implements CallInterceptor {
    /** The server-side histogram's name. */
    public static final String SERVER_DURATION = "rpc.server.call.duration";
    /** The client-side histogram's name. */
    public static final String CLIENT_DURATION = "rpc.client.call.duration";
    /** The value of {@code rpc.system.name}. */
    public static final String SYSTEM = "occams";
    /** The instrumentation scope's name. */
    public static final String SCOPE = "io.occams.rpc";
    /** Bucket boundaries in seconds: 1 µs to 10 s, about three per decade. */
    public static final List<Double> BUCKETS = List.of(
            0.000001, 0.0000025, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
            0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0);

    static final AttributeKey<String> RPC_SYSTEM_NAME = AttributeKey.stringKey("rpc.system.name");
    static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
    static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
    static final AttributeKey<String> RPC_STATUS = AttributeKey.stringKey("rpc.response.status_code");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    private static final double NANOS_PER_SECOND = 1e9;
    /** {@code rpc.method} of calls to a name the server does not serve. */
    static final String OTHER = "_OTHER";

    private final DoubleHistogram serverDuration;
    private final DoubleHistogram clientDuration;
    private final Tracer tracer;
    /** Per action, each side: the attributes of its outcomes, made once. Bounded (see {@link #MAX_ACTIONS}). */
    private final ConcurrentMap<String, MethodAttributes> server = new ConcurrentHashMap<>();

    private final ConcurrentMap<String, MethodAttributes> client = new ConcurrentHashMap<>();
    /** Beyond this many actions per side, attributes are made per call instead of cached. */
    static final int MAX_ACTIONS = 10_000;

    private OpenTelemetryInterceptor(OpenTelemetry otel, boolean traces) {
        Meter meter = otel.getMeter(SCOPE);
        this.serverDuration = meter.histogramBuilder(SERVER_DURATION)
                .setUnit("s")
                .setDescription("Measures the duration of inbound remote procedure calls.")
                .setExplicitBucketBoundariesAdvice(BUCKETS)
                .build();
        this.clientDuration = meter.histogramBuilder(CLIENT_DURATION)
                .setUnit("s")
                .setDescription("Measures the duration of outbound remote procedure calls.")
                .setExplicitBucketBoundariesAdvice(BUCKETS)
                .build();
        this.tracer = traces ? otel.getTracer(SCOPE) : null;
    }

    /** Metrics and spans through {@code otel}. */
    public static OpenTelemetryInterceptor create(OpenTelemetry otel) {
        return new OpenTelemetryInterceptor(Objects.requireNonNull(otel, "otel"), true);
    }

    /** Metrics through {@code otel}, and spans too when {@code traces}. */
    public static OpenTelemetryInterceptor create(OpenTelemetry otel, boolean traces) {
        return new OpenTelemetryInterceptor(Objects.requireNonNull(otel, "otel"), traces);
    }

    @Override
    public Object begin(CallInfo call) {
        if (tracer == null) {
            return null;
        }
        return tracer.spanBuilder(call.service() + "/" + call.method())
                .setSpanKind(call.side() == CallInfo.Side.SERVER ? SpanKind.SERVER : SpanKind.CLIENT)
                .setAttribute(RPC_SYSTEM_NAME, SYSTEM)
                .setAttribute(RPC_METHOD, call.service() + "/" + call.method())
                .startSpan();
    }

    @Override
    public void end(CallInfo call, Object state, CallOutcome outcome) {
        String status = outcome.status();
        boolean isServer = call.side() == CallInfo.Side.SERVER;
        // A name the server does not serve came from the wire: "_OTHER", so that no peer can grow the attributes.
        boolean unknown = outcome.code() == RpcCode.METHOD_NOT_FOUND
                || outcome.code() == RpcCode.SERVICE_NOT_FOUND
                || (outcome.code() == RpcCode.DECODE
                        && (call.service().isEmpty() || call.method().isEmpty()));
        Attributes a = attributes(isServer, unknown, call, outcome, status);
        (isServer ? serverDuration : clientDuration).record(outcome.durationNanos() / NANOS_PER_SECOND, a);
        if (state instanceof Span) {
            Span span = (Span) state;
            span.setAttribute(RPC_STATUS, status);
            if (!outcome.isOk()) {
                span.setAttribute(ERROR_TYPE, status);
                span.setStatus(StatusCode.ERROR, status);
                if (outcome.error() != null) {
                    span.recordException(outcome.error());
                }
            }
            span.end();
        }
    }

    private Attributes attributes(
            boolean isServer, boolean unknown, CallInfo call, CallOutcome outcome, String status) {
        ConcurrentMap<String, MethodAttributes> byAction = isServer ? server : client;
        String action = unknown ? OTHER : call.action();
        MethodAttributes m = byAction.get(action);
        if (m == null) {
            m = new MethodAttributes(unknown ? OTHER : call.service() + "/" + call.method());
            if (byAction.size() < MAX_ACTIONS) {
                MethodAttributes raced = byAction.putIfAbsent(action, m);
                m = raced != null ? raced : m;
            }
        }
        return outcome.isOk() ? m.ok : m.failed(status);
    }

    /** The attributes of one method's outcomes: OK made at once, each error status on first sight. */
    private static final class MethodAttributes {
        final String method;
        final Attributes ok;
        final ConcurrentMap<String, Attributes> failures = new ConcurrentHashMap<>();

        MethodAttributes(String method) {
            this.method = method;
            this.ok = base(method).put(RPC_STATUS, "OK").build();
        }

        Attributes failed(String status) {
            Attributes a = failures.get(status);
            if (a == null) {
                a = base(method).put(RPC_STATUS, status).put(ERROR_TYPE, status).build();
                if (failures.size() < 64) { // statuses are codes and errnos: few
                    failures.putIfAbsent(status, a);
                }
            }
            return a;
        }

        private static io.opentelemetry.api.common.AttributesBuilder base(String method) {
            return Attributes.builder()
                    .put(RPC_SYSTEM_NAME, SYSTEM)
                    .put(RPC_SYSTEM, SYSTEM)
                    .put(RPC_METHOD, method);
        }
    }

    @Override
    public String toString() {
        return "OpenTelemetryInterceptor[" + (tracer != null ? "metrics, traces" : "metrics") + "]";
    }
}
