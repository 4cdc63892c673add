/**
 * The remote-API client: {@link io.occams.rpc.client.RpcClient} turns an {@link io.occams.rpc.api.RpcService}
 * interface into a proxy whose calls travel over any {@link io.occams.rpc.stream.Caller} (one
 * {@link io.occams.rpc.stream.ClientStream}, a pool, a failover pool), and
 * {@link io.occams.rpc.client.CallOptions} says how long a call may take and whether it may be retried.
 */
@Export
@Version("0.2.0")
package io.occams.rpc.client;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
