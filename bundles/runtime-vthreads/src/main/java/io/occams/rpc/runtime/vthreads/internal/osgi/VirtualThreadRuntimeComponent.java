package io.occams.rpc.runtime.vthreads.internal.osgi;

import io.occams.rpc.api.spi.ForwardingRuntime;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The virtual-thread runtime as an OSGi service: {@code Runtime} with {@code occams.runtime=vthreads},
 * built from the optional Configuration Admin PID {@code io.occams.rpc.runtime.vthreads} (without a
 * configuration it runs with the defaults). A configuration change replaces the runtime: DS
 * unregisters the service, its users move to another runtime, and the old one is closed.
 *
 * <table>
 * <caption>Configuration (PID {@code io.occams.rpc.runtime.vthreads}); 0 or absent means the default</caption>
 * <tr><th>property</th><th>type</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code readBufferSize}</td><td>int</td><td>65536</td><td>the most bytes one read asks for</td></tr>
 * <tr><td>{@code writeLowWaterMark}</td><td>int</td><td>524288</td><td>bytes below which a connection is writable again</td></tr>
 * <tr><td>{@code writeHighWaterMark}</td><td>int</td><td>1048576</td><td>unsent bytes above which a connection is unwritable</td></tr>
 * <tr><td>{@code platformReaders}</td><td>int</td><td>16</td><td>connections at a time that read on a platform
 * thread of their own (the rest on virtual threads); here -1 or absent means the default, 0 none</td></tr>
 * <tr><td>{@code writeTimeoutMillis}</td><td>long</td><td>5000</td><td>how long a write may block; how long a close drains</td></tr>
 * <tr><td>{@code service.ranking}</td><td>int</td><td>0</td><td>servers and pools take the best ranked runtime</td></tr>
 * </table>
 *
 * <p>Lifecycle: the service is unregistered before {@link #deactivate} runs, and unregistration returns
 * only after every user heard of it; the occams server and pool components move their listeners and
 * connections off the runtime (draining them, bounded) inside that notification. So when deactivate
 * closes the runtime, its users have let go of it.
 */
@Component(
        service = Runtime.class,
        configurationPid = VirtualThreadRuntimeComponent.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = "occams.runtime=" + VirtualThreadRuntime.NAME)
public final class VirtualThreadRuntimeComponent extends ForwardingRuntime {
    /** The Configuration Admin PID of the virtual-thread runtime. */
    public static final String PID = "io.occams.rpc.runtime.vthreads";

    /** The runtime's own part of the configuration, read by DS from the PID's properties; the write side is {@link io.occams.rpc.api.spi.RuntimeBuilder}'s. */
    @interface Config {
        int readBufferSize() default 0;

        int platformReaders() default -1;
    }

    /** Set by activate, before the service is registered; read by every delegating method. */
    private volatile VirtualThreadRuntime runtime;

    @Activate
    void activate(Config config, Map<String, Object> properties) {
        VirtualThreadRuntime.Builder b = VirtualThreadRuntime.builder();
        if (config.readBufferSize() > 0) {
            b.readBufferSize(config.readBufferSize());
        }
        if (config.platformReaders() >= 0) {
            b.platformReaders(config.platformReaders());
        }
        runtime = b.writeProperties(properties).build();
    }

    @Deactivate
    void deactivate() {
        runtime.close();
    }

    /** Users never close a shared runtime (close does nothing); DS does, in {@link #deactivate}. */
    @Override
    protected Runtime delegate() {
        return runtime;
    }
}
