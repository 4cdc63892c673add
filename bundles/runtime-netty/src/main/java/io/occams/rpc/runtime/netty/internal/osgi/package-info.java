/**
 * Internal: the Netty runtime's OSGi wiring, a Declarative Services component that offers a
 * configured {@code NettyRuntime} as a {@code Runtime} service ({@code occams.runtime=netty}). Not
 * exported, neither to OSGi nor to JPMS; on the module path nothing here is loaded.
 */
package io.occams.rpc.runtime.netty.internal.osgi;
