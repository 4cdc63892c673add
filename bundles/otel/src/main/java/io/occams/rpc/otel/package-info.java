/**
 * Call metrics and spans through the OpenTelemetry API: {@link io.occams.rpc.otel.OpenTelemetryInterceptor}
 * records {@code rpc.server.call.duration} and {@code rpc.client.call.duration} (seconds, buckets from
 * 1 µs) after the stable RPC semantic conventions, and a span per call. Bring your own SDK and exporter.
 */
@Export
@Version("1.0.0")
package io.occams.rpc.otel;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
