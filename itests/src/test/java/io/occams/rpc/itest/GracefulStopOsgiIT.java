package io.occams.rpc.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.occams.rpc.stream.Caller;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.junit.After;
import org.junit.Assume;
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
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Issue 16, item 6: a whole framework that stops under load (what SIGTERM to {@code occams serve} does)
 * answers no call {@code rpc_service_notfound}. The Pax Exam framework holds a server and a client pool
 * over two addresses; the test starts a second framework with a server, on the runtime under test, and
 * the service bundle, then stops that whole framework while 64 calls are always in flight. The framework
 * stops the service bundle (installed last) before the server bundle; the server must have stopped taking
 * calls, answered those it accepted and let its clients move first. No call may fail.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class GracefulStopOsgiIT {
    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin cm;

    private final List<org.osgi.service.cm.Configuration> configs = new ArrayList<>();
    private final List<Bundle> installed = new ArrayList<>();

    @Configuration
    public Option[] config() {
        return OsgiSetup.options("graceful-stop");
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
    }

    @Test
    public void aFrameworkStoppedUnderLoadOnNettyFailsNoCall() throws Exception {
        frameworkStopUnderLoad("netty");
    }

    @Test
    public void aFrameworkStoppedUnderLoadOnVirtualThreadsFailsNoCall() throws Exception {
        Assume.assumeTrue(
                "runtime-vthreads needs Java 21", java.lang.Runtime.version().feature() >= 21);
        frameworkStopUnderLoad("vthreads");
    }

    private void frameworkStopUnderLoad(String runtime) throws Exception {
        Rpc rpc = new Rpc(context, cm);
        Bundle local =
                context.installBundle("itest:swap-impl-local", new ByteArrayInputStream(TestBundles.swapImpl("local")));
        installed.add(local);
        local.start();
        org.osgi.service.cm.Configuration localServer =
                rpc.configure(Rpc.SERVER_PID, "host", "127.0.0.1", "port", 0, "runtime", runtime);
        configs.add(localServer);
        String localAddress = rpc.address(localServer);

        try (ServerFramework remote = ServerFramework.start("graceful-stop-" + runtime)) {
            remote.installStarted("itest:swap-api", TestBundles.swapApi());
            remote.installStarted("itest:swap-impl", TestBundles.swapImpl("remote"));
            remote.configureServer("host", "127.0.0.1", "port", 0, "runtime", runtime);
            String remoteAddress = remote.awaitAddress();

            org.osgi.service.cm.Configuration client = rpc.configure(
                    Rpc.CLIENT_PID,
                    "addresses",
                    new String[] {localAddress, remoteAddress},
                    "maxConnections",
                    2,
                    "retryLimit",
                    3);
            configs.add(client);
            ServiceTracker<Caller, Caller> callers = rpc.caller(client);
            SwapClient swap = rpc.client().proxy(SwapClient.class, HotSwapOsgiIT.tracking(callers));

            Load load = new Load(() -> swap, 64);
            load.expect("remote");
            load.start();
            assertTrue("both servers answer (" + load + ")", load.awaitExpected(60, TimeUnit.SECONDS));
            assertTrue("load under way", load.awaitProgress(2_000, 60_000));

            long stopping = System.nanoTime();
            FrameworkEvent end = remote.stop(120_000);
            long stopMillis = Rpc.millisSince(stopping);
            assertEquals("the other framework stopped", FrameworkEvent.STOPPED, end.getType());
            load.expect("local");
            assertTrue("load goes on on the remaining server (" + load + ")", load.awaitProgress(2_000, 60_000));
            assertEquals("local", load.lastVersion());
            load.stop();
            System.out.println("FRAMEWORK STOP " + runtime + " "
                    + context.getBundle(0).getSymbolicName() + " in " + stopMillis + " ms: " + load);
            assertEquals(load.toString(), 0, load.failed.get());
            callers.close();
        }
    }
}
