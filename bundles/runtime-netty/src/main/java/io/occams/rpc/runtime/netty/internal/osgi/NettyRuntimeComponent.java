package io.occams.rpc.runtime.netty.internal.osgi;

import io.occams.rpc.api.spi.ForwardingRuntime;
import io.occams.rpc.api.spi.Runtime;
import io.occams.rpc.runtime.netty.NettyRuntime;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The Netty runtime as an OSGi service: {@code Runtime} with {@code occams.runtime=netty}, built from
 * the optional Configuration Admin PID {@code io.occams.rpc.runtime.netty} (without a configuration
 * it runs with the defaults). A configuration change replaces the runtime: DS unregisters the service,
 * its users move to another runtime, and the old one is closed.
 *
 * <table>
 * <caption>Configuration (PID {@code io.occams.rpc.runtime.netty}); 0 or absent means the default</caption>
 * <tr><th>property</th><th>type</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code ioThreads}</td><td>int</td><td>processors</td><td>event loop threads</td></tr>
 * <tr><td>{@code virtualThreads}</td><td>boolean</td><td>true</td><td>synchronous service methods on virtual threads when the JVM has them (21+)</td></tr>
 * <tr><td>{@code blockingThreads}</td><td>int</td><td>64</td><td>threads of the blocking pool (Java 17, or virtualThreads false)</td></tr>
 * <tr><td>{@code blockingQueue}</td><td>int</td><td>-</td><td>ignored since 0.2: the pool's queue refuses no call</td></tr>
 * <tr><td>{@code writeLowWaterMark}</td><td>int</td><td>524288</td><td>bytes below which a connection is writable again</td></tr>
 * <tr><td>{@code writeHighWaterMark}</td><td>int</td><td>1048576</td><td>unsent bytes above which a connection is unwritable</td></tr>
 * <tr><td>{@code writeTimeoutMillis}</td><td>long</td><td>10000</td><td>how long a close waits for queued writes</td></tr>
 * <tr><td>{@code preferNative}</td><td>boolean</td><td>true</td><td>native epoll when available; false forces NIO</td></tr>
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
        configurationPid = NettyRuntimeComponent.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = "occams.runtime=netty")
public final class NettyRuntimeComponent extends ForwardingRuntime {
    /** The Configuration Admin PID of the Netty runtime. */
    public static final String PID = "io.occams.rpc.runtime.netty";

    /** The Netty-only part of the configuration, read by DS from the PID's properties; the write side is {@link io.occams.rpc.api.spi.RuntimeBuilder}'s. */
    @interface Config {
        int ioThreads() default 0;

        int blockingThreads() default 0;

        int blockingQueue() default 0;

        boolean virtualThreads() default true;

        boolean preferNative() default true;
    }

    /** Set by activate, before the service is registered; read by every delegating method. */
    private volatile NettyRuntime runtime;

    @Activate
    void activate(Config config, Map<String, Object> properties) {
        NettyRuntime.Builder b = NettyRuntime.builder().preferNative(config.preferNative());
        if (config.ioThreads() > 0) {
            b.ioThreads(config.ioThreads());
        }
        if (config.blockingThreads() > 0) {
            b.blockingThreads(config.blockingThreads());
        }
        b.virtualThreads(config.virtualThreads());
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
