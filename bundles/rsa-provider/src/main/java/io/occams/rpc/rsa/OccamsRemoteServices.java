package io.occams.rpc.rsa;

/**
 * The config type and properties of the occams-rpc distribution provider for OSGi Remote Services
 * (Apache Aries RSA 1.16.1).
 *
 * <p><b>Export.</b> A service registered with {@code service.exported.interfaces} (and, to pick this provider,
 * {@code service.exported.configs=occams.tcp}) is served by an occams-rpc server. Any interface whose argument
 * and result types the codec binds can be exported; no {@code @RpcService} annotation is needed. Its methods
 * are called as {@code "<scope>_<interface name, dots as _>.<method>"}, the scope being the export's
 * {@link #NAME} when given, else a token unique to the export. The provider reads the service properties
 * below; any other property starting with {@value #PREFIX} and any invalid value is refused with an
 * {@link IllegalArgumentException} (the export then fails, as the RSA specification asks).
 * <ul>
 * <li>{@value #HOST}: the address the server binds and the endpoint advertises (default {@code 127.0.0.1});</li>
 * <li>{@value #PORT}: its port, 0..65535 (default 0: a free port). Exports with the same host and port share
 *     one server; port 0 is one shared server too;</li>
 * <li>{@value #RUNTIME}: the occams runtime ({@code netty}, {@code vthreads}); default: the best ranked;</li>
 * <li>{@value #NAME}: a logical service name (letters, digits, {@code -}, {@code _}). Importers merge every
 *     endpoint that carries the same name and interfaces into one proxy over one failover pool (instead of one
 *     proxy per endpoint, RSA's default), and a re-registration keeps serving under the same wire names.
 *     Exports of one interface under one name on one port are one service to callers (the newest serves).</li>
 * </ul>
 *
 * <p><b>Endpoint.</b> The endpoint carries {@code endpoint.id} {@code occams.tcp://host:port/<scope>/<uuid>}
 * (unique per export, and all an importer needs: Aries core rebuilds a modified endpoint without the
 * provider's properties), {@code service.imported.configs=occams.tcp}, {@code service.intents=[osgi.basic, osgi.async]}
 * and {@value #ADDRESS}; the service's own properties are copied except private ones (starting with a dot)
 * and {@code service.exported.*}.
 *
 * <p><b>Import.</b> The proxy calls through an occams {@code FailoverPool}. {@code osgi.basic.timeout}
 * (milliseconds) bounds each call (default {@value #DEFAULT_TIMEOUT_MILLIS} ms); methods returning
 * {@code CompletableFuture}, {@code CompletionStage} or an OSGi {@code Promise} are asynchronous. The pool is
 * closed a short linger after the last proxy service of its endpoints is unregistered. An imported interface
 * carries no idempotence, so the pool is built with {@code retryAfterSend}: a call whose connection broke
 * after it was written (an exporting framework killed) is sent again to another endpoint: such a call may run
 * twice.
 *
 * <p><b>Re-export.</b> A service with a {@link #NAME} re-registered (its bundle updated) is served again under
 * the same wire names: the old endpoint's close waits for its calls in flight, calls that arrive in between
 * are parked by the server for its swap grace (5 s), not failed, and the importer's pool and proxy outlive
 * the gap by their linger (5 s) and take the new endpoint, so callers holding the proxy see no failure.
 */
public final class OccamsRemoteServices {
    /** The config type. */
    public static final String CONFIG_TYPE = "occams.tcp";
    /** The prefix of every property the provider reads. */
    public static final String PREFIX = "occams.tcp.";
    /** Bind and advertised host. */
    public static final String HOST = "occams.tcp.host";
    /** Port; 0 for a free one. */
    public static final String PORT = "occams.tcp.port";
    /** Runtime name. */
    public static final String RUNTIME = "occams.tcp.runtime";
    /** Logical service name: importers merge endpoints that share it. */
    public static final String NAME = "occams.tcp.name";
    /** Set by the provider on the endpoint: {@code host:port} of the server. */
    public static final String ADDRESS = "occams.tcp.address";
    /** Set by the provider on the endpoint: the endpoint id again (for tools that read only our prefix). */
    public static final String ID = "occams.tcp.id";
    /** The call timeout when the endpoint carries no {@code osgi.basic.timeout}. */
    public static final long DEFAULT_TIMEOUT_MILLIS = 30_000;

    private OccamsRemoteServices() {}
}
