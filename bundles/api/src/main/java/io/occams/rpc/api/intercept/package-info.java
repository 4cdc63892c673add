/**
 * Interceptors: code that runs around every call, on the server (in the dispatcher) and on the client
 * (in proxies), seeing the service, the method, the peer when known, the arguments (decoded only when
 * asked for), the outcome and the time taken. Metrics, tracing, logging and audit are built on it. With
 * no interceptor the call path does nothing more than read one field.
 */
@Export
@Version("1.0.0")
package io.occams.rpc.api.intercept;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
