package io.occams.rpc.api.spi;

import java.util.Iterator;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/** {@link Codec#loadDefault()}: the first msgpack codec that {@link ServiceLoader} offers. */
final class DefaultCodec {
    private static final System.Logger LOG = System.getLogger(DefaultCodec.class.getName());

    private DefaultCodec() {}

    static Codec load() {
        Codec c = find(ServiceLoader.load(Codec.class, DefaultCodec.class.getClassLoader()));
        if (c == null) {
            ClassLoader tccl = Thread.currentThread().getContextClassLoader();
            if (tccl != null) {
                c = find(ServiceLoader.load(Codec.class, tccl));
            }
        }
        if (c == null) {
            throw new IllegalStateException(
                    "no io.occams.rpc.api.spi.Codec with format " + Codec.MSGPACK
                            + " found through ServiceLoader; put occams-rpc-codec on the module or class path, or pass a codec to the builder");
        }
        return c;
    }

    /** The first format-0 codec; a provider that fails to load is logged and skipped, not fatal. */
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
                LOG.log(System.Logger.Level.WARNING, "a Codec provider failed to load; skipped", e);
            }
        }
        return null;
    }
}
