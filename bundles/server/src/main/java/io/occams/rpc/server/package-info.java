/**
 * The remote-API server: {@link io.occams.rpc.server.RpcServer} listens on TCP and Unix addresses and hands
 * calls to a {@link io.occams.rpc.server.ServiceDispatcher}, which routes {@code "Service.method"} to the
 * current provider of an {@link io.occams.rpc.api.RpcService} interface and swaps providers at run time
 * without failing a call.
 */
@Export
@Version("0.1.0")
package io.occams.rpc.server;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
