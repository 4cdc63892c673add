/**
 * Internals of the server bundle: the bound method invokers, the providers with their in-flight counts,
 * and codec discovery. Not exported, neither to OSGi nor to JPMS; nothing here is API and any of it may
 * change without notice.
 */
package io.occams.rpc.server.internal;
