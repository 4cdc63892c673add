package io.occams.rpc.examples.internal.osgi;

import io.occams.rpc.examples.internal.AsyncCalServiceByItsName;
import io.occams.rpc.examples.internal.AsyncCalServiceImpl;
import java.util.concurrent.CompletableFuture;
import org.osgi.service.component.annotations.Component;

/**
 * {@code AsyncCalService} as an OSGi service under its own wire name ({@link AsyncCalServiceByItsName}),
 * beside {@link CalServiceComponent}: the same arithmetic answered through futures on the reader, to
 * compare with the synchronous methods of {@code CalService} on one server.
 */
@Component(service = AsyncCalServiceByItsName.class)
public final class AsyncCalServiceComponent implements AsyncCalServiceByItsName {
    private final AsyncCalServiceImpl impl = new AsyncCalServiceImpl();

    @Override
    public CompletableFuture<Long> inc(long x) {
        return impl.inc(x);
    }

    @Override
    public CompletableFuture<Long> add(long a, long b) {
        return impl.add(a, b);
    }

    @Override
    public CompletableFuture<Long> div(long a, long b) {
        return impl.div(a, b);
    }
}
