package io.occams.rpc.server.internal;

import io.occams.rpc.api.spi.Codec;
import java.util.Iterator;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds the default codec: the first {@link Codec} of format 0 that {@link ServiceLoader} offers. */
public final class Codecs {
    private static final Logger LOG = LoggerFactory.getLogger(Codecs.class);

    private Codecs() {
    }

    /**
     * The msgpack codec found through this bundle's class loader (the module path, the class path), then
     * through the thread's context class loader.
     *
     * @throws IllegalStateException when there is none (inside OSGi: pass the codec explicitly)
     */
    public static Codec loadDefault() {
        Codec c = find(ServiceLoader.load(Codec.class, Codecs.class.getClassLoader()));
        if (c == null) {
            ClassLoader tccl = Thread.currentThread().getContextClassLoader();
            if (tccl != null) {
                c = find(ServiceLoader.load(Codec.class, tccl));
            }
        }
        if (c == null) {
            throw new IllegalStateException("no io.occams.rpc.api.spi.Codec with format " + Codec.MSGPACK
                    + " found through ServiceLoader; put occams-rpc-codec on the module or class path, or pass a codec to the builder");
        }
        return c;
    }

    private static Codec find(ServiceLoader<Codec> loader) {
        Iterator<Codec> it = loader.iterator();
        for (int failures = 0; failures < 100; ) {
            try {
                if (!it.hasNext()) {
                    return null;
                }
                Codec c = it.next();
                if (c.format() == Codec.MSGPACK) {
                    return c;
                }
            } catch (ServiceConfigurationError e) {
                failures++;
                LOG.warn("a Codec provider failed to load; skipped", e);
            }
        }
        return null;
    }
}
