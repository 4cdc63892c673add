/**
 * Internal: the errors bundle's OSGi wiring, a Declarative Services component that offers the
 * {@code ErrorCodecRegistry} as a service and fills it from a whiteboard of {@code ErrorCodec}
 * services. Not exported, neither to OSGi nor to JPMS; on the module path nothing here is loaded.
 */
package io.occams.rpc.errors.internal.osgi;
