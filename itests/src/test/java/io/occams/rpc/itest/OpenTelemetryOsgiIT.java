package io.occams.rpc.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.fail;

import io.occams.rpc.api.MessageException;
import io.occams.rpc.api.intercept.CallInterceptor;
import io.occams.rpc.client.RpcClient;
import io.occams.rpc.examples.CalService;
import io.occams.rpc.stream.Caller;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.inject.Inject;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.ProbeBuilder;
import org.ops4j.pax.exam.TestProbeBuilder;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The otel bundle in a real framework: its interceptor component takes the {@link OpenTelemetry} service
 * registered here (an SDK meter provider with an in-memory reader), the server component picks the
 * interceptor up from the whiteboard, and real calls over loopback show up as the
 * {@code rpc.server.call.duration} and {@code rpc.client.call.duration} histograms, read back through the SDK.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class OpenTelemetryOsgiIT {
    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("rpc.method");
    private static final AttributeKey<String> STATUS = AttributeKey.stringKey("rpc.response.status_code");
    private static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("rpc.system.name");
    private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin cm;

    private final List<org.osgi.service.cm.Configuration> configs = new ArrayList<>();
    private final List<Bundle> installed = new ArrayList<>();
    private ServiceRegistration<OpenTelemetry> registration;
    private SdkMeterProvider meters;

    @Configuration
    public Option[] config() {
        return OsgiSetup.options("otel");
    }

    @ProbeBuilder
    public TestProbeBuilder probe(TestProbeBuilder builder) {
        return OsgiSetup.probe(builder);
    }

    @After
    public void tearDown() throws Exception {
        for (org.osgi.service.cm.Configuration c : configs) {
            c.delete();
        }
        for (Bundle b : installed) {
            if (b.getState() != Bundle.UNINSTALLED) {
                b.uninstall();
            }
        }
        if (registration != null) {
            registration.unregister();
        }
        if (meters != null) {
            meters.close();
        }
    }

    /** The reader the SDK collects through on demand (what the SDK's InMemoryMetricReader does). */
    private static final class Reader implements MetricReader {
        private volatile CollectionRegistration registration;

        @Override
        public void register(CollectionRegistration r) {
            registration = r;
        }

        Collection<MetricData> collect() {
            return registration.collectAllMetrics();
        }

        @Override
        public AggregationTemporality getAggregationTemporality(InstrumentType type) {
            return AggregationTemporality.CUMULATIVE;
        }

        @Override
        public CompletableResultCode forceFlush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }

    private static long count(Reader reader, String metric, String method, String status) {
        HistogramPointData p = point(reader, metric, method, status);
        return p == null ? 0 : p.getCount();
    }

    private static HistogramPointData point(Reader reader, String metric, String method, String status) {
        for (MetricData m : reader.collect()) {
            if (!m.getName().equals(metric)) {
                continue;
            }
            assertEquals("s", m.getUnit());
            for (HistogramPointData p : m.getHistogramData().getPoints()) {
                if (method.equals(p.getAttributes().get(METHOD))
                        && status.equals(p.getAttributes().get(STATUS))) {
                    return p;
                }
            }
        }
        return null;
    }

    /** Waits (bounded) until the server side has recorded {@code n} calls of {@code method} with {@code status}. */
    private static void awaitServer(Reader reader, String method, String status, long n) {
        long deadline = System.nanoTime() + Rpc.WAIT_MILLIS * 1_000_000L;
        while (count(reader, "rpc.server.call.duration", method, status) < n) {
            if (System.nanoTime() > deadline) {
                fail("the server recorded no " + n + " x " + method + " " + status + " within " + Rpc.WAIT_MILLIS
                        + " ms: " + reader.collect());
            }
            Thread.onSpinWait();
        }
    }

    @Test
    public void callsThroughAServerAndAClientInTheFrameworkAreReadBackAsDurationHistogramsWithTheirMethodAndStatus()
            throws Exception {
        Reader reader = new Reader();
        meters = SdkMeterProvider.builder().registerMetricReader(reader).build();
        SdkMeterProvider provider = meters;
        registration = context.registerService(
                OpenTelemetry.class,
                new OpenTelemetry() {
                    @Override
                    public TracerProvider getTracerProvider() {
                        return TracerProvider.noop();
                    }

                    @Override
                    public MeterProvider getMeterProvider() {
                        return provider;
                    }

                    @Override
                    public ContextPropagators getPropagators() {
                        return ContextPropagators.noop();
                    }
                },
                null);
        // The otel bundle started with the framework (on GlobalOpenTelemetry's no-op): restarted, its component
        // binds the service above, and its interceptor service comes back with it.
        Bundle otel = null;
        for (Bundle b : context.getBundles()) {
            if ("io.occams.rpc.otel".equals(b.getSymbolicName())) {
                otel = b;
            }
        }
        assertNotNull("no otel bundle in the framework", otel);
        otel.stop();
        otel.start();

        Rpc rpc = new Rpc(context, cm);
        CallInterceptor interceptor = rpc.await(
                CallInterceptor.class, "(component.name=io.occams.rpc.otel.internal.osgi.OpenTelemetryComponent)");
        org.osgi.service.cm.Configuration server = rpc.configure(Rpc.SERVER_PID, "host", "127.0.0.1", "port", 0);
        configs.add(server);
        String address = rpc.address(server);
        org.osgi.service.cm.Configuration client =
                rpc.configure(Rpc.CLIENT_PID, "addresses", address, "maxConnections", 1, "retryLimit", 3);
        configs.add(client);
        Bundle examples = context.installBundle(System.getProperty("occams.itest.examples"));
        installed.add(examples);
        examples.start();
        Caller caller = Rpc.current(rpc.caller(client));
        RpcClient c = RpcClient.builder()
                .codec(rpc.await(io.occams.rpc.api.spi.Codec.class, "(occams.codec.format=0)"))
                .errors(rpc.await(io.occams.rpc.errors.ErrorCodecRegistry.class, null))
                .build(); // the pool from Configuration Admin runs the registry's interceptor (this one) itself
        CalService cal = c.proxy(CalService.class, caller);

        assertEquals(30, cal.add(10, 20));
        assertEquals(3, cal.add(1, 2));
        assertEquals(42, cal.inc(41));
        try {
            cal.div(1, 0);
            fail("divided by zero");
        } catch (MessageException expected) {
            // recorded as an "error"
        }

        awaitServer(reader, "CalService/add", "OK", 2);
        awaitServer(reader, "CalService/inc", "OK", 1);
        awaitServer(reader, "CalService/div", "error", 1);
        assertEquals(2, count(reader, "rpc.server.call.duration", "CalService/add", "OK"));
        assertEquals(1, count(reader, "rpc.server.call.duration", "CalService/inc", "OK"));
        assertEquals(1, count(reader, "rpc.server.call.duration", "CalService/div", "error"));
        // The client side records before the proxy returns.
        assertEquals(2, count(reader, "rpc.client.call.duration", "CalService/add", "OK"));
        assertEquals(1, count(reader, "rpc.client.call.duration", "CalService/inc", "OK"));
        assertEquals(1, count(reader, "rpc.client.call.duration", "CalService/div", "error"));

        HistogramPointData div = point(reader, "rpc.server.call.duration", "CalService/div", "error");
        assertEquals("occams", div.getAttributes().get(SYSTEM));
        assertEquals("error", div.getAttributes().get(ERROR_TYPE));
        HistogramPointData add = point(reader, "rpc.server.call.duration", "CalService/add", "OK");
        assertEquals("occams", add.getAttributes().get(SYSTEM));
        assertEquals(null, add.getAttributes().get(ERROR_TYPE));
    }
}
