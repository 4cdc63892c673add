/**
 * Internal: the errors bundle's OSGi wiring, a Declarative Services component that offers the
 * {@code ErrorCodecRegistry} as a service and fills it from a whiteboard of {@code ErrorCodec}
 * services. Not exported, neither to OSGi nor to JPMS; on the module path nothing here is loaded.
 *
 * <p>The component registers the registry from its own code, so bnd cannot see it: the
 * {@code osgi.service} capability below says so in the manifest, for resolvers that enforce service
 * requirements (Karaf's, bnd's) and the server's component that requires the service.
 */
@Capability(
        namespace = "osgi.service",
        attribute = "objectClass:List<String>=io.occams.rpc.errors.ErrorCodecRegistry",
        uses = io.occams.rpc.errors.ErrorCodecRegistry.class)
package io.occams.rpc.errors.internal.osgi;

import org.osgi.annotation.bundle.Capability;
