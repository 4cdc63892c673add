package io.occams.rpc.examples.internal;

import io.occams.rpc.api.ErrnoException;
import io.occams.rpc.examples.EchoService;

/** The reference {@link EchoService}; stateless, thread-safe. */
public final class EchoServiceImpl implements EchoService {
    /** For ServiceLoader. */
    public EchoServiceImpl() {}

    @Override
    public String repeat(String s) {
        return s;
    }

    @Override
    public void ioError(String s) throws ErrnoException {
        throw new ErrnoException(ErrnoException.EIO);
    }
}
