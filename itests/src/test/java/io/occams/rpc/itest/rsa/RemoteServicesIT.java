package io.occams.rpc.itest.rsa;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.occams.rpc.itest.ServerFramework;
import io.occams.rpc.itest.rsa.api.Greeter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.launch.Framework;
import org.osgi.service.remoteserviceadmin.EndpointDescription;
import org.osgi.service.remoteserviceadmin.EndpointEvent;
import org.osgi.service.remoteserviceadmin.EndpointEventListener;
import org.osgi.service.remoteserviceadmin.ExportRegistration;
import org.osgi.service.remoteserviceadmin.ImportRegistration;
import org.osgi.service.remoteserviceadmin.RemoteConstants;
import org.osgi.service.remoteserviceadmin.RemoteServiceAdmin;
import org.osgi.util.tracker.ServiceTracker;

/**
 * OSGi Remote Services through the occams provider, in two real frameworks of this JVM: each runs our bundles,
 * Aries RSA 1.16.1 (spi, core, topology manager) and the occams provider; {@link TestDiscovery} carries the
 * endpoints from the exporting framework to the importing one. The service interface and the RSA API come from
 * the system bundle of both, so the test holds the imported proxies as they are.
 */
public class RemoteServicesIT {
    private static final long WAIT = 30;
    private static Framework exporter;
    private static Framework importer;
    private static TestDiscovery discovery;

    @BeforeClass
    public static void startFrameworks() throws Exception {
        exporter = start("rsa-exporter");
        importer = start("rsa-importer");
        discovery = new TestDiscovery(exporter.getBundleContext(), importer.getBundleContext());
    }

    @AfterClass
    public static void stopFrameworks() throws Exception {
        if (discovery != null) {
            discovery.close();
        }
        for (Framework f : new Framework[] {importer, exporter}) {
            if (f != null) {
                f.stop();
                f.waitForStop(30_000);
            }
        }
    }

    @Test
    public void aPlainServiceExportedInOneFrameworkIsCalledThroughAProxyInTheOther() throws Exception {
        ServiceRegistration<Greeter> reg = export("plain", new Impl("one"), "app.color", "red", ".secret", "hidden");
        try (Imported imported = new Imported("plain")) {
            Greeter g = imported.await();
            assertEquals("one:ann", g.hello("ann"));
            assertEquals("one:bob", g.helloAsync("bob").get(WAIT, TimeUnit.SECONDS));
            ServiceReference<Greeter> ref = imported.tracker.getServiceReference();
            assertNotNull("an imported service says so", ref.getProperty(RemoteConstants.SERVICE_IMPORTED));
            assertEquals("public properties travel", "red", ref.getProperty("app.color"));
            assertNull("private properties do not", ref.getProperty(".secret"));
            assertNull(
                    "service.exported.* is not copied", ref.getProperty(RemoteConstants.SERVICE_EXPORTED_INTERFACES));
            String id = (String) ref.getProperty(RemoteConstants.ENDPOINT_ID);
            assertTrue(id, id.startsWith("occams.tcp://127.0.0.1:"));
            assertTrue(List.of(strings(ref.getProperty(RemoteConstants.SERVICE_IMPORTED_CONFIGS)))
                    .contains("occams.tcp"));
            assertTrue(List.of(strings(ref.getProperty(RemoteConstants.SERVICE_INTENTS)))
                    .contains("osgi.async"));
        } finally {
            reg.unregister();
        }
    }

    @Test
    public void eachExportHasItsOwnEndpointIdAndExportsOnOnePortShareOneServer() throws Exception {
        ServiceRegistration<Greeter> r1 = export("twin-1", new Impl("a"));
        ServiceRegistration<Greeter> r2 = export("twin-2", new Impl("b"));
        try (Imported i1 = new Imported("twin-1");
                Imported i2 = new Imported("twin-2")) {
            assertEquals("a:x", i1.await().hello("x"));
            assertEquals("b:x", i2.await().hello("x"));
            String id1 = (String) i1.tracker.getServiceReference().getProperty(RemoteConstants.ENDPOINT_ID);
            String id2 = (String) i2.tracker.getServiceReference().getProperty(RemoteConstants.ENDPOINT_ID);
            assertFalse(id1.equals(id2));
            assertEquals(
                    "one server for the exports without a port",
                    i1.tracker.getServiceReference().getProperty("occams.tcp.address"),
                    i2.tracker.getServiceReference().getProperty("occams.tcp.address"));
        } finally {
            r1.unregister();
            r2.unregister();
        }
    }

