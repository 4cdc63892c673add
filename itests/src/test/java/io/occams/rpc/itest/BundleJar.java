package io.occams.rpc.itest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One jar that the build copied into {@code target/itest} (see the dependency plugin in itests/pom.xml):
 * its OSGi manifest and, read the way the module system reads it, its module descriptor. "Ours" means a
 * Bundle-SymbolicName under {@code io.occams.rpc.}; the list of our bundles is the dependency list of
 * itests/pom.xml, so every test here follows it without a list of its own.
 */
public final class BundleJar {
    /** The root of every occams-rpc bundle: BSN, module name and root package start here. */
    public static final String OUR_PREFIX = "io.occams.rpc.";

    private static final Pattern OSGI_EE = Pattern.compile("\\(osgi\\.ee=JavaSE\\)\\(version=(\\d+)(?:\\.\\d+)*\\)");

    private final Path path;
    private final Manifest manifest;

    private BundleJar(Path path) {
        this.path = path;
        try (JarFile jar = new JarFile(path.toFile())) {
            Manifest m = jar.getManifest();
            this.manifest = m == null ? new Manifest() : m;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    /** The jars in {@code target/itest/<folder>} (folder "bundles" or "modulepath"), sorted by name. */
    public static List<BundleJar> in(String folder) {
        String root = System.getProperty("occams.itest.dir");
        if (root == null) {
            throw new IllegalStateException(
                    "system property occams.itest.dir is not set (run through Maven: see itests/pom.xml)");
        }
        Path dir = Path.of(root, folder);
        try (Stream<Path> files = Files.list(dir)) {
            List<BundleJar> jars = files.filter(p -> p.getFileName().toString().endsWith(".jar"))
                    .sorted()
                    .map(BundleJar::new)
                    .collect(Collectors.toCollection(ArrayList::new));
            if (jars.stream().noneMatch(BundleJar::isOurs)) {
                throw new IllegalStateException("no occams-rpc bundle in " + dir);
            }
            return jars;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** Our bundles in {@code folder} that this JVM can run (runtime-vthreads needs Java 21). */
    public static List<BundleJar> ours(String folder) {
        return in(folder).stream()
                .filter(BundleJar::isOurs)
                .filter(BundleJar::runsOnThisJava)
                .collect(Collectors.toList());
    }

    public Path path() {
        return path;
    }

    public String fileName() {
        return path.getFileName().toString();
    }

    @Override
    public String toString() {
        return fileName();
    }

    /** Bundle-SymbolicName without its directives, or null for a plain jar. */
    public String symbolicName() {
        String bsn = header("Bundle-SymbolicName");
        return bsn == null ? null : bsn.split(";", 2)[0].trim();
    }

    public boolean isOurs() {
        String bsn = symbolicName();
        return bsn != null && bsn.startsWith(OUR_PREFIX);
    }

    public boolean isFragment() {
        return header("Fragment-Host") != null;
    }

    public String header(String name) {
        return manifest.getMainAttributes().getValue(name);
    }

    /** The Java feature version its osgi.ee requirement asks for (0 when it asks for none). */
    public int requiredJava() {
        String req = header("Require-Capability");
        if (req == null) {
            return 0;
        }
        Matcher m = OSGI_EE.matcher(req);
        int v = m.find() ? Integer.parseInt(m.group(1)) : 0;
        return v == 1 ? 8 : v; // "version=1.8" is Java 8
    }

    public boolean runsOnThisJava() {
        return requiredJava() <= Runtime.version().feature();
    }

    /** Export-Package: package name to its attributes and directives ("version", "uses:", ...). */
    public Map<String, Map<String, String>> exportPackage() {
        return OsgiHeader.parse(header("Export-Package"));
    }

    /** The descriptor as the module system sees this jar (automatic when it has no module-info). */
    public ModuleDescriptor moduleDescriptor() {
        Set<ModuleReference> refs = ModuleFinder.of(path).findAll();
        if (refs.size() != 1) {
            throw new IllegalStateException(path + " is " + refs.size() + " modules");
        }
        return refs.iterator().next().descriptor();
    }

    public boolean hasEntry(String name) {
        try (JarFile jar = new JarFile(path.toFile())) {
            return jar.getEntry(name) != null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    /** Parses OSGi manifest headers: clauses split on commas and semicolons outside quotes. */
    public static final class OsgiHeader {
        private OsgiHeader() {}

        public static Map<String, Map<String, String>> parse(String header) {
            Map<String, Map<String, String>> result = new LinkedHashMap<>();
            if (header == null || header.isBlank()) {
                return result;
            }
            for (String clause : split(header, ',')) {
                List<String> names = new ArrayList<>();
                Map<String, String> params = new LinkedHashMap<>();
                for (String part : split(clause, ';')) {
                    int eq = part.indexOf('=');
                    if (eq < 0) {
                        names.add(part.trim());
                    } else {
                        String key = part.substring(0, eq).trim();
                        String value = part.substring(eq + 1).trim();
                        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                            value = value.substring(1, value.length() - 1);
                        }
                        params.put(key, value);
                    }
                }
                for (String name : names) {
                    if (result.put(name, params) != null) {
                        throw new IllegalArgumentException("package listed twice: " + name + " in " + header);
                    }
                }
            }
            return result;
        }

        private static List<String> split(String s, char sep) {
            List<String> parts = new ArrayList<>();
            boolean quoted = false;
            int start = 0;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '"') {
                    quoted = !quoted;
                } else if (c == sep && !quoted) {
                    parts.add(s.substring(start, i));
                    start = i + 1;
                }
            }
            parts.add(s.substring(start));
            parts.removeIf(String::isBlank);
            return parts;
        }
    }
}
