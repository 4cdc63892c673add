package io.occams.rpc.itest;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.workingDirectory;

import io.occams.rpc.itest.bundles.swap.api.VersionService;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.TestProbeBuilder;
import org.ops4j.pax.exam.options.UrlProvisionOption;

/**
 * The framework the occams OSGi scenario tests run in: every bundle of target/itest/bundles (ours and
 * their third-party bundles, Felix SCR and Configuration Admin among them), started, with the logging
 * set-up at start level 1 as {@link BundlesStartOsgiIT} explains, plus the test's own
 * {@link TestBundles#swapApi() contract bundle}. The examples bundle is left out: the tests install it. Runs outside the framework (from {@code @Configuration}).
 */
final class OsgiSetup {
    static final String EXAMPLES = "io.occams.rpc.examples";

    private OsgiSetup() {}

    /**
     * The probe holds copies of every test class, the test bundles' among them; it must use the contract
     * classes of the swap api bundle (the error codec maps to that {@code QuotaExceeded}), so it imports their
     * package: an import wins over the bundle's own copy.
     */
    static TestProbeBuilder probe(TestProbeBuilder builder) {
        builder.setHeader("Import-Package", VersionService.class.getPackageName());
        return builder;
    }

    /**
     * The name of this failsafe run (felix, equinox, felix-jdk17): the frameworks' working directories are
     * named after it, so that one run never starts from another run's bundle cache.
     */
    static String runName() {
        return System.getProperty("occams.itest.run", System.getProperty("occams.itest.framework", "osgi"));
    }

    /** The file: URL of the examples bundle. */
    static String examplesJar() {
        return BundleJar.in("bundles").stream()
                .filter(j -> EXAMPLES.equals(j.symbolicName()))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no examples bundle in target/itest/bundles"))
                .path()
                .toUri()
                .toString();
    }

    /** The options for a framework named {@code name} (its working directory), plus {@code extra}. */
    static Option[] options(String name, Option... extra) {
        List<Option> options = new ArrayList<>();
        for (BundleJar jar : BundleJar.in("bundles")) {
            if (!jar.runsOnThisJava() || EXAMPLES.equals(jar.symbolicName())) {
                continue; // the examples bundle is installed by the tests that want it
            }
            UrlProvisionOption b = bundle(jar.path().toUri().toString()).start(!jar.isFragment());
            String bsn = jar.symbolicName();
            boolean logging = bsn.equals("org.apache.aries.spifly.dynamic.bundle")
                    || bsn.startsWith("org.objectweb.asm")
                    || bsn.startsWith("slf4j.");
            options.add(logging ? b.startLevel(1) : b);
        }
        options.add(
                bundle(TestBundles.file("swap-api.jar", TestBundles.swapApi())).start());
        options.add(junitBundles());
        options.add(systemProperty("occams.itest.examples").value(examplesJar()));
        options.add(systemProperty("occams.itest.dir").value(System.getProperty("occams.itest.dir")));
        options.add(workingDirectory("target/paxexam/" + runName() + "-" + name));
        Collections.addAll(options, extra);
        return options.toArray(Option[]::new);
    }
}
