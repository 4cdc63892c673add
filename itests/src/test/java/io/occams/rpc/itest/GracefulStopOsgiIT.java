package io.occams.rpc.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import io.occams.rpc.stream.Caller;
import java.io.ByteArrayInputStream;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
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
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
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

        Framework remote = startServerFramework(runtime);
        boolean stopped = false;
        try {
            BundleContext b = remote.getBundleContext();
            b.installBundle("itest:swap-api", new ByteArrayInputStream(TestBundles.swapApi()))
                    .start();
            b.installBundle("itest:swap-impl", new ByteArrayInputStream(TestBundles.swapImpl("remote")))
                    .start();
            configureServer(b, runtime);
            String remoteAddress = awaitAddress(b);

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
            assertTrue("both servers answer (" + load + ")", load.awaitExpected(20, TimeUnit.SECONDS));
            assertTrue("load under way", load.awaitProgress(2_000, 20_000));

            long stopping = System.nanoTime();
            remote.stop();
            FrameworkEvent end = remote.waitForStop(120_000);
            long stopMillis = Rpc.millisSince(stopping);
            stopped = true;
            assertEquals("the other framework stopped", FrameworkEvent.STOPPED, end.getType());
            load.expect("local");
            assertTrue("load goes on on the remaining server (" + load + ")", load.awaitProgress(2_000, 20_000));
            assertEquals("local", load.lastVersion());
            load.stop();
            System.out.println("FRAMEWORK STOP " + runtime + " "
                    + context.getBundle(0).getSymbolicName() + " in " + stopMillis + " ms: " + load);
            assertEquals(load.toString(), 0, load.failed.get());
            callers.close();
        } finally {
            if (!stopped) {
                remote.stop();
                remote.waitForStop(60_000);
            }
        }
    }

    /** A second framework of the kind running this test, with every bundle of target/itest/bundles started. */
    private static Framework startServerFramework(String runtime) throws Exception {
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class, FrameworkFactory.class.getClassLoader())
                .iterator()
                .next();
        Map<String, String> props = new HashMap<>();
        Path storage = Path.of(System.getProperty("occams.itest.dir"))
                .resolveSibling("paxexam")
                .resolve(OsgiSetup.runName() + "-graceful-stop-" + runtime);
        props.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        Framework fw = factory.newFramework(props);
        fw.start();
        BundleContext b = fw.getBundleContext();
        List<Bundle> logging = new ArrayList<>();
        List<Bundle> rest = new ArrayList<>();
        for (BundleJar jar : BundleJar.in("bundles")) {
            if (!jar.runsOnThisJava()) {
                continue;
            }
            Bundle x = b.installBundle(jar.path().toUri().toString());
            if (jar.isFragment()) {
                continue;
            }
            String bsn = jar.symbolicName();
            boolean first = bsn.equals("org.apache.aries.spifly.dynamic.bundle") || bsn.startsWith("slf4j.");
            (first ? logging : rest).add(x);
        }
        for (Bundle x : logging) {
            x.start();
        }
        for (Bundle x : rest) {
            x.start();
        }
        return fw;
    }

    /** The server's factory configuration, through the other framework's own Configuration Admin. */
    private static void configureServer(BundleContext b, String runtime) throws Exception {
        ServiceTracker<Object, Object> t = new ServiceTracker<>(
                b, FrameworkUtil.createFilter("(objectClass=org.osgi.service.cm.ConfigurationAdmin)"), null);
        t.open(true);
        try {
            Object admin = t.waitForService(20_000);
            assertNotNull("Configuration Admin in the server framework", admin);
            Class<?> adminType =
                    t.getServiceReference().getBundle().loadClass("org.osgi.service.cm.ConfigurationAdmin");
            Object config = adminType
                    .getMethod("createFactoryConfiguration", String.class, String.class)
                    .invoke(admin, Rpc.SERVER_PID, "?");
            Method update = adminType
                    .getClassLoader()
                    .loadClass("org.osgi.service.cm.Configuration")
                    .getMethod("update", Dictionary.class);
            update.invoke(config, Rpc.dictionary("host", "127.0.0.1", "port", 0, "runtime", runtime));
        } finally {
            t.close();
        }
    }

    private static String awaitAddress(BundleContext b) throws Exception {
        ServiceTracker<Object, Object> t = new ServiceTracker<>(
                b,
                FrameworkUtil.createFilter("(&(objectClass=" + Rpc.SERVER_CLASS + ")(occams.server.addresses=*))"),
                null);
        t.open(true);
        try {
            assertNotNull("a listening server in the server framework", t.waitForService(20_000));
            return ((String[]) t.getServiceReference().getProperty("occams.server.addresses"))[0];
        } finally {
            t.close();
        }
    }
}
