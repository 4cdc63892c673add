package io.occams.rpc.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleDescriptor;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Catches drift between the two descriptions of each bundle: the OSGi manifest that bnd computes and the
 * hand-written module-info. They must name the same thing and export the same packages, and neither may
 * export an internal package. Runs on the copies of our jars in target/itest/bundles and target/itest/rsa.
 */
class BundleMetadataDriftTest {

    static List<BundleJar> ourBundles() {
        // "rsa": the Remote Services provider, kept out of "bundles" (it needs Aries RSA; see itests/pom.xml).
        return java.util.stream.Stream.concat(BundleJar.in("bundles").stream(), BundleJar.in("rsa").stream())
                .filter(BundleJar::isOurs)
                .collect(Collectors.toList());
    }

    @Test
    void theBuildHandsUsEveryBundleWeDependOn() {
        assertThat(ourBundles()).extracting(BundleJar::symbolicName).contains("io.occams.rpc.api");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ourBundles")
    void jarCarriesAnExplicitModuleDescriptor(BundleJar jar) {
        assertThat(jar.hasEntry("module-info.class"))
                .as("module-info.class at the root of %s", jar)
                .isTrue();
        assertThat(jar.moduleDescriptor().isAutomatic())
                .as("%s is an automatic module", jar)
                .isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ourBundles")
    void symbolicNameIsTheModuleNameAndTheRootPackage(BundleJar jar) {
        ModuleDescriptor module = jar.moduleDescriptor();
        String name = jar.symbolicName();
        assertThat(module.name()).as("module name of %s", jar).isEqualTo(name);
        assertThat(module.packages())
                .as("packages of %s", jar)
                .contains(name)
                .allSatisfy(p -> assertThat(p.equals(name) || p.startsWith(name + "."))
                        .as("%s lies under %s", p, name)
                        .isTrue());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ourBundles")
    void exportPackageAndModuleExportsAreTheSameSet(BundleJar jar) {
        Set<String> osgi = new TreeSet<>(jar.exportPackage().keySet());
        Set<String> jpms = unqualifiedExports(jar.moduleDescriptor());
        assertThat(osgi)
                .as("Export-Package of %s against the exports of its module-info", jar)
                .isNotEmpty()
                .isEqualTo(jpms);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ourBundles")
    void everyExportedPackageHasAVersion(BundleJar jar) {
        for (Map.Entry<String, Map<String, String>> e : jar.exportPackage().entrySet()) {
            assertThat(e.getValue()).as("version of %s in %s", e.getKey(), jar).containsKey("version");
            assertThat(e.getValue().get("version"))
                    .as("version of %s in %s", e.getKey(), jar)
                    .matches("\\d+\\.\\d+\\.\\d+.*");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ourBundles")
    void noInternalPackageIsExported(BundleJar jar) {
        ModuleDescriptor module = jar.moduleDescriptor();
        assertThat(jar.exportPackage().keySet())
                .as("Export-Package of %s", jar)
                .noneMatch(BundleMetadataDriftTest::isInternal);
        assertThat(module.exports())
                .as("module exports of %s (qualified ones too)", jar)
                .noneMatch(e -> isInternal(e.source()));
        assertThat(module.opens()).as("module opens of %s", jar).noneMatch(o -> isInternal(o.source()));
    }

    static Set<String> unqualifiedExports(ModuleDescriptor module) {
        return module.exports().stream()
                .filter(e -> !e.isQualified())
                .map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    static boolean isInternal(String pkg) {
        return pkg.endsWith(".internal") || pkg.contains(".internal.");
    }
}
