package io.occams.rpc.examples.internal;

import io.occams.rpc.api.MessageException;
import io.occams.rpc.examples.CalService;

/** The reference {@link CalService}; stateless, thread-safe. */
public final class CalServiceImpl implements CalService {
    /** For ServiceLoader. */
    public CalServiceImpl() {}

    @Override
    public long inc(long x) {
        return x + 1;
    }

    @Override
    public long add(long a, long b) {
        return a + b;
    }

    @Override
    public long div(long a, long b) throws MessageException {
        if (b == 0) {
            throw new MessageException("divide by zero");
        }
        return a / b;
    }
}