    @Test
    public void invalidOrUnknownOccamsPropertiesFailTheExportWithIllegalArgumentException() throws Exception {
        BundleContext a = exporter.getBundleContext();
        ServiceRegistration<Greeter> reg =
                a.registerService(Greeter.class, new Impl("x"), dict("test.case", "invalid"));
        ServiceReference<RemoteServiceAdmin> rsaRef = a.getServiceReference(RemoteServiceAdmin.class);
        RemoteServiceAdmin rsa = a.getService(rsaRef);
        try {
            for (Object[] bad : new Object[][] {
                {"occams.tcp.port", "not-a-port"},
                {"occams.tcp.port", 70000},
                {"occams.tcp.bogus", "x"},
                {"occams.tcp.name", "with.dot"},
                {"occams.tcp.runtime", "no-such-runtime"},
                {"occams.tcp.address", "1.2.3.4:5"}
            }) {
                Map<String, Object> props = new HashMap<>();
                props.put(RemoteConstants.SERVICE_EXPORTED_INTERFACES, "*");
                props.put(RemoteConstants.SERVICE_EXPORTED_CONFIGS, "occams.tcp");
                props.put((String) bad[0], bad[1]);
                // The spec lets RemoteServiceAdmin throw it, or report it in the registration; Aries 1.16.1 throws.
                Throwable e;
                try {
                    Collection<ExportRegistration> regs = rsa.exportService(reg.getReference(), props);
                    assertEquals(bad[0] + "=" + bad[1], 1, regs.size());
                    ExportRegistration r = regs.iterator().next();
                    e = r.getException();
                    r.close();
                } catch (IllegalArgumentException thrown) {
                    e = thrown;
                }
                assertNotNull(bad[0] + "=" + bad[1] + " is refused", e);
                assertTrue(bad[0] + "=" + bad[1] + ": " + e, chainHas(e, IllegalArgumentException.class));
            }
        } finally {
            a.ungetService(rsaRef);
            reg.unregister();
        }
    }

    @Test
    public void osgiBasicTimeoutBoundsACallThatDoesNotReturn() throws Exception {
        Impl impl = new Impl("slow");
        ServiceRegistration<Greeter> reg = export("timeout", impl, "osgi.basic.timeout", 300L);
        try (Imported imported = new Imported("timeout")) {
            Greeter g = imported.await();
            try {
                g.hold("x");
                fail("the held call returned");
            } catch (RuntimeException e) {
                assertEquals("io.occams.rpc.api.RpcException", e.getClass().getName());
                assertTrue(String.valueOf(e), String.valueOf(e).contains("timeout"));
            } finally {
                impl.release();
            }
            assertEquals("slow:y", g.hello("y"));
        } finally {
            reg.unregister();
        }
    }

