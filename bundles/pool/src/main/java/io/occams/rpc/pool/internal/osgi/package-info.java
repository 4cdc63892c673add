/**
 * Internal: the pool bundle's OSGi wiring. {@code ClientComponent} makes one failover pool per factory
 * configuration {@code io.occams.rpc.client} and registers it as a {@code Caller} service, moving it
 * between runtimes as they come and go. Not exported, neither to OSGi nor to JPMS; on the module path
 * nothing here is loaded.
 */
package io.occams.rpc.pool.internal.osgi;
