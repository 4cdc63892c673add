package io.occams.rpc.itest.bundles.swap.impl;

import io.occams.rpc.itest.bundles.swap.api.QuotaExceeded;
import io.occams.rpc.itest.bundles.swap.api.VersionService;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The implementation bundle that the itests update under load: a plain Declarative Services component
 * (its XML is written by {@link io.occams.rpc.itest.TestBundles}) that knows nothing of occams beyond its
 * interface. Each build carries its own {@code version.txt}, so the builds answer differently.
 */
public final class VersionServiceImpl implements VersionService {
    private final String version;

    public VersionServiceImpl() {
        try (InputStream in = VersionServiceImpl.class.getResourceAsStream("/version.txt")) {
            this.version = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String version(long n) {
        return version + ":" + n;
    }

    @Override
    public long check(long n) throws QuotaExceeded {
        if (n < 0) {
            throw new QuotaExceeded("quota exceeded by " + (-n));
        }
        return n;
    }
}
