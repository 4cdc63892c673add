/**
 * The reference services of the Rust test suite (spec §10 A1) as {@link io.occams.rpc.api.RpcService}
 * interfaces: {@link io.occams.rpc.examples.CalService} (and its asynchronous twin
 * {@link io.occams.rpc.examples.AsyncCalService}, the same service on the wire) and
 * {@link io.occams.rpc.examples.EchoService}. The implementations are internal and offered through
 * {@code ServiceLoader} ({@code provides} on the module path, {@code META-INF/services} on the class path).
 */
@Export
@Version("0.1.0")
package io.occams.rpc.examples;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
