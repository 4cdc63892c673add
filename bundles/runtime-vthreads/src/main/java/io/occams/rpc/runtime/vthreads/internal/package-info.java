/**
 * Internal to the runtime-vthreads bundle: connections and listeners on virtual threads. Not
 * exported, to neither OSGi nor JPMS; may change in any release.
 */
package io.occams.rpc.runtime.vthreads.internal;
