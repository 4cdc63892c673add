/**
 * Internal to the pool bundle: the reconnect backoff and the failover retry wrapper. Not exported, to
 * neither OSGi nor JPMS; may change in any release.
 */
package io.occams.rpc.pool.internal;
