/**
 * Internal: the Netty channels, pipeline handler, listener and transport selection behind
 * {@link io.occams.rpc.runtime.netty.NettyRuntime}. Exported nowhere (neither to OSGi nor to JPMS);
 * may change in any release.
 */
package io.occams.rpc.runtime.netty.internal;
