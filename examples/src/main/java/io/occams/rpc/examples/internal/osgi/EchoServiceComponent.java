package io.occams.rpc.examples.internal.osgi;

import io.occams.rpc.api.ErrnoException;
import io.occams.rpc.examples.EchoService;
import io.occams.rpc.examples.internal.EchoServiceImpl;
import org.osgi.service.component.annotations.Component;

/** {@link EchoService} as an OSGi service: the reference implementation, served by every occams server in the framework. */
@Component(service = EchoService.class)
public final class EchoServiceComponent implements EchoService {
    private final EchoService impl = new EchoServiceImpl();

    @Override
    public String repeat(String s) {
        return impl.repeat(s);
    }

    @Override
    public void ioError(String s) throws ErrnoException {
        impl.ioError(s);
    }
}
