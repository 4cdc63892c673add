package com.example.hello.internal;

import com.example.hello.HelloService;
import io.occams.rpc.api.MessageException;
import org.osgi.service.component.annotations.Component;

/**
 * The implementation, registered as a {@link HelloService} OSGi service by Declarative Services. The
 * occams-rpc server serves every service whose interface is annotated {@code @RpcService}: registering
 * it is all there is to do. Not exported (an {@code internal} package).
 */
@Component(service = HelloService.class)
public final class HelloComponent implements HelloService {
    @Override
    public String hello(String name) {
        return "hello, " + name;
    }

    @Override
    public int length(String text) throws MessageException {
        if (text.isEmpty()) {
            throw new MessageException("empty text");
        }
        return text.codePointCount(0, text.length());
    }
}
