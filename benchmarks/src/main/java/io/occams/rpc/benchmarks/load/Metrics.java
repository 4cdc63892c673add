package io.occams.rpc.benchmarks.load;

import io.occams.rpc.api.intercept.CallInterceptor;
import io.occams.rpc.otel.OpenTelemetryInterceptor;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;

/**
 * "Metrics on" for the load contenders: the OpenTelemetry interceptor over a real SDK meter provider
 * (histograms aggregated per call; an in-memory reader stands for the exporter, which would read them
 * once a minute). Metrics only, no spans.
 */
final class Metrics {
    private Metrics() {}

    static CallInterceptor interceptor() {
        SdkMeterProvider meters = SdkMeterProvider.builder()
                .registerMetricReader(InMemoryMetricReader.create())
                .build();
        return OpenTelemetryInterceptor.create(
                OpenTelemetrySdk.builder().setMeterProvider(meters).build(), false);
    }
}
