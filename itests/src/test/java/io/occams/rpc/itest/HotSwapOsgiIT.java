package io.occams.rpc.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.introspect.Health;
import io.occams.rpc.examples.CalService;
import io.occams.rpc.examples.EchoService;
import io.occams.rpc.itest.bundles.swap.api.QuotaExceeded;
import io.occams.rpc.stream.Caller;
import io.occams.rpc.stream.TrackingCaller;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import javax.inject.Inject;
import org.junit.After;
import org.junit.Assume;
import org.junit.Before;
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
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The dynamics of issue 6 in a real framework (Felix or Equinox, whichever this failsafe run is for):
 * a server and a client pool made from Configuration Admin, a service bundle served from the whiteboard
 * while it is there, updated a hundred times under load without a failed call, an error-codec bundle
 * that comes and goes, the runtime in use stopped under load, and our bundles refreshed under load.
 * Every client call goes over TCP through the {@code Caller} service of a client configuration.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HotSwapOsgiIT {
    private static final int UPDATES = 100;

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin cm;

    private Rpc rpc;
    private final List<org.osgi.service.cm.Configuration> configs = new ArrayList<>();
    private final List<Bundle> installed = new ArrayList<>();

    @Configuration
    public Option[] config() {
        return OsgiSetup.options("hotswap");
    }

    /**
     * The probe holds copies of every test class, the test bundles' too; it must use the contract classes of
     * the swap api bundle (the error codec maps to that {@code QuotaExceeded}), so it imports their package,
     * and an import wins over the bundle's own copy.
     */
    @ProbeBuilder
    public TestProbeBuilder probe(TestProbeBuilder builder) {
        return OsgiSetup.probe(builder);
    }

    @Before
    public void setUp() {
        rpc = new Rpc(context, cm);
    }

    @After
    public void tearDown() throws Exception {
        for (Bundle b : installed) {
            if (b.getState() != Bundle.UNINSTALLED) {
                b.uninstall();
            }
        }
        for (org.osgi.service.cm.Configuration c : configs) {
            c.delete();
        }
    }

    private org.osgi.service.cm.Configuration configure(String pid, Object... props) throws Exception {
        org.osgi.service.cm.Configuration c = rpc.configure(pid, props);
        configs.add(c);
        return c;
    }

    private Bundle install(String name, byte[] bytes) throws Exception {
        Bundle b = context.installBundle("itest:" + name, new ByteArrayInputStream(bytes));
        installed.add(b);
        b.start();
        return b;
    }

    /** A server on a free port and a client pool of {@code connections} connections to it. */
    private SwapClient serverAndClient(int connections, Object... serverProps) throws Exception {
        Object[] props = new Object[serverProps.length + 4];
        props[0] = "host";
        props[1] = "127.0.0.1";
        props[2] = "port";
        props[3] = 0;
        System.arraycopy(serverProps, 0, props, 4, serverProps.length);
        org.osgi.service.cm.Configuration server = configure(Rpc.SERVER_PID, props);
        String address = rpc.address(server);
        return rpc.client().proxy(SwapClient.class, caller(address, connections));
    }

    private Caller caller(String address, int connections) throws Exception {
        org.osgi.service.cm.Configuration client =
                configure(Rpc.CLIENT_PID, "addresses", address, "maxConnections", connections, "retryLimit", 3);
        return tracking(rpc.caller(client));
    }

    /**
     * No timing: the swapGrace is far longer than the test, so the name stays vacant until the bundle comes
     * back, and what is asserted are events and counts: the health service calls the name NOT_SERVING, the
     * call waits in flight at the server, then the returning provider answers it. That a call is answered
     * {@code rpc_service_notfound} once the grace ends is HotSwapTest's, on a manual clock.
     */
    @Test
    public void theExamplesBundleAnswersWhileInstalledAndACallMadeWhileItIsUninstalledWaitsForItsReturn()
            throws Exception {
        org.osgi.service.cm.Configuration server =
                configure(Rpc.SERVER_PID, "host", "127.0.0.1", "port", 0, "swapGrace", "10m");
        Caller caller = caller(rpc.address(server), 1);
        String location = System.getProperty("occams.itest.examples");
        Bundle examples = context.installBundle(location);
        installed.add(examples);
        examples.start();
        CalService cal = rpc.client().proxy(CalService.class, caller);
        EchoService echo = rpc.client().proxy(EchoService.class, caller);
        Health health = rpc.client().proxy(Health.class, caller);
        assertEquals(30, cal.add(10, 20));
        assertEquals("hello", echo.repeat("hello"));
        assertEquals(Health.SERVING, health.check("CalService"));
        awaitCondition("nothing in flight at the server", () -> inFlight(server) == 0);

        examples.uninstall();
        assertEquals("the name is vacant, not unknown", Health.NOT_SERVING, health.check("CalService"));
        // An inner class, not a lambda: a lambda's synthetic method would name CalService among this class's
        // own methods, which the probe resolves before the examples bundle is installed.
        CompletableFuture<Long> parked = CompletableFuture.supplyAsync(new Supplier<Long>() {
            @Override
            public Long get() {
                return cal.add(1, 2);
            }
        });
        awaitCondition("the call is in flight at the server", () -> inFlight(server) == 1);
        assertFalse("answered without a provider", parked.isDone());

        examples = context.installBundle(location);
        installed.add(examples);
        examples.start();
        assertEquals(Long.valueOf(3), parked.get(Rpc.WAIT_MILLIS, TimeUnit.MILLISECONDS));
        assertEquals(Health.SERVING, health.check("CalService"));
        // A reply can reach the client before the server's runner settles its batch's count.
        awaitCondition("nothing in flight at the server", () -> inFlight(server) == 0);
    }

    /**
     * Calls accepted and not yet answered by the server made from {@code config}, through reflection: the probe
     * must not wire to the server bundle's packages (a refresh of that bundle would restart the probe).
     */
    private int inFlight(org.osgi.service.cm.Configuration config) throws Exception {
        ServiceReference<?> ref = rpc.server(config);
        Object server = context.getService(ref);
        try {
            return (Integer) server.getClass().getMethod("inFlight").invoke(server);
        } finally {
            context.ungetService(ref);
        }
    }

    /** Waits, up to {@link Rpc#WAIT_MILLIS}, until {@code condition} holds (polled every 10 ms). */
    private static void awaitCondition(String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Rpc.WAIT_MILLIS);
        while (!condition.call()) {
            if (System.nanoTime() - deadline > 0) {
                fail("not within " + Rpc.WAIT_MILLIS + " ms: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    @Test
    public void aHundredUpdatesUnderLoadFailNoCallAndRepliesSwitchToEachNewVersion() throws Exception {
        SwapClient swap = serverAndClient(4, "swapGrace", 5000L);
        Bundle impl = install("swap-impl", TestBundles.swapImpl("v0"));
        assertEquals("v0:1", swap.version(1).get(10, TimeUnit.SECONDS));

        Load load = new Load(() -> swap, 256).start();
        assertTrue("load under way", load.awaitProgress(2_000, 20_000));
        long start = System.nanoTime();
        for (int i = 1; i <= UPDATES; i++) {
            String v = "v" + i;
            load.expect(v);
            impl.update(new ByteArrayInputStream(TestBundles.swapImpl(v)));
            assertTrue("replies switched to " + v + " (" + load + ")", load.awaitExpected(20, TimeUnit.SECONDS));
        }
        long took = Rpc.millisSince(start);
        assertTrue("load goes on after the updates", load.awaitProgress(1_000, 20_000));
        load.stop();
        String summary = String.format("%s: %d updates under load in %d ms: %s", framework(), UPDATES, took, load);
        System.out.println("HOT SWAP " + summary);
        assertEquals(summary, 0, load.failed.get());
        assertEquals("v" + UPDATES, load.lastVersion());
    }

    @Test
    public void anErrorCodecBundleMapsTheDeclaredExceptionWhileItIsThere() throws Exception {
        SwapClient swap = serverAndClient(1);
        install("swap-impl", TestBundles.swapImpl("v1"));
        assertEquals(Long.valueOf(5), swap.check(5).get(10, TimeUnit.SECONDS));
        assertEquals("without the codec bundle", RpcCode.INTERNAL, rpcCode(failure(swap, -1)));

        Bundle quota = install("quota", TestBundles.quotaCodec());
        Throwable mapped = failure(swap, -1);
        assertTrue("with the codec bundle: " + mapped, mapped instanceof QuotaExceeded);

        quota.uninstall();
        assertEquals("after the codec bundle left", RpcCode.INTERNAL, rpcCode(failure(swap, -1)));
    }

    @Test
    public void stoppingTheRuntimeInUseUnderLoadFailsNoCallAndTheServerMovesToTheOtherRuntime() throws Exception {
        Assume.assumeTrue(
                "needs both runtimes (runtime-vthreads needs Java 21)",
                Runtime.version().feature() >= 21);
        SwapClient swap = serverAndClient(4, "swapGrace", 5000L);
        org.osgi.service.cm.Configuration server = configs.get(0);
        install("swap-impl", TestBundles.swapImpl("v1"));
        assertEquals("v1:1", swap.version(1).get(10, TimeUnit.SECONDS));
        String before = rpc.runtime(server);
        Bundle runtimeBundle = bundle("io.occams.rpc.runtime." + before);

        Load load = new Load(() -> swap, 128).start();
        assertTrue("load under way", load.awaitProgress(2_000, 20_000));
        runtimeBundle.stop();
        try {
            assertTrue("load goes on after the runtime stopped (" + load + ")", load.awaitProgress(5_000, 20_000));
            String after = rpc.runtime(server);
            assertNotEquals("the server moved off " + before, before, after);
            load.stop();
            System.out.println("RUNTIME STOP " + framework() + ": " + before + " -> " + after + ": " + load);
            assertEquals(load.toString(), 0, load.failed.get());
        } finally {
            runtimeBundle.start();
        }
    }

    @Test
    public void refreshingOurBundlesUnderLoadFailsNoCall() throws Exception {
        int port = freePort();
        org.osgi.service.cm.Configuration server = configure(Rpc.SERVER_PID, "host", "127.0.0.1", "port", port);
        String address = rpc.address(server);
        SwapClient swap = rpc.client().proxy(SwapClient.class, caller(address, 2));
        install("swap-impl", TestBundles.swapImpl("v1"));
        assertEquals("v1:1", swap.version(1).get(10, TimeUnit.SECONDS));

        Load load = new Load(() -> swap, 64).start();
        assertTrue("load under way", load.awaitProgress(1_000, 20_000));
        // Every bundle of ours that the probe does not import: the server, pool, codec and runtimes.
        List<Bundle> ours = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            String bsn = b.getSymbolicName();
            if (bsn != null
                    && (bsn.equals("io.occams.rpc.server")
                            || bsn.equals("io.occams.rpc.pool")
                            || bsn.equals("io.occams.rpc.codec")
                            || bsn.startsWith("io.occams.rpc.runtime."))) {
                ours.add(b);
            }
        }
        assertTrue(ours.toString(), ours.size() >= 3);
        FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
        if (wiring.getDependencyClosure(ours).contains(context.getBundle())) {
            StringBuilder why = new StringBuilder();
            for (org.osgi.framework.wiring.BundleWire w : context.getBundle()
                    .adapt(org.osgi.framework.wiring.BundleWiring.class)
                    .getRequiredWires(null)) {
                if (ours.contains(w.getProvider().getBundle())) {
                    why.append(' ').append(w.getCapability().getAttributes());
                }
            }
            fail("the probe would be refreshed too, through" + why);
        }
        CountDownLatch refreshed = new CountDownLatch(1);
        long failedBefore = load.failed.get();
        wiring.refreshBundles(ours, e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                refreshed.countDown();
            }
        });
        assertTrue("refresh finished", refreshed.await(60, TimeUnit.SECONDS));
        rpc.server(server);
        assertTrue("the client recovered (" + load + ")", load.awaitProgress(2_000, 30_000));
        load.stop();
        System.out.println("REFRESH " + framework() + ": " + load + " (failed during the refresh: "
                + (load.failed.get() - failedBefore) + ")");
        // The pool bundle's Caller service went away with the calls it had not sent yet; the proxy's
        // TrackingCaller sent those again through the new one.
        assertEquals(load.toString(), 0, load.failed.get());
        assertEquals("v1:2", swap.version(2).get(10, TimeUnit.SECONDS));
    }

    private Throwable failure(SwapClient swap, long n) throws InterruptedException {
        try {
            swap.check(n).get(10, TimeUnit.SECONDS);
            throw new AssertionError("check(" + n + ") answered");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("check(" + n + ") timed out", e);
        } catch (QuotaExceeded thrownAtOnce) {
            return thrownAtOnce; // an async proxy method completes its future instead; kept for the compiler
        }
    }

    private static RpcCode rpcCode(Throwable t) {
        assertTrue("an RpcException: " + t, t instanceof RpcException);
        return ((RpcException) t).code();
    }

    private Bundle bundle(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + bsn);
    }

    private String framework() {
        return context.getBundle(0).getSymbolicName() + " on Java "
                + Runtime.version().feature();
    }

    static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A Caller that is always the current {@code Caller} service of a client configuration. */
    /**
     * The client configuration's {@code Caller} service, followed as it comes and goes (the pool bundle
     * refreshed, a configuration re-made): the product's {@link TrackingCaller} over the tracker.
     */
    static Caller tracking(ServiceTracker<Caller, Caller> tracker) {
        Rpc.current(tracker); // there at first (or a diagnosis of why not)
        return new TrackingCaller(tracker::getService, Duration.ofMillis(Rpc.WAIT_MILLIS));
    }
}
