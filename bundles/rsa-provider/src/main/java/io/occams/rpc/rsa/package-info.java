/**
 * OSGi Remote Services over occams-rpc: the names of the distribution provider's config type and
 * properties. The provider itself (an Apache Aries RSA {@code DistributionProvider}) is internal; see
 * {@link io.occams.rpc.rsa.OccamsRemoteServices} for what a service registers to be exported through it.
 */
@Export
@Version("0.1.0")
package io.occams.rpc.rsa;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
