/**
 * What users of occams-rpc touch: the {@link io.occams.rpc.api.RpcService} contract annotation,
 * {@link io.occams.rpc.api.RpcException} with its nine wire codes ({@link io.occams.rpc.api.RpcCode}),
 * the built-in user error types, addresses and the client and server configurations.
 */
@Export
@Version("0.3.0")
package io.occams.rpc.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
