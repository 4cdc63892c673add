/**
 * Internal: the codec bundle's OSGi wiring, a Declarative Services component that offers the msgpack
 * codec as a {@code Codec} service. Not exported, neither to OSGi nor to JPMS; on the module path
 * nothing here is loaded (the codec is found through {@code ServiceLoader} there).
 */
package io.occams.rpc.codec.internal.osgi;
