/**
 * Looking inside a server over the wire: the built-in {@link io.occams.rpc.api.introspect.Reflection}
 * service (which services a server serves, their methods and types, and which provider serves each),
 * the {@link io.occams.rpc.api.introspect.Health} service (serving or not, per service name, after the
 * gRPC health protocol) and the {@link io.occams.rpc.api.introspect.Status} service (listeners,
 * connections, calls in flight, and calls and errors per service). All three are ordinary
 * {@code @RpcService} interfaces: any client can call them, by proxy or by their actions
 * ({@code OccamsReflection.list}, {@code OccamsHealth.check}, {@code OccamsStatus.status}).
 */
@Export
@Version("1.1.0")
package io.occams.rpc.api.introspect;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
