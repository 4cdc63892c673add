/**
 * Client pools over the stream layer: {@link io.occams.rpc.pool.ClientPool} keeps connections to one
 * address (opened as the windows fill, closed when idle, pinged, reconnected with backoff, health that
 * recovers) and {@link io.occams.rpc.pool.FailoverPool} spreads calls over several addresses and
 * retries only what is safe to retry (spec §5.4, §5.5, fixing §12.2, §12.10 and §12.12). Both are
 * {@link io.occams.rpc.stream.Caller}s, so remote-API proxies run over them unchanged.
 *
 * <h2>In OSGi: client pools from Configuration Admin</h2>
 * With Declarative Services and Configuration Admin in the framework, every factory configuration of
 * {@code io.occams.rpc.client} is a {@code FailoverPool} registered as a {@link io.occams.rpc.stream.Caller}
 * service (with the configuration's properties, {@code occams.client.addresses} and {@code occams.runtime}).
 * When its runtime leaves, the pool moves to another one: new calls go to the new pool, the old one drains.
 * A call that reached no server ({@code rpc_unreachable}) is sent again after a short pause for up to
 * {@code connectTimeout}. Values may be typed or strings; durations as for servers ({@code 500ms}, {@code 5s}, ...).
 *
 * <table>
 * <caption>Factory PID {@code io.occams.rpc.client}: one pool per configuration</caption>
 * <tr><th>property</th><th>type</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code addresses}</td><td>string list</td><td>required, unless {@code service} and {@code discovery}</td><td>{@code host:port} or {@code /path}; a change of this alone drains removed addresses</td></tr>
 * <tr><td>{@code service}</td><td>string</td><td>none</td><td>with {@code discovery}: the service whose registered endpoints are the addresses, followed live (see {@link io.occams.rpc.pool.AddressSource})</td></tr>
 * <tr><td>{@code discovery}</td><td>string</td><td>none</td><td>the name of the discovery ({@code AddressSource} service) to look {@code service} up in</td></tr>
 * <tr><td>{@code selection}</td><td>string</td><td>{@code round_robin}</td><td>{@code round_robin} or {@code first_healthy}</td></tr>
 * <tr><td>{@code retryLimit}</td><td>int</td><td>2</td><td>how many times a failed call may be sent again (see {@link io.occams.rpc.pool.FailoverPool})</td></tr>
 * <tr><td>{@code retryAfterSend}</td><td>boolean</td><td>false</td><td>also retry a call that is not idempotent after {@code rpc_io_err} when its request may have reached the server, as the seed did; only for services whose every call may run twice (better: mark calls idempotent)</td></tr>
 * <tr><td>{@code runtime}</td><td>string list</td><td>any, best ranked</td><td>acceptable runtimes in order of preference</td></tr>
 * <tr><td>{@code maxConnections}</td><td>int</td><td>8</td><td>connections per address</td></tr>
 * <tr><td>{@code thresholds}</td><td>int</td><td>128</td><td>calls in flight per connection (the window)</td></tr>
 * <tr><td>{@code taskTimeout}</td><td>duration</td><td>20 s</td><td>how long a call waits for its reply</td></tr>
 * <tr><td>{@code connectTimeout}</td><td>duration</td><td>10 s</td><td>how long a connect may take; also how long a call that reached no server keeps trying</td></tr>
 * <tr><td>{@code readTimeout}</td><td>duration</td><td>5 s</td><td>how long the rest of a frame may take; how long a pong may take</td></tr>
 * <tr><td>{@code writeTimeout}</td><td>duration</td><td>5 s</td><td>how long a write may stay blocked</td></tr>
 * <tr><td>{@code idleTimeout}</td><td>duration</td><td>120 s</td><td>how long an unused connection stays open</td></tr>
 * <tr><td>{@code maxFrameBytes}</td><td>int</td><td>16777216</td><td>largest msg, blob or error body accepted</td></tr>
 * <tr><td>{@code clientId}</td><td>long</td><td>0</td><td>the client id in every request header</td></tr>
 * <tr><td>{@code tls}, {@code tls.ca}, {@code tls.cert}, {@code tls.key}, {@code tls.peerName}, {@code tls.*}</td><td>string</td><td>none (plaintext)</td><td>TLS: trusted CAs (or {@code tls = true} for the system CAs), a client certificate for mutual TLS, the name expected in the server's certificate; every key in {@link io.occams.rpc.api.TlsConfig#fromProperties}</td></tr>
 * <tr><td>{@code name}</td><td>string</td><td>the PID</td><td>the pool's name in logs</td></tr>
 * </table>
 */
@Export
@Version("0.4.0")
package io.occams.rpc.pool;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
