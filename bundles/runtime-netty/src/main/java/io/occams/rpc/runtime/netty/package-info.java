/**
 * occams-rpc's runtime on Netty event loops: {@link io.occams.rpc.runtime.netty.NettyRuntime}, native
 * epoll where available, NIO otherwise, for TCP and Unix-domain sockets.
 */
@Export
@Version("0.3.0")
package io.occams.rpc.runtime.netty;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
