/**
 * The implementations of the example services, found through {@code ServiceLoader}. Not exported.
 */
package io.occams.rpc.examples.internal;
