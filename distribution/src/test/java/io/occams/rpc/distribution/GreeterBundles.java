package io.occams.rpc.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import aQute.bnd.osgi.Builder;
import aQute.bnd.osgi.Jar;
import io.occams.rpc.api.RpcService;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.osgi.service.component.annotations.Component;

/** The test's Greeter service bundle, built here with bnd, and how it is dropped into a deploy folder. */
final class GreeterBundles {
    private GreeterBundles() {}

    /**
     * A bundle of the test's greeter package as bnd would build it for a user (DS XML from the
     * annotations), whose greeting is {@code greeting}; written into {@code dir}.
     */
    static Path build(Path dir, String version, String greeting) throws Exception {
        try (Builder b = new Builder()) {
            b.setProperty("Bundle-SymbolicName", "io.occams.rpc.test.greeter");
            b.setProperty("Bundle-Version", version);
            b.setProperty("Private-Package", "io.occams.rpc.distribution.greeter");
            b.setProperty("-dsannotations", "*");
            b.setProperty("-includeresource", "greeting.txt;literal='" + greeting + "'");
            b.setProperty("-noextraheaders", "true");
            b.addClasspath(new File(System.getProperty("occams.test.classes", "target/test-classes")));
            b.addClasspath(jarOf(RpcService.class));
            b.addClasspath(jarOf(Component.class));
            Jar jar = b.build();
            assertThat(b.getErrors()).as("bnd errors").isEmpty();
            Path out = dir.resolve("greeter-" + greeting + "-" + version + ".jar");
            jar.write(out.toFile());
            return out;
        }
    }

    /** Copies {@code jar} into {@code staging} first, then moves it to {@code target}: FileInstall never sees half a jar. */
    static void drop(Path jar, Path target, Path staging) throws IOException {
        Path staged = Files.copy(
                jar,
                staging.resolve(target.getParent().getFileName() + "-" + target.getFileName() + ".staged"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static File jarOf(Class<?> type) throws Exception {
        return new File(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
