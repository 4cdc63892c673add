package io.occams.rpc.cli;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * The embedded OSGi framework behind {@code occams serve}: Apache Felix found through its
 * {@link FrameworkFactory}, with every jar of {@code bundle/} installed and started, then Felix
 * FileInstall watching {@code etc/} (configurations for Configuration Admin) and {@code deploy/}
 * (bundles: installed, updated, uninstalled as files come, change and go).
 *
 * <p>slf4j is not a bundle here: the system bundle exports {@code org.slf4j} from the class path, so
 * every bundle logs through the slf4j-simple of the command, with no service-loader mediator.
 *
 * <p>{@link #run} owns the calling thread until the framework stops; SIGTERM and SIGINT stop it
 * (once; a second signal exits at once). A fresh framework cache in the temporary folder each run,
 * removed at the end: what runs is always what {@code bundle/}, {@code etc/} and {@code deploy/} hold.
 */
final class FelixServer {
    /** The service the server component registers; looked up by name, its class lives in a bundle. */
    static final String SERVER_CLASS = "io.occams.rpc.server.RpcServer";
    /** The examples bundle's stream fixture registers its StreamServer (with the same address property). */
    static final String STREAM_SERVER_CLASS = "io.occams.rpc.stream.StreamServer";
    /** Service properties of a listening server (see the server bundle's ServerComponent). */
    static final String ADDRESSES_PROPERTY = "occams.server.addresses";

    static final String RUNTIME_PROPERTY = "occams.runtime";
    private static final String FILEINSTALL = "org.apache.felix.fileinstall";
    /** How the stream fixture's line starts: "occams-rpc stream fixture listening on ...". */
    private static final String FIXTURE = "stream fixture listening on ";

    private final Path bundleDir;
    private final Path etcDir;
    private final Path deployDir;
    private final Map<String, String> vars;
    private final List<String> skip;
    private final AtomicReference<String> stopReason = new AtomicReference<>();
    /** Set by the first signal; read by the main thread after the framework stopped. */
    private volatile Framework framework;

    FelixServer(Path bundleDir, Path etcDir, Path deployDir, Map<String, String> vars, List<String> skip) {
        this.bundleDir = bundleDir;
        this.etcDir = etcDir;
        this.deployDir = deployDir;
        this.vars = vars;
        this.skip = skip;
    }

    /** Boots, prints where the server listens, waits until stopped; returns the exit code. */
    int run(Duration readyTimeout, Duration stopTimeout, int expectedAddresses) throws IOException {
        Path cache = Files.createTempDirectory("occams-felix-");
        try {
            return boot(cache, readyTimeout, stopTimeout, expectedAddresses);
        } catch (BundleException | RuntimeException e) {
            System.err.println("occams serve: the server did not start: " + e);
            stopQuietly();
            return Main.UNAVAILABLE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } finally {
            deleteTree(cache);
        }
    }

    private int boot(Path cache, Duration readyTimeout, Duration stopTimeout, int expectedAddresses)
            throws BundleException, InterruptedException, IOException {
        long started = System.nanoTime();
        Map<String, String> props = new HashMap<>(vars);
        props.put(Constants.FRAMEWORK_STORAGE, cache.resolve("felix").toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, slf4jPackages());
        // etc/ first, so the server's configuration is there before the first service bundle.
        props.put("felix.fileinstall.dir", etcDir + "," + deployDir);
        props.put("felix.fileinstall.filter", ".*\\.(jar|cfg|config)");
        props.put("felix.fileinstall.poll", "500");
        props.put("felix.fileinstall.noInitialDelay", "true");
        // The .cfg files hold ${occams.*} placeholders: never write resolved values back into them.
        props.put("felix.fileinstall.enableConfigSave", "false");
        props.put("felix.fileinstall.tmpdir", cache.resolve("fileinstall").toString());
        props.put("felix.fileinstall.log.level", "2");
        props.put("ds.loglevel", "warn");

        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class)
                .findFirst()
                .orElseThrow(() ->
                        new IllegalStateException("no OSGi framework on the class path (lib/ should hold Felix)"));
        Framework fw = factory.newFramework(props);
        fw.init();
        framework = fw;
        installSignalHandlers(stopTimeout);
        BundleContext ctx = fw.getBundleContext();
        ctx.addBundleListener(this::deployEvent);

        List<Bundle> toStart = new ArrayList<>();
        Bundle fileInstall = null;
        List<Path> jars;
        try (Stream<Path> s = Files.list(bundleDir)) {
            jars = s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
        for (Path jar : jars) {
            Bundle b = ctx.installBundle(jar.toUri().toString());
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) != null || skip.contains(b.getSymbolicName())) {
                continue;
            }
            if (FILEINSTALL.equals(b.getSymbolicName())) {
                fileInstall = b;
            } else {
                toStart.add(b);
            }
        }
        fw.start();
        for (Bundle b : toStart) {
            try {
                b.start();
            } catch (BundleException e) {
                // e.g. runtime-vthreads on a Java older than 21: it does not resolve and Netty serves.
                System.err.println("warning: bundle " + b.getSymbolicName() + " not started: " + e.getMessage());
            }
        }
        if (fileInstall == null) {
            throw new IllegalStateException("no Felix FileInstall bundle in " + bundleDir);
        }
        fileInstall.start();
        System.out.printf(
                "occams-rpc: %d bundles on %s %s, Java %s%n",
                ctx.getBundles().length - 1, fw.getSymbolicName(), fw.getVersion(), System.getProperty("java.version"));
        System.out.println("occams-rpc: configuration " + etcDir + ", deploy folder " + deployDir);

        List<String> addresses = awaitAddresses(ctx, System.nanoTime() + readyTimeout.toNanos(), expectedAddresses);
        if (addresses.size() < expectedAddresses && stopReason.get() == null) {
            System.err.printf(
                    "occams serve: %s within %d s (see the log above); stopping%n",
                    addresses.isEmpty()
                            ? "no server listening"
                            : "only " + String.join(", ", addresses) + " listening, not all " + expectedAddresses
                                    + " listeners asked for",
                    readyTimeout.toSeconds());
            stopQuietly();
            return Main.UNAVAILABLE;
        }
        if (!addresses.isEmpty()) { // else a signal came first: go on to stop
            for (String a : addresses) {
                System.out.println(a.startsWith(FIXTURE) ? "occams-rpc " + a : "occams-rpc listening on " + a);
            }
            System.out.printf(
                    "occams-rpc ready in %d ms (SIGTERM or Ctrl-C stops it)%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            System.out.flush();
        }

        FrameworkEvent end = fw.waitForStop(0);
        String why = stopReason.get();
        System.out.println("occams-rpc stopped" + (why != null ? " (" + why + ")" : "")
                + (end.getType() == FrameworkEvent.ERROR ? ": " + end.getThrowable() : ""));
        System.out.flush();
        return end.getType() == FrameworkEvent.ERROR ? 1 : 0;
    }

    /**
     * The addresses of the servers registered in the framework, as soon as at least {@code expected}
     * are known or the deadline passes. The server component registers each listening server as an
     * {@code RpcServer} service with {@code occams.server.addresses} (the bound addresses, the real port
     * when 0 was asked for) and {@code occams.runtime}: read from the properties, no class is shared.
     */
    private List<String> awaitAddresses(BundleContext ctx, long deadline, int expected) {
        Set<String> found = new LinkedHashSet<>();
        while (stopReason.get() == null) {
            found.clear();
            try {
                ServiceReference<?>[] refs = ctx.getServiceReferences(SERVER_CLASS, null);
                for (ServiceReference<?> ref : refs == null ? new ServiceReference<?>[0] : refs) {
                    Object runtime = ref.getProperty(RUNTIME_PROPERTY);
                    for (String a : strings(ref.getProperty(ADDRESSES_PROPERTY))) {
                        found.add(a + (runtime != null ? " (" + runtime + " runtime)" : ""));
                    }
                }
                // All, not only the class-compatible ones: the command's own class path (lib/) has a
                // StreamServer too, which the framework would hold against the bundle's.
                ServiceReference<?>[] fixtures =
                        ctx.getAllServiceReferences(STREAM_SERVER_CLASS, "(occams.fixture=file)");
                for (ServiceReference<?> ref : fixtures == null ? new ServiceReference<?>[0] : fixtures) {
                    for (String a : strings(ref.getProperty(ADDRESSES_PROPERTY))) {
                        found.add(FIXTURE + a + " (numeric actions Open=1, Read=2, Write=3)");
                    }
                }
            } catch (InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            }
            if (found.size() >= expected || System.nanoTime() - deadline >= 0) {
                return new ArrayList<>(found);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        return new ArrayList<>(found);
    }

    private static List<String> strings(Object value) {
        List<String> out = new ArrayList<>();
        if (value instanceof String[] a) {
            out.addAll(List.of(a));
        } else if (value instanceof Iterable<?> it) {
            it.forEach(v -> out.add(String.valueOf(v)));
        } else if (value != null) {
            out.add(value.toString());
        }
        return out;
    }

    /** One line per bundle that comes, changes or goes through deploy/. */
    private void deployEvent(BundleEvent e) {
        String loc = e.getBundle().getLocation();
        if (loc == null || !loc.contains(deployDir.toUri().getPath())) {
            return;
        }
        String what;
        switch (e.getType()) {
            case BundleEvent.STARTED -> what = "started";
            case BundleEvent.UPDATED -> what = "updated";
            case BundleEvent.UNINSTALLED -> what = "uninstalled";
            default -> {
                return;
            }
        }
        System.out.printf(
                "deploy: %s %s %s (%s)%n",
                what,
                e.getBundle().getSymbolicName(),
                e.getBundle().getVersion(),
                loc.substring(loc.lastIndexOf('/') + 1));
    }

    /**
     * SIGTERM and SIGINT stop the framework (the server shuts down gracefully as its bundle stops) and
     * the command then exits 0; a second signal exits at once. {@code sun.misc.Signal} is reached
     * reflectively so the command has no compile-time tie to jdk.unsupported; without it a shutdown
     * hook does the same and the JVM exits 143.
     */
    private void installSignalHandlers(Duration stopTimeout) {
        Runnable hook = () -> stop("shutdown", stopTimeout);
        java.lang.Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            Framework fw = framework;
                            if (fw != null
                                    && (fw.getState() & (Bundle.ACTIVE | Bundle.STARTING | Bundle.STOPPING)) != 0) {
                                hook.run();
                                try {
                                    fw.waitForStop(stopTimeout.toMillis());
                                } catch (InterruptedException ie) {
                                    Thread.currentThread().interrupt();
                                }
                            }
                        },
                        "occams-serve-shutdown"));
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Method handle = signal.getMethod("handle", signal, handler);
            for (String name : new String[] {"TERM", "INT"}) {
                Object h = Proxy.newProxyInstance(handler.getClassLoader(), new Class<?>[] {handler}, (p, m, a) -> {
                    if (m.getName().equals("handle")) {
                        stop("SIG" + name, stopTimeout);
                        return null;
                    }
                    return m.getName().equals("equals")
                            ? p == a[0]
                            : m.getName().equals("hashCode") ? System.identityHashCode(p) : "signal handler";
                });
                handle.invoke(null, signal.getConstructor(String.class).newInstance(name), h);
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // no sun.misc.Signal here: the shutdown hook above stops the framework instead
        }
    }

    private void stop(String why, Duration stopTimeout) {
        if (!stopReason.compareAndSet(null, why)) {
            if (!"shutdown".equals(why)) {
                System.err.println("occams-rpc: second " + why + ", exiting now");
                java.lang.Runtime.getRuntime().halt(130);
            }
            return;
        }
        System.out.println("occams-rpc stopping (" + why + "): answering accepted calls, then closing");
        System.out.flush();
        Thread watchdog = new Thread(
                () -> {
                    try {
                        Framework fw = framework;
                        fw.stop();
                        if (fw.waitForStop(stopTimeout.toMillis()).getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                            System.err.printf("error: did not stop within %d s, exiting%n", stopTimeout.toSeconds());
                            java.lang.Runtime.getRuntime().halt(1);
                        }
                    } catch (BundleException | InterruptedException e) {
                        System.err.println("error: stopping the framework: " + e);
                    }
                },
                "occams-serve-stop");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private void stopQuietly() {
        Framework fw = framework;
        if (fw == null) {
            return;
        }
        stopReason.compareAndSet(null, "startup failed");
        try {
            fw.stop();
            fw.waitForStop(TimeUnit.SECONDS.toMillis(30));
        } catch (BundleException | InterruptedException | RuntimeException e) {
            // best effort: the process is about to exit
        }
    }

    /** The org.slf4j packages of the class path's slf4j-api, at its own version, for the system bundle to export. */
    private static String slf4jPackages() throws IOException {
        String version = "2.0.0";
        URL jar = org.slf4j.LoggerFactory.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation();
        try (InputStream in = jar.openStream();
                JarInputStream j = new JarInputStream(in)) {
            Manifest mf = j.getManifest();
            String v = mf == null ? null : mf.getMainAttributes().getValue(Constants.BUNDLE_VERSION);
            if (v != null) {
                version = v;
            }
        }
        StringBuilder b = new StringBuilder();
        for (String p : new String[] {"org.slf4j", "org.slf4j.spi", "org.slf4j.event", "org.slf4j.helpers"}) {
            b.append(b.length() == 0 ? "" : ",").append(p).append(";version=").append(version);
        }
        return b.toString();
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder: the OS cleans it eventually
        }
    }
}
