/**
 * Internal to the stream bundle: connection state machines and helpers. Not exported, to neither
 * OSGi nor JPMS; may change in any release.
 */
package io.occams.rpc.stream.internal;
