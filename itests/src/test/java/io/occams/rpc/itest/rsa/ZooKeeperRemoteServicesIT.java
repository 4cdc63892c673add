package io.occams.rpc.itest.rsa;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.occams.rpc.itest.rsa.api.Greeter;
import io.occams.rpc.testkit.ZooKeeperNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.launch.Framework;
import org.osgi.service.remoteserviceadmin.RemoteConstants;
import org.osgi.util.tracker.ServiceTracker;

/**
 * OSGi Remote Services with a real discovery: two Felix frameworks in this JVM, each with our bundles, Aries RSA
 * 1.16.1 (core, topology manager), the occams provider, and Aries' ZooKeeper discovery as its Karaf feature
 * {@code aries-rsa-discovery-zookeeper} installs it (discovery.zookeeper, discovery.local for its endpoint XML),
 * with the ZooKeeper 3.9.5 client wrapped as a bundle ({@link #wrapZooKeeper}). Nothing passes between the frameworks but ZooKeeper (a 3.9.5 server that
 * this test starts on loopback) and occams' own connection. JAXB, which discovery.local needs, comes from the
 * class path through the system bundle, as in Karaf on Java 9+.
 */
public class ZooKeeperRemoteServicesIT {
    /** Generous: the first import waits for two ZooKeeper sessions, SCR and a JAXB context on a loaded machine. */
    private static final long WAIT = 60;

    private static final String DISCOVERY_PID = "org.apache.aries.rsa.discovery.zookeeper";
    private static final String REGISTRY = "/osgi/service_registry";
    private static final String JAXB = "javax.xml.bind;version=2.3.3,javax.xml.bind.annotation;version=2.3.3,"
            + "javax.xml.bind.annotation.adapters;version=2.3.3,javax.xml.bind.attachment;version=2.3.3,"
            + "javax.xml.bind.helpers;version=2.3.3,javax.xml.bind.util;version=2.3.3";

    private static TestingServer zkServer;
    private static ZooKeeper zk;
    private static Framework exporter;
    private static Framework importer;

