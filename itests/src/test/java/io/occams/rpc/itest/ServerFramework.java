package io.occams.rpc.itest;

import static org.junit.Assert.assertNotNull;

import java.io.ByteArrayInputStream;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.util.tracker.ServiceTracker;

/**
 * A second OSGi framework, of the kind running the test, started beside the test's own: every bundle of
 * target/itest/bundles installed from the same jars and started (the logging set-up first), so that a
 * server in it and a client in the test's framework share nothing but the wire. It is driven by class
 * name and reflection ({@link #configureServer}, {@link #awaitAddress}), since its classes are its own.
 * {@link #launch} is the start itself, for tests that want other bundles or framework properties.
 */
public final class ServerFramework implements AutoCloseable {
    /** How long a service of the other framework may take to appear, on a loaded 2-core machine. */
    private static final long WAIT_MILLIS = 60_000;

    private final Framework framework;
    private boolean stopped;

    private ServerFramework(Framework framework) {
        this.framework = framework;
    }

    /**
     * Starts a framework with every bundle of target/itest/bundles that runs on this Java, its storage
     * named after this run and {@code name}.
     */
    public static ServerFramework start(String name) throws Exception {
        return new ServerFramework(launch(OsgiSetup.runName() + "-" + name, Map.of(), List.of(), "bundles"));
    }

    /**
     * Starts a framework whose storage is target/itest/../paxexam/{@code storage} (cleaned first), with
     * {@code properties} added to its launch properties (an empty value drops one), the bundles of the
     * {@code folders} of target/itest that run on this Java (the slf4j and SPI Fly bundles started first)
     * and then the third-party jars {@code more}, all started.
     */
    public static Framework launch(String storage, Map<String, String> properties, List<Path> more, String... folders)
            throws Exception {
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class, FrameworkFactory.class.getClassLoader())
                .iterator()
                .next();
        Map<String, String> props = new HashMap<>();
        Path dir = Path.of(System.getProperty("occams.itest.dir"))
                .resolveSibling("paxexam")
                .resolve(storage);
        props.put(Constants.FRAMEWORK_STORAGE, dir.toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.putAll(properties);
        props.values().removeIf(String::isEmpty);
        Framework fw = factory.newFramework(props);
        fw.start();
        BundleContext b = fw.getBundleContext();
        List<Bundle> logging = new ArrayList<>();
        List<Bundle> rest = new ArrayList<>();
        for (String folder : folders) {
            for (BundleJar jar : BundleJar.in(folder)) {
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
        }
        for (Bundle x : logging) {
            x.start();
        }
        for (Path jar : more) {
            rest.add(b.installBundle(jar.toUri().toString()));
        }
        for (Bundle x : rest) {
            x.start();
        }
        return fw;
    }

    /** The other framework's system bundle context. */
    public BundleContext context() {
        return framework.getBundleContext();
    }

    /** Installs {@code bytes} as a bundle at {@code location} in the other framework and starts it. */
    public Bundle installStarted(String location, byte[] bytes) throws Exception {
        Bundle b = context().installBundle(location, new ByteArrayInputStream(bytes));
        b.start();
        return b;
    }

    /**
     * Creates a server factory configuration ({@link Rpc#SERVER_PID}) with {@code keysAndValues} through the
     * other framework's own Configuration Admin.
     */
    public void configureServer(Object... keysAndValues) throws Exception {
        ServiceTracker<Object, Object> t = new ServiceTracker<>(
                context(), FrameworkUtil.createFilter("(objectClass=org.osgi.service.cm.ConfigurationAdmin)"), null);
        t.open(true);
        try {
            Object admin = t.waitForService(WAIT_MILLIS);
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
            update.invoke(config, Rpc.dictionary(keysAndValues));
        } finally {
            t.close();
        }
    }

    /** Waits for a listening server in the other framework and returns its first address. */
    public String awaitAddress() throws Exception {
        ServiceTracker<Object, Object> t = new ServiceTracker<>(
                context(),
                FrameworkUtil.createFilter("(&(objectClass=" + Rpc.SERVER_CLASS + ")(occams.server.addresses=*))"),
                null);
        t.open(true);
        try {
            assertNotNull("a listening server in the server framework", t.waitForService(WAIT_MILLIS));
            return ((String[]) t.getServiceReference().getProperty("occams.server.addresses"))[0];
        } finally {
            t.close();
        }
    }

    /** Stops the other framework and waits up to {@code millis} for it: the event that ended the wait. */
    public FrameworkEvent stop(long millis) throws Exception {
        stopped = true;
        framework.stop();
        return framework.waitForStop(millis);
    }

    /** Stops the other framework unless {@link #stop} did. */
    @Override
    public void close() throws Exception {
        if (!stopped) {
            stop(60_000);
        }
    }
}
