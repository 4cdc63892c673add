/**
 * Internals of the errors bundle: the immutable codec table behind the registry, strict UTF-8
 * decoding and the per-codec binding cache. Not exported, neither to OSGi nor to JPMS; nothing here
 * is API and any of it may change without notice.
 */
package io.occams.rpc.errors.internal;
