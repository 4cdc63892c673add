package io.occams.rpc.examples.internal;

import io.occams.rpc.api.MessageException;
import io.occams.rpc.examples.AsyncCalService;
import java.util.concurrent.CompletableFuture;

/** The reference {@link AsyncCalService}: answers with futures already complete; stateless, thread-safe. */
public final class AsyncCalServiceImpl implements AsyncCalService {
    /** For ServiceLoader. */
    public AsyncCalServiceImpl() {}

    @Override
    public CompletableFuture<Long> inc(long x) {
        return CompletableFuture.completedFuture(x + 1);
    }

    @Override
    public CompletableFuture<Long> add(long a, long b) {
        return CompletableFuture.completedFuture(a + b);
    }

    @Override
    public CompletableFuture<Long> div(long a, long b) {
        if (b == 0) {
            return CompletableFuture.failedFuture(new MessageException("divide by zero"));
        }
        return CompletableFuture.completedFuture(a / b);
    }
}
