/**
 * The remote-API server: {@link io.occams.rpc.server.RpcServer} listens on TCP and Unix addresses and hands
 * calls to a {@link io.occams.rpc.server.ServiceDispatcher}, which routes {@code "Service.method"} to the
 * current provider of an {@link io.occams.rpc.api.RpcService} interface and swaps providers at run time
 * without failing a call.
 *
 * <h2>In OSGi: servers from Configuration Admin</h2>
 * With Declarative Services and Configuration Admin in the framework, every factory configuration of
 * {@code io.occams.rpc.server} is a running server, and every OSGi service whose registered interface is
 * annotated {@link io.occams.rpc.api.RpcService} (or that names such interfaces in the service property
 * {@code occams.rpc.service}) is served by every running server: the whiteboard. Providers of one name
 * rank by {@code service.ranking}, then newest. Unregistering a provider (bundle stop, update, uninstall)
 * waits, at most {@code drainTimeout}, for its calls in flight; calls arriving while a name has no provider
 * wait up to {@code swapGrace} for a new one. The server is registered as an {@code RpcServer} service
 * with {@code occams.server.addresses} (bound addresses, real ports) and {@code occams.runtime}. A runtime
 * that leaves, and a changed configuration, re-bind the same addresses (on another runtime) before the old
 * connections drain, so accepted calls are answered. Values may be typed or strings (a {@code .cfg} file);
 * durations are milliseconds, or {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code PT5S}.
 *
 * <table>
 * <caption>Factory PID {@code io.occams.rpc.server}: one server per configuration</caption>
 * <tr><th>property</th><th>type</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code host}</td><td>string</td><td>{@code 127.0.0.1}</td><td>TCP address to bind, with {@code port}</td></tr>
 * <tr><td>{@code port}</td><td>int</td><td>none (no TCP)</td><td>TCP port; 0 binds a free one (kept across re-binds)</td></tr>
 * <tr><td>{@code unix}</td><td>string</td><td>none</td><td>a Unix-domain socket path to listen on as well</td></tr>
 * <tr><td>{@code addresses}</td><td>string list</td><td>none</td><td>more addresses, {@code host:port} or {@code /path}; at least one of port, unix, addresses is required</td></tr>
 * <tr><td>{@code runtime}</td><td>string list</td><td>any, best ranked</td><td>acceptable runtimes in order of preference, e.g. {@code vthreads,netty}</td></tr>
 * <tr><td>{@code swapGrace}</td><td>duration</td><td>5 s</td><td>how long calls wait for a replacement when the last provider of a name left</td></tr>
 * <tr><td>{@code drainTimeout}</td><td>duration</td><td>30 s</td><td>how long a leaving provider's unregistration waits for its calls in flight</td></tr>
 * <tr><td>{@code serverCloseWait}</td><td>duration</td><td>90 s</td><td>how long a re-bind or stop waits for accepted calls to be answered</td></tr>
 * <tr><td>{@code readTimeout}</td><td>duration</td><td>5 s</td><td>how long the rest of a request may take once its header arrived</td></tr>
 * <tr><td>{@code writeTimeout}</td><td>duration</td><td>5 s</td><td>how long a write may stay blocked</td></tr>
 * <tr><td>{@code idleTimeout}</td><td>duration</td><td>120 s</td><td>how long a connection may wait for its next request</td></tr>
 * <tr><td>{@code maxFrameBytes}</td><td>int</td><td>16777216</td><td>largest msg or blob accepted in one request</td></tr>
 * <tr><td>{@code maxActionBytes}</td><td>int</td><td>1024</td><td>longest string action accepted</td></tr>
 * <tr><td>{@code maxCallsPerConnection}</td><td>int</td><td>4096</td><td>calls of one connection in flight before reading pauses</td></tr>
 * <tr><td>{@code maxCallsPerServer}</td><td>int</td><td>65536</td><td>calls of all connections in flight before reading pauses on each connection that brings more (no call is refused)</td></tr>
 * <tr><td>{@code maxConnections}</td><td>int</td><td>20000</td><td>connections open at once; one more is accepted and closed at once (one rate-limited log line)</td></tr>
 * <tr><td>{@code maxConnectionsPerAddress}</td><td>int</td><td>1024</td><td>connections open at once from one remote IP address (Unix sockets are not counted); over it, as above</td></tr>
 * <tr><td>{@code firstFrameTimeout}</td><td>duration</td><td>30 s</td><td>how long a new connection may take to send its first complete frame before it is closed</td></tr>
 * <tr><td>{@code tls.cert}, {@code tls.key}, {@code tls.ca}, {@code tls.*}</td><td>string</td><td>none (plaintext)</td><td>TLS: PEM chain and PKCS#8 key (or {@code tls.keystore}), and CAs whose client certificates are required (mutual TLS); every key in {@link io.occams.rpc.api.TlsConfig#fromProperties}</td></tr>
 * <tr><td>{@code introspection}</td><td>boolean</td><td>{@code true}</td><td>serve the built-in {@code OccamsReflection}, {@code OccamsHealth} and {@code OccamsStatus} services</td></tr>
 * <tr><td>{@code name}</td><td>string</td><td>the PID</td><td>the server's name in logs</td></tr>
 * <tr><td>{@code Codec.target}, {@code errors.target}</td><td>filter</td><td>{@code (occams.codec.format=0)}, any</td><td>DS targets: which {@code Codec} and {@code ErrorCodecRegistry} services to use</td></tr>
 * </table>
 * Who may call what: the best ranked {@link io.occams.rpc.server.Authorizer} service (none: everyone may call
 * everything); the configuration {@code io.occams.rpc.authorizer} registers a {@link io.occams.rpc.server.PatternAuthorizer}
 * ({@code allow.<label> = <identity pattern> -> <Service.method pattern>, ...}).
 * Every other public property is copied onto the {@code RpcServer} service. The runtimes have their own
 * (optional, non-factory) PIDs, {@code io.occams.rpc.runtime.netty} and {@code io.occams.rpc.runtime.vthreads};
 * client pools are configured under {@code io.occams.rpc.client} (see {@code io.occams.rpc.pool}).
 */
@Export
@Version("0.3.0")
package io.occams.rpc.server;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
