/**
 * Internal: the examples bundle's OSGi wiring. Each reference implementation is offered as a plain
 * Declarative Services component under its {@code @RpcService} interface, and the occams server's
 * whiteboard serves it; nothing here knows occams beyond the api's interfaces. Not exported, neither to
 * OSGi nor to JPMS; on the module path nothing here is loaded (the implementations are found through
 * {@code ServiceLoader} there).
 */
package io.occams.rpc.examples.internal.osgi;
