package io.occams.rpc.itest;

import io.occams.rpc.itest.bundles.quota.QuotaErrorCodec;
import io.occams.rpc.itest.bundles.swap.api.QuotaExceeded;
import io.occams.rpc.itest.bundles.swap.api.VersionService;
import io.occams.rpc.itest.bundles.swap.impl.VersionServiceImpl;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Builds the small bundles the OSGi itests install, update and uninstall, in memory, from the compiled
 * classes of {@code io.occams.rpc.itest.bundles} (which the probe leaves out, so that the framework has
 * exactly one copy of each class):
 * <ul>
 * <li>{@link #swapApi()}: the {@code VersionService} contract and {@code QuotaExceeded}, exported;</li>
 * <li>{@link #swapImpl(String)}: a DS component offering {@code VersionService}, answering with the
 *     version baked into this build;</li>
 * <li>{@link #quotaCodec()}: a DS component offering an {@code ErrorCodec} for {@code QuotaExceeded}.</li>
 * </ul>
 * A build takes a few hundred microseconds, so the swap test builds a fresh bundle for every update.
 * The manifests are written by hand (the bundles are tiny and their imports known), the classes are the
 * ones javac compiled; none of these bundles contains anything of occams but the api imports.
 */
public final class TestBundles {
    public static final String API_BSN = "io.occams.rpc.itest.swap.api";
    public static final String IMPL_BSN = "io.occams.rpc.itest.swap.impl";
    public static final String QUOTA_BSN = "io.occams.rpc.itest.quota";
    private static final String API_PACKAGE = VersionService.class.getPackageName();

    private TestBundles() {}

    /** Classes of the probe-less packages to put into the test bundles: target/test-classes. */
    static Path classes() {
        String dir = System.getProperty("occams.itest.dir");
        if (dir == null) {
            throw new IllegalStateException("system property occams.itest.dir is not set (run through Maven)");
        }
        return Path.of(dir).resolveSibling("test-classes");
    }

    public static byte[] swapApi() {
        return jar(
                Map.of(
                        "Bundle-SymbolicName",
                        API_BSN,
                        "Bundle-Version",
                        "1.0.0",
                        "Export-Package",
                        API_PACKAGE + ";version=\"1.0.0\"",
                        "Import-Package",
                        "io.occams.rpc.api;version=\"[0.1,1)\""),
                Map.of(),
                VersionService.class,
                QuotaExceeded.class);
    }

    /** An implementation build answering {@code "<version>:<n>"}. */
    public static byte[] swapImpl(String version) {
        String xml = component("swap.impl", VersionServiceImpl.class.getName(), VersionService.class.getName());
        return jar(
                Map.of(
                        "Bundle-SymbolicName",
                        IMPL_BSN,
                        "Bundle-Version",
                        "1.0.0",
                        "Import-Package",
                        API_PACKAGE + ";version=\"[1.0,2)\"",
                        "Service-Component",
                        "OSGI-INF/swap.impl.xml"),
                Map.of("OSGI-INF/swap.impl.xml", xml, "version.txt", version),
                VersionServiceImpl.class);
    }

    public static byte[] quotaCodec() {
        String xml = component("quota.codec", QuotaErrorCodec.class.getName(), "io.occams.rpc.api.spi.ErrorCodec");
        return jar(
                Map.of(
                        "Bundle-SymbolicName",
                        QUOTA_BSN,
                        "Bundle-Version",
                        "1.0.0",
                        "Import-Package",
                        API_PACKAGE + ";version=\"[1.0,2)\",io.occams.rpc.api.spi;version=\"[0.1,1)\"",
                        "Service-Component",
                        "OSGI-INF/quota.codec.xml"),
                Map.of("OSGI-INF/quota.codec.xml", xml),
                QuotaErrorCodec.class);
    }

    /** Writes {@code bytes} to {@code target/itest-bundles/<name>} and returns its file: URL (for provisioning). */
    public static String file(String name, byte[] bytes) {
        try {
            Path dir = Path.of(System.getProperty("occams.itest.dir")).resolveSibling("itest-bundles");
            Files.createDirectories(dir);
            Path p = dir.resolve(name);
            Files.write(p, bytes);
            return p.toUri().toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String component(String name, String implementation, String service) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<scr:component xmlns:scr=\"http://www.osgi.org/xmlns/scr/v1.3.0\" name=\"" + name
                + "\" immediate=\"true\">\n"
                + "  <implementation class=\"" + implementation + "\"/>\n"
                + "  <service><provide interface=\"" + service + "\"/></service>\n"
                + "</scr:component>\n";
    }

    private static byte[] jar(Map<String, String> headers, Map<String, String> resources, Class<?>... types) {
        Manifest mf = new Manifest();
        Attributes main = mf.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        headers.forEach(main::putValue);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(out, mf)) {
            for (Class<?> type : types) {
                String entry = type.getName().replace('.', '/') + ".class";
                jar.putNextEntry(new JarEntry(entry));
                jar.write(Files.readAllBytes(classes().resolve(entry)));
                jar.closeEntry();
            }
            for (Map.Entry<String, String> r : resources.entrySet()) {
                jar.putNextEntry(new JarEntry(r.getKey()));
                jar.write(r.getValue().getBytes(StandardCharsets.UTF_8));
                jar.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
