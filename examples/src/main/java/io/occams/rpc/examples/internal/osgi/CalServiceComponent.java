package io.occams.rpc.examples.internal.osgi;

import io.occams.rpc.api.MessageException;
import io.occams.rpc.examples.CalService;
import io.occams.rpc.examples.internal.CalServiceImpl;
import org.osgi.service.component.annotations.Component;

/**
 * {@link CalService} as an OSGi service: the reference implementation, served by every occams server in
 * the framework. ({@code AsyncCalService} is the same service on the wire, so it is not offered under
 * that name too: two equal providers of one name would only take turns. {@link AsyncCalServiceComponent}
 * offers it under its own name, {@code "AsyncCalService"}.)
 */
@Component(service = CalService.class)
public final class CalServiceComponent implements CalService {
    private final CalService impl = new CalServiceImpl();

    @Override
    public long inc(long x) {
        return impl.inc(x);
    }

    @Override
    public long add(long a, long b) {
        return impl.add(a, b);
    }

    @Override
    public long div(long a, long b) throws MessageException {
        return impl.div(a, b);
    }
}
