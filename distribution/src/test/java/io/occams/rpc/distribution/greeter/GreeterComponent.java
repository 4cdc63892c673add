package io.occams.rpc.distribution.greeter;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.osgi.service.component.annotations.Component;

/**
 * The service bundle's one component: a plain DS service whose interface is {@code @RpcService}, as a
 * user would write it. Its greeting comes from the bundle's {@code greeting.txt}, so two builds of the
 * same code tell a hot swap apart.
 */
@Component(service = Greeter.class)
public final class GreeterComponent implements Greeter {
    private final String greeting = read();

    @Override
    public String greet(String name) {
        return greeting + ", " + name;
    }

    private static String read() {
        try (InputStream in = GreeterComponent.class.getResourceAsStream("/greeting.txt")) {
            return in == null ? "hello" : new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