    @Test
    public void anUpdatedEndpointIsAnnouncedWithTheNewPropertiesAndStillImports() throws Exception {
        ServiceRegistration<Greeter> reg = export("update", new Impl("u"), "app.color", "red");
        CountDownLatch blue = new CountDownLatch(1);
        AtomicReference<EndpointDescription> modified = new AtomicReference<>();
        ServiceRegistration<EndpointEventListener> watch = exporter.getBundleContext()
                .registerService(
                        EndpointEventListener.class,
                        (event, filter) -> {
                            if (event.getType() == EndpointEvent.MODIFIED
                                    && "blue"
                                            .equals(event.getEndpoint()
                                                    .getProperties()
                                                    .get("app.color"))) {
                                modified.set(event.getEndpoint());
                                blue.countDown();
                            }
                        },
                        dict(EndpointEventListener.ENDPOINT_LISTENER_SCOPE, "(test.case=update)"));
        try (Imported imported = new Imported("update")) {
            Greeter before = imported.await();
            Hashtable<String, Object> props = exportProps("update");
            props.put("app.color", "blue");
            reg.setProperties(props);
            assertTrue("the endpoint is announced modified, blue", blue.await(WAIT, TimeUnit.SECONDS));
            assertEquals("the proxy imported before still calls", "u:z", before.hello("z"));
            // Aries core rebuilds a modified endpoint from the service's properties alone (our occams.tcp.address
            // is not in it): the endpoint id must be enough to import it. A copy under another id (so RSA imports it
            // afresh), without any occams.tcp.* property:
            Map<String, Object> copy = new HashMap<>(modified.get().getProperties());
            copy.keySet().removeIf(k -> k.startsWith("occams.tcp."));
            String id = modified.get().getId();
            copy.put(RemoteConstants.ENDPOINT_ID, id.substring(0, id.lastIndexOf('/') + 1) + "copy");
            BundleContext b = importer.getBundleContext();
            ServiceReference<RemoteServiceAdmin> rsaRef = b.getServiceReference(RemoteServiceAdmin.class);
            ImportRegistration ir = b.getService(rsaRef).importService(new EndpointDescription(copy));
            try {
                assertNull(String.valueOf(ir.getException()), ir.getException());
                @SuppressWarnings("unchecked")
                ServiceReference<Greeter> ref =
                        (ServiceReference<Greeter>) ir.getImportReference().getImportedService();
                assertEquals("blue", ref.getProperty("app.color"));
                assertEquals("u:w", b.getService(ref).hello("w"));
                b.ungetService(ref);
            } finally {
                ir.close();
                b.ungetService(rsaRef);
            }
        } finally {
            watch.unregister();
            reg.unregister();
        }
    }

