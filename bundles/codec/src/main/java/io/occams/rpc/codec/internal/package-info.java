/**
 * Internals of the codec bundle: the per-type bindings ("nodes") built once by the binder, the
 * msgpack-core adapters over Netty buffers and the pool of packers and unpackers. Not exported,
 * neither to OSGi nor to JPMS; nothing here is API and any of it may change without notice.
 */
package io.occams.rpc.codec.internal;
