/**
 * Internal: the server bundle's OSGi wiring. {@code ServerComponent} makes one server per factory
 * configuration {@code io.occams.rpc.server} and moves it between runtimes; {@code ServiceWhiteboard}
 * serves every {@code @RpcService} OSGi service through it and does the hot swap in the service tracker's
 * callbacks. Not exported, neither to OSGi nor to JPMS; on the module path nothing here is loaded.
 */
package io.occams.rpc.server.internal.osgi;