    @Test
    public void aServiceReRegisteredUnderLoadIsServedAgainWithoutAFailedCall() throws Exception {
        ServiceRegistration<Greeter> reg = export("reexport", new Impl("old"), "occams.tcp.name", "greeter");
        try (Imported imported = new Imported("reexport")) {
            Greeter g = imported.await();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong ok = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            AtomicReference<Throwable> firstFailure = new AtomicReference<>();
            CountDownLatch started = new CountDownLatch(200);
            CountDownLatch fromNew = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                Thread th = new Thread(
                        () -> {
                            while (!stop.get()) {
                                try {
                                    String r = g.hello("c");
                                    ok.incrementAndGet();
                                    started.countDown();
                                    if (r.startsWith("new:")) {
                                        fromNew.countDown();
                                    }
                                } catch (RuntimeException e) {
                                    failed.incrementAndGet();
                                    firstFailure.compareAndSet(null, e);
                                }
                            }
                        },
                        "rsa-load-" + t);
                th.start();
                threads.add(th);
            }
            try {
                assertTrue(
                        "load under way (" + ok.get() + " calls, " + failed.get() + " failed, first: "
                                + firstFailure.get() + ")",
                        started.await(WAIT, TimeUnit.SECONDS));
                reg.unregister();
                reg = export("reexport", new Impl("new"), "occams.tcp.name", "greeter");
                assertTrue(
                        "replies from the new registration (" + ok.get() + " calls, " + failed.get()
                                + " failed, first: " + firstFailure.get() + ")",
                        fromNew.await(WAIT, TimeUnit.SECONDS));
            } finally {
                stop.set(true);
                for (Thread th : threads) {
                    th.join();
                }
            }
            System.out.println("RSA RE-EXPORT: " + ok.get() + " calls, " + failed.get() + " failed");
            assertEquals("failed calls (first: " + firstFailure.get() + ")", 0, failed.get());
        } finally {
            reg.unregister();
        }
    }

    @Test
    public void stoppingTheProviderWithdrawsTheImportAndItsCallsFailRatherThanHang() throws Exception {
        ServiceRegistration<Greeter> reg = export("provider-stop", new Impl("p"));
        Bundle provider = bundle(exporter.getBundleContext(), "io.occams.rpc.rsa");
        try (Imported imported = new Imported("provider-stop")) {
            Greeter g = imported.await();
            assertEquals("p:1", g.hello("1"));
            CountDownLatch gone = new CountDownLatch(1);
            importer.getBundleContext()
                    .addServiceListener(
                            ev -> {
                                if (ev.getType() == org.osgi.framework.ServiceEvent.UNREGISTERING) {
                                    gone.countDown();
                                }
                            },
                            "(test.case=provider-stop)");
            provider.stop();
            assertTrue("the imported service is withdrawn", gone.await(WAIT, TimeUnit.SECONDS));
            try {
                g.hello("2");
                fail("a call through the withdrawn proxy succeeded");
            } catch (RuntimeException e) {
                assertEquals(
                        String.valueOf(e),
                        "io.occams.rpc.api.RpcException",
                        e.getClass().getName());
            }
            provider.start();
            Greeter back = imported.awaitAgain();
            assertEquals("p:3", back.hello("3"));
        } finally {
            if (provider.getState() != Bundle.ACTIVE) {
                provider.start();
            }
            reg.unregister();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    public void whenAnExportingFrameworkIsKilledTheSharedProxyFailsOverToTheOtherEndpoint() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Doccams.itest.dir=" + System.getProperty("occams.itest.dir"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp",
                System.getProperty("java.class.path"),
                ExporterMain.class.getName(),
                "survivor");
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process child = pb.start();
        ServiceRegistration<Greeter> reg = export("killed", new Impl("a"), "occams.tcp.name", "survivor");
        ImportRegistration ir = null;
        BundleContext b = importer.getBundleContext();
        ServiceReference<RemoteServiceAdmin> rsaRef = null;
        try (Imported imported = new Imported("killed")) {
            java.io.BufferedReader out =
                    new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream()));
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("ENDPOINT ") && !line.startsWith("NO EXPORT")) {
                // the child's other output
            }
            assertNotNull("the child exported", line);
            assertTrue(line, line.startsWith("ENDPOINT "));
            Greeter g = imported.await();
            // The child's endpoint, as a discovery would hand it over: same name, so the same proxy and pool.
            Map<String, Object> ep = new HashMap<>();
            ep.put(
                    RemoteConstants.ENDPOINT_ID,
                    line.substring("ENDPOINT ".length()).trim());
            ep.put(Constants.OBJECTCLASS, new String[] {Greeter.class.getName()});
            ep.put(RemoteConstants.SERVICE_IMPORTED_CONFIGS, "occams.tcp");
            ep.put("occams.tcp.name", "survivor");
            ep.put("test.case", "killed-child");
            rsaRef = b.getServiceReference(RemoteServiceAdmin.class);
            ir = b.getService(rsaRef).importService(new EndpointDescription(ep));
            assertNull(String.valueOf(ir.getException()), ir.getException());
            Greeter viaChild = b.getService(
                    (ServiceReference<Greeter>) ir.getImportReference().getImportedService());
            assertTrue("one proxy for the logical service", viaChild == g);
            java.util.Set<String> answers = new java.util.HashSet<>();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT);
            while (answers.size() < 2 && System.nanoTime() < until) { // until the child's pool is up and has its turn
                answers.add(g.hello("x"));
            }
            assertEquals("both endpoints answer", java.util.Set.of("a:x", "child:x"), answers);
            child.destroyForcibly().waitFor();
            int failed = 0;
            for (int i = 0; i < 50; i++) {
                try {
                    assertEquals("a:y", g.hello("y"));
                } catch (RuntimeException e) {
                    failed++;
                }
            }
            assertEquals("calls failed after the kill", 0, failed);
        } finally {
            child.destroyForcibly();
            if (ir != null) {
                ir.close();
            }
            if (rsaRef != null) {
                b.ungetService(rsaRef);
            }
            reg.unregister();
        }
    }

    // ---- helpers

    static Framework start(String name, String... moreFolders) throws Exception {
        return start(name, Map.of(), moreFolders);
    }

    /**
     * A Felix framework with our bundles, the RSA ones and the third-party bundles of {@code moreFolders}, started;
     * {@code overrides} replace framework properties of the default set (an empty value drops one).
     */
    static Framework start(String name, Map<String, String> overrides, String... moreFolders) throws Exception {
        Map<String, String> props = new HashMap<>();
        // No JVM-wide URL handler factory from these frameworks: it outlives them and then breaks the link: URLs
        // of the Pax Exam tests that run after this one in the same JVM.
        props.put("felix.service.urlhandlers", "false");
        props.put(
                Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA,
                "io.occams.rpc.itest.rsa.api;version=1.0.0,org.osgi.service.remoteserviceadmin;version=1.1.0");
        // The topology manager requires a discovery; TestDiscovery is it.
        props.put(
                Constants.FRAMEWORK_SYSTEMCAPABILITIES_EXTRA,
                "osgi.remoteserviceadmin.discovery;protocols:List<String>=\"test\";version:Version=\"1.1.0\"");
        props.putAll(overrides);
        List<Path> more = new ArrayList<>();
        for (String folder : moreFolders) { // third-party bundles only (BundleJar.in wants one of ours)
            try (java.util.stream.Stream<Path> files =
                    java.nio.file.Files.list(Path.of(System.getProperty("occams.itest.dir"), folder))) {
                files.filter(f -> f.toString().endsWith(".jar")).sorted().forEach(more::add);
            }
        }
        return ServerFramework.launch(name, props, more, "bundles", "rsa");
    }

    private static ServiceRegistration<Greeter> export(String testCase, Greeter impl, Object... more) {
        Hashtable<String, Object> props = exportProps(testCase);
        for (int i = 0; i < more.length; i += 2) {
            props.put((String) more[i], more[i + 1]);
        }
        return exporter.getBundleContext().registerService(Greeter.class, impl, props);
    }

    static Hashtable<String, Object> exportProps(String testCase) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("test.case", testCase);
        props.put(RemoteConstants.SERVICE_EXPORTED_INTERFACES, "*");
        props.put(RemoteConstants.SERVICE_EXPORTED_CONFIGS, "occams.tcp");
        props.put("occams.tcp.host", "127.0.0.1");
        return props;
    }

    private static Hashtable<String, Object> dict(Object... kv) {
        Hashtable<String, Object> d = new Hashtable<>();
        for (int i = 0; i < kv.length; i += 2) {
            d.put((String) kv[i], kv[i + 1]);
        }
        return d;
    }

    private static Bundle bundle(BundleContext b, String bsn) {
        for (Bundle x : b.getBundles()) {
            if (bsn.equals(x.getSymbolicName())) {
                return x;
            }
        }
        throw new AssertionError("no bundle " + bsn);
    }

    private static String[] strings(Object v) {
        if (v instanceof String[]) {
            return (String[]) v;
        }
        if (v instanceof Collection) {
            return ((Collection<?>) v).stream().map(String::valueOf).toArray(String[]::new);
        }
        return v == null ? new String[0] : new String[] {String.valueOf(v)};
    }

    private static boolean chainHas(Throwable e, Class<?> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** The imported proxies of one test case in the importing framework (opening the tracker is the interest). */
    static final class Imported implements AutoCloseable {
        final ServiceTracker<Greeter, Greeter> tracker;

        Imported(String testCase) throws Exception {
            tracker = new ServiceTracker<>(
                    importer.getBundleContext(),
                    FrameworkUtil.createFilter(
                            "(&(objectClass=" + Greeter.class.getName() + ")(test.case=" + testCase + "))"),
                    null);
            tracker.open();
        }

        Greeter await() throws InterruptedException {
            Greeter g = tracker.waitForService(TimeUnit.SECONDS.toMillis(WAIT));
            assertNotNull("the proxy is imported", g);
            return g;
        }

        /** Waits for the proxy service again, after the one it had was withdrawn. */
        Greeter awaitAgain() throws InterruptedException {
            return await();
        }

        @Override
        public void close() {
            tracker.close();
        }
    }

    /** The exported implementation: answers "<tag>:<name>"; {@link #hold} waits for {@link #release}. */
    public static final class Impl implements Greeter {
        private final String tag;
        private final CountDownLatch released = new CountDownLatch(1);

        Impl(String tag) {
            this.tag = tag;
        }

        @Override
        public String hello(String name) {
            return tag + ":" + name;
        }

        @Override
        public long echo(long x) {
            return x;
        }

        @Override
        public CompletableFuture<String> helloAsync(String name) {
            return CompletableFuture.completedFuture(tag + ":" + name);
        }

        @Override
        public String hold(String name) {
            try {
                released.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return tag + ":" + name;
        }

        @Override
        public void release() {
            released.countDown();
        }
    }
}
