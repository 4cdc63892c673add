/**
 * Internals of the client bundle: the proxies' invocation handler, the per-method call plans, the
 * task that carries one call, and the deadline timer. Not exported, neither to OSGi nor to JPMS;
 * nothing here is API and any of it may change without notice.
 */
package io.occams.rpc.client.internal;
