package io.occams.rpc.itest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.module.ModuleDescriptor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our jars as a plain JPMS application sees them: a small program (src/modulepath) is compiled here
 * against the jars in target/itest/modulepath, then run in a child JVM with {@code --module-path} and
 * no class path at all. Every module on the path is resolved ({@code --add-modules ALL-MODULE-PATH}),
 * so a {@code requires} that nothing satisfies fails the run, and the program's output is checked
 * against what the jars' module descriptors declare.
 */
class ModulePathIT {
    private static final String APP = "io.occams.rpc.itest.modulepath";
    private static final String CODEC = "io.occams.rpc.api.spi.Codec";
    private static final String RUNTIME = "io.occams.rpc.api.spi.Runtime";

    private static List<BundleJar> modulePath;
    private static List<BundleJar> ours;
    private static Path appClasses;

    @BeforeAll
    static void compileTheProgram() throws IOException {
        modulePath = BundleJar.in("modulepath").stream()
                .filter(BundleJar::runsOnThisJava)
                .collect(Collectors.toList());
        ours = modulePath.stream().filter(BundleJar::isOurs).collect(Collectors.toList());
        Path sources = Path.of(System.getProperty("occams.itest.sources"), APP);
        appClasses = Path.of(System.getProperty("occams.itest.dir"), "modulepath-app");
        // -path: javac in-process takes this JVM's class path as its default; the module is unaffected.
        List<String> args = new ArrayList<>(
                List.of("-d", appClasses.toString(), "--module-path", jarPath(), "-Xlint:all,-path", "-Werror"));
        try (Stream<Path> files = Files.walk(sources)) {
            files.filter(p -> p.toString().endsWith(".java"))
                    .map(Path::toString)
                    .sorted()
                    .forEach(args::add);
        }
        ToolProvider javac = ToolProvider.findFirst("javac")
                .orElseThrow(() -> new IllegalStateException(
                        "no javac in " + System.getProperty("java.home") + ": run the tests on a JDK"));
        StringWriter out = new StringWriter();
        int rc = javac.run(new PrintWriter(out, true), new PrintWriter(out, true), args.toArray(String[]::new));
        assertThat(rc).as("javac %s%n%s", args, out).isZero();
    }

    @Test
    void noneOfOurJarsIsAnAutomaticModule() {
        assertThat(ours).as("our jars on the module path").isNotEmpty();
        for (BundleJar jar : ours) {
            ModuleDescriptor d = jar.moduleDescriptor();
            assertThat(d.isAutomatic())
                    .as("%s is an automatic module (no module-info.class)", jar)
                    .isFalse();
            assertThat(d.name()).as("module name of %s", jar).isEqualTo(jar.symbolicName());
        }
    }

    @Test
    void programRunsOnTheModulePathAloneAndSeesOurApiCodecsAndRuntimes() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(
                java.toString(),
                "--module-path",
                appClasses + File.pathSeparator + jarPath(),
                "--add-modules",
                "ALL-MODULE-PATH",
                "-Dio.netty.leakDetection.level=paranoid",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        if (Runtime.version().feature() >= 22) {
            command.add("--enable-native-access=io.netty.common"); // epoll's native library, without the warning
        }
        command.addAll(List.of("-m", APP + "/" + APP + ".Main"));
        Path log = appClasses.resolveSibling("modulepath-app.log");
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("CLASSPATH");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        Process p = pb.start();
        p.getOutputStream().close();
        boolean exited = p.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            p.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(exited).as("the program exits within 60 s%n%s", output).isTrue();
        assertThat(p.exitValue()).as("exit code of %s%n%s", command, output).isZero();

        List<String> lines = output.lines().collect(Collectors.toList());
        assertThat(lines)
                .as(output)
                .contains("self " + APP + " classpath=[]")
                .contains("address tcp host=::1 port=7000 unix=false")
                .contains("address unix path=true unix=true")
                .contains("codes rpc_unreachable,rpc_io_err,rpc_timeout,rpc_method_notfound,rpc_service_notfound,"
                        + "rpc_encode,rpc_decode,rpc_internal_err,rpc_invalid_ver,rpc_permission_denied")
                .contains("code roundtrip true")
                .endsWith("done");

        Set<String> expectedModules = ours.stream()
                .map(j -> "module " + j.symbolicName() + " explicit")
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> modules =
                lines.stream().filter(l -> l.startsWith("module ")).collect(Collectors.toCollection(TreeSet::new));
        assertThat(modules)
                .as("our modules in the boot layer, none automatic%n%s", output)
                .isEqualTo(expectedModules);

        assertThat(providerLines(lines, CODEC))
                .as("codecs found by ServiceLoader%n%s", output)
                .isEqualTo(declaredProviders(CODEC));
        assertThat(providerLines(lines, RUNTIME))
                .as("runtimes found by ServiceLoader%n%s", output)
                .isEqualTo(declaredProviders(RUNTIME));
        if (!declaredProviders(CODEC).isEmpty()) {
            assertThat(lines).as(output).contains("codec format=0 (10,20) -> 92 0a 14");
        }
    }

    /** The provider classes our module descriptors declare for {@code service} ({@code provides ... with}). */
    private static Set<String> declaredProviders(String service) {
        return ours.stream()
                .flatMap(j -> j.moduleDescriptor().provides().stream())
                .filter(p -> p.service().equals(service))
                .flatMap(p -> p.providers().stream())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> providerLines(List<String> lines, String service) {
        String prefix = "provider " + service + " ";
        return lines.stream()
                .filter(l -> l.startsWith(prefix))
                .map(l -> l.substring(prefix.length()).split(" ", 2)[0])
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static String jarPath() {
        return modulePath.stream().map(j -> j.path().toString()).collect(Collectors.joining(File.pathSeparator));
    }
}