    @BeforeClass
    public static void startZooKeeperAndFrameworks() throws Exception {
        // Loopback, tick 1 s: sessions of 2-20 s are allowed, and the discovery asks for 15 s (so that a loaded
        // machine's pauses cannot expire it).
        zkServer = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 1000, -1), true);
        int port = zkServer.getPort();
        zk = ZooKeeperNodes.connect("127.0.0.1:" + port, Duration.ofSeconds(WAIT));
        Map<String, String> props = Map.of(
                Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA,
                "io.occams.rpc.itest.rsa.api;version=1.0.0,org.osgi.service.remoteserviceadmin;version=1.1.0," + JAXB,
                // no test discovery: Aries' ZooKeeper discovery provides the capability the topology manager requires
                Constants.FRAMEWORK_SYSTEMCAPABILITIES_EXTRA,
                "");
        wrapZooKeeper(Path.of(System.getProperty("occams.itest.dir"), "rsa-zk", "zookeeper-3.9.5-bundle.jar"));
        exporter = RemoteServicesIT.start("rsa-zk-exporter", props, "rsa-zk");
        importer = RemoteServicesIT.start("rsa-zk-importer", props, "rsa-zk");
        for (Framework f : new Framework[] {exporter, importer}) {
            configure(
                    f.getBundleContext(),
                    DISCOVERY_PID,
                    Map.of(
                            "zookeeper.host",
                            "127.0.0.1",
                            "zookeeper.port",
                            String.valueOf(port),
                            "zookeeper.timeout",
                            15_000));
        }
    }

    @AfterClass
    public static void stopAll() throws Exception {
        for (Framework f : new Framework[] {importer, exporter}) {
            if (f != null) {
                f.stop();
                f.waitForStop(30_000);
            }
        }
        if (zk != null) {
            zk.close();
        }
        if (zkServer != null) {
            zkServer.close();
        }
    }

    @Test
    public void aPlainServiceIsImportedThroughZooKeeperWithdrawnWhenUnregisteredAndImportedAgainWhenReExported()
            throws Exception {
        BundleContext a = exporter.getBundleContext();
        BundleContext b = importer.getBundleContext();
        Proxies proxies = new Proxies(b, "zk");
        try {
            Hashtable<String, Object> props = RemoteServicesIT.exportProps("zk");
            props.put("app.color", "red");
            props.put(".secret", "hidden");
            ServiceRegistration<Greeter> reg =
                    a.registerService(Greeter.class, new RemoteServicesIT.Impl("one"), props);
            String firstId;
            try {
                Greeter g = proxies.await();
                assertEquals("one:ann", g.hello("ann"));
                assertEquals("one:bob", g.helloAsync("bob").get(WAIT, TimeUnit.SECONDS));
                ServiceReference<Greeter> ref = proxies.getServiceReference();
                assertNotNull("an imported service says so", ref.getProperty(RemoteConstants.SERVICE_IMPORTED));
                assertEquals("public properties travel through ZooKeeper", "red", ref.getProperty("app.color"));
                assertNull("private properties do not", ref.getProperty(".secret"));
                assertTrue(List.of(strings(ref.getProperty(RemoteConstants.SERVICE_IMPORTED_CONFIGS)))
                        .contains("occams.tcp"));
                firstId = (String) ref.getProperty(RemoteConstants.ENDPOINT_ID);
                assertTrue(firstId, firstId.startsWith("occams.tcp://127.0.0.1:"));
                assertEquals(
                        "the exporting framework's",
                        a.getProperty(Constants.FRAMEWORK_UUID),
                        ref.getProperty(RemoteConstants.ENDPOINT_FRAMEWORK_UUID));
                // The importer learnt of it from ZooKeeper alone: the endpoint is a node there.
                String node = ZooKeeperNodes.nodeWith(zk, REGISTRY, firstId);
                assertNotNull("the endpoint " + firstId + " is published in ZooKeeper", node);

                CountDownLatch nodeGone = deleted(node);
                reg.unregister();
                reg = null;
                assertTrue("the imported service is withdrawn", proxies.removals.tryAcquire(WAIT, TimeUnit.SECONDS));
                assertNull("no proxy is left", proxies.getService());
                assertTrue("the endpoint leaves ZooKeeper", nodeGone.await(WAIT, TimeUnit.SECONDS));
            } finally {
                if (reg != null) {
                    reg.unregister();
                }
            }

            reg = a.registerService(
                    Greeter.class, new RemoteServicesIT.Impl("two"), RemoteServicesIT.exportProps("zk"));
            try {
                Greeter again = proxies.await();
                assertEquals("two:cy", again.hello("cy"));
                String secondId = (String) proxies.getServiceReference().getProperty(RemoteConstants.ENDPOINT_ID);
                assertNotEquals("a re-export is a new endpoint", firstId, secondId);
                assertNotNull("published in ZooKeeper", ZooKeeperNodes.nodeWith(zk, REGISTRY, secondId));
            } finally {
                reg.unregister();
            }
        } finally {
            proxies.close();
        }
    }

    /** The imported proxies of one test case; {@link #removals} counts withdrawals (after the tracker dropped them). */
    static final class Proxies extends ServiceTracker<Greeter, Greeter> {
        final Semaphore removals = new Semaphore(0);

        Proxies(BundleContext b, String testCase) throws Exception {
            super(
                    b,
                    FrameworkUtil.createFilter(
                            "(&(objectClass=" + Greeter.class.getName() + ")(test.case=" + testCase + "))"),
                    null);
            open();
        }

        Greeter await() throws InterruptedException {
            Greeter g = waitForService(TimeUnit.SECONDS.toMillis(WAIT));
            assertNotNull("the proxy is imported", g);
            return g;
        }

        @Override
        public void removedService(ServiceReference<Greeter> ref, Greeter service) {
            super.removedService(ref, service);
            removals.release();
        }
    }

    // ---- helpers

    /**
     * Aries' discovery.zookeeper imports org.apache.zookeeper (and .data, .server, .server.quorum) [3.4,4). ZooKeeper
     * 3.9.5's jars are no bundles (and split org.apache.zookeeper.server between them), and the 3.4.14 bundle that
     * Aries' Karaf feature installs cannot connect on Java 14+. So this writes a bundle that carries the two 3.9.5 jars
     * of this class path on its Bundle-ClassPath and exports their packages; what they use beyond slf4j (JDK
     * packages, Netty's SSL classes that the client configuration loads) is imported dynamically.
     */
    static void wrapZooKeeper(Path out) throws IOException {
        Path client = Path.of(jarOf(ZooKeeper.class));
        Path jute = Path.of(jarOf(org.apache.jute.Record.class));
        Manifest m = new Manifest();
        Attributes at = m.getMainAttributes();
        at.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        at.putValue("Bundle-ManifestVersion", "2");
        at.putValue("Bundle-SymbolicName", "org.apache.zookeeper.wrapped");
        at.putValue("Bundle-Version", "3.9.5");
        at.putValue("Bundle-ClassPath", "zookeeper.jar,zookeeper-jute.jar");
        StringBuilder exports = new StringBuilder();
        for (String p : new String[] {
            "org.apache.zookeeper",
            "org.apache.zookeeper.data",
            "org.apache.zookeeper.server",
            "org.apache.zookeeper.server.quorum",
            "org.apache.zookeeper.client",
            "org.apache.zookeeper.common",
            "org.apache.zookeeper.proto",
            "org.apache.jute"
        }) {
            exports.append(exports.length() == 0 ? "" : ",").append(p).append(";version=3.9.5");
        }
        at.putValue("Export-Package", exports.toString());
        at.putValue("Import-Package", "org.slf4j;version=\"[1.7,3)\"");
        at.putValue("DynamicImport-Package", "*");
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(out), m)) {
            for (Path p : new Path[] {client, jute}) {
                jar.putNextEntry(new JarEntry(p == client ? "zookeeper.jar" : "zookeeper-jute.jar"));
                Files.copy(p, jar);
                jar.closeEntry();
            }
        }
    }

    private static java.net.URI jarOf(Class<?> c) {
        try {
            return c.getProtectionDomain().getCodeSource().getLocation().toURI();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Counts down when {@code path} is deleted (re-arming the watch across data changes). */
    private static CountDownLatch deleted(String path) throws KeeperException, InterruptedException {
        CountDownLatch gone = new CountDownLatch(1);
        Watcher w = new Watcher() {
            @Override
            public void process(WatchedEvent e) {
                if (e.getType() == Event.EventType.None) {
                    return;
                }
                try {
                    if (e.getType() == Event.EventType.NodeDeleted || zk.exists(path, this) == null) {
                        gone.countDown();
                    }
                } catch (KeeperException ex) {
                    // the session's trouble: the test's wait reports it
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        if (zk.exists(path, w) == null) {
            gone.countDown();
        }
        return gone;
    }

    /**
     * Sets a configuration through the framework's Configuration Admin. Its API is the framework's own (not on
     * this class path), hence reflection.
     */
    private static void configure(BundleContext b, String pid, Map<String, Object> values) throws Exception {
        // all: the system bundle does not see the package, so the class-checked lookup would skip it
        ServiceReference<?>[] refs = b.getAllServiceReferences("org.osgi.service.cm.ConfigurationAdmin", null);
        assertNotNull("Configuration Admin runs", refs);
        ServiceReference<?> ref = refs[0];
        Object admin = b.getService(ref);
        try {
            Class<?> adminType = ref.getBundle().loadClass("org.osgi.service.cm.ConfigurationAdmin");
            Class<?> configType = ref.getBundle().loadClass("org.osgi.service.cm.Configuration");
            Object config = adminType
                    .getMethod("getConfiguration", String.class, String.class)
                    .invoke(admin, pid, null);
            Dictionary<String, Object> d = new Hashtable<>(values);
            configType.getMethod("update", Dictionary.class).invoke(config, d);
        } finally {
            b.ungetService(ref);
        }
    }

    private static String[] strings(Object v) {
        if (v instanceof String[]) {
            return (String[]) v;
        }
        if (v instanceof java.util.Collection) {
            return ((java.util.Collection<?>) v).stream().map(String::valueOf).toArray(String[]::new);
        }
        return v == null ? new String[0] : new String[] {String.valueOf(v)};
    }
}
