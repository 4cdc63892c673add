package io.occams.rpc.examples.internal.osgi;

import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.ServerConfig;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.examples.internal.FileFixture;
import io.occams.rpc.stream.StreamServer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The seed's stream fixture ({@link FileFixture}: numeric actions Open=1, Read=2, Write=3 with blobs) on
 * a {@link StreamServer} of its own, when configuration {@value #PID} asks for it: {@code port} (0 picks
 * a free one; absent or below 0, no listener) and {@code host} (default 127.0.0.1). The distribution's
 * {@code etc/} holds that configuration, filled in by {@code occams serve --stream-fixture PORT}.
 *
 * <p>Once listening, it registers the {@code StreamServer} as a service with {@code occams.server.addresses}
 * (the bound addresses, the real port) and {@code occams.fixture=file}, which is how {@code occams serve}
 * finds and prints where it listens. Uses the first {@code Runtime} service (static: a runtime leaving
 * restarts the fixture).
 */
@Component(
        configurationPid = FileFixtureComponent.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
public final class FileFixtureComponent {
    static final String PID = "io.occams.rpc.examples.filefixture";

    private final StreamServer server;
    private final ServiceRegistration<StreamServer> registration;

    @Activate
    public FileFixtureComponent(
            BundleContext context,
            Map<String, Object> config,
            @Reference Runtime runtime,
            @Reference(target = "(occams.codec.format=0)") Codec codec)
            throws IOException {
        int port = integer(config.get("port"), -1);
        String host =
                config.get("host") == null || config.get("host").toString().isBlank()
                        ? "127.0.0.1"
                        : config.get("host").toString();
        if (port < 0) {
            server = null;
            registration = null;
            return;
        }
        server = new StreamServer(runtime, ServerConfig.defaults(), new FileFixture(codec));
        try {
            RpcAddress bound = server.listen(RpcAddress.tcp(host, port));
            List<String> addresses = new ArrayList<>();
            addresses.add(bound.toString());
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("occams.server.addresses", addresses.toArray(new String[0]));
            props.put("occams.fixture", "file");
            props.put("occams.runtime", runtime.name());
            registration = context.registerService(StreamServer.class, server, props);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            registration.unregister();
        }
        if (server != null) {
            server.close();
        }
    }

    private static int integer(Object v, int otherwise) {
        if (v == null || v.toString().isBlank()) {
            return otherwise;
        }
        try {
            return Integer.parseInt(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PID + ": port must be an integer, got '" + v + "'", e);
        }
    }
}
