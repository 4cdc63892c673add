package io.occams.rpc.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

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
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Client and server in two separate frameworks of the same kind: the Pax Exam framework holds the client
 * (a pool from Configuration Admin, a proxy), and the test starts a second framework holding the server
 * and the service bundle, with our bundles installed from the same jars. The two share nothing but the
 * wire; the second framework is driven by class name and reflection, since its classes are its own.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TwoFrameworksOsgiIT {
    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin cm;

    @Configuration
    public Option[] config() {
        return OsgiSetup.options("client");
    }

    @ProbeBuilder
    public TestProbeBuilder probe(TestProbeBuilder builder) {
        return OsgiSetup.probe(builder);
    }

    @Test
    public void aClientInOneFrameworkCallsAServerInAnotherAndSeesItsServiceChange() throws Exception {
        Framework server = startServerFramework();
        try {
            BundleContext b = server.getBundleContext();
            List<Bundle> started = new ArrayList<>();
            started.add(b.installBundle("itest:swap-api", new ByteArrayInputStream(TestBundles.swapApi())));
            Bundle impl = b.installBundle("itest:swap-impl", new ByteArrayInputStream(TestBundles.swapImpl("remote1")));
            started.add(impl);
            for (Bundle x : started) {
                x.start();
            }
            configureServer(b);
            String address = awaitAddress(b);

            Rpc rpc = new Rpc(context, cm);
            org.osgi.service.cm.Configuration client =
                    rpc.configure(Rpc.CLIENT_PID, "addresses", address, "maxConnections", 2);
            try {
                ServiceTracker<io.occams.rpc.stream.Caller, io.occams.rpc.stream.Caller> callers = rpc.caller(client);
                SwapClient swap = rpc.client().proxy(SwapClient.class, HotSwapOsgiIT.tracking(callers));
                assertEquals("remote1:1", swap.version(1).get(10, TimeUnit.SECONDS));

                Load load = new Load(() -> swap, 64).start();
                assertTrue("load under way", load.awaitProgress(500, 20_000));
                load.expect("remote2");
                impl.update(new ByteArrayInputStream(TestBundles.swapImpl("remote2")));
                assertTrue(
                        "replies from the updated bundle in the other framework (" + load + ")",
                        load.awaitExpected(20, TimeUnit.SECONDS));
                load.stop();
                System.out.println("TWO FRAMEWORKS " + context.getBundle(0).getSymbolicName() + ": " + load);
                assertEquals(load.toString(), 0, load.failed.get());
                callers.close();
            } finally {
                client.delete();
            }
        } finally {
            server.stop();
            server.waitForStop(30_000);
        }
    }

    /** A second framework of the kind running this test, with every bundle of target/itest/bundles started. */
    private Framework startServerFramework() throws Exception {
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class, FrameworkFactory.class.getClassLoader())
                .iterator()
                .next();
        Map<String, String> props = new HashMap<>();
        Path storage = Path.of(System.getProperty("occams.itest.dir"))
                .resolveSibling("paxexam")
                .resolve(OsgiSetup.runName() + "-server-framework");
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

    /** Creates the server's factory configuration through the other framework's own Configuration Admin. */
    private static void configureServer(BundleContext b) throws Exception {
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
            update.invoke(config, Rpc.dictionary("host", "127.0.0.1", "port", 0));
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
