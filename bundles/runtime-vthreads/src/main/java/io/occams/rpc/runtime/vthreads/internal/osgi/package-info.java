/**
 * Internal: the virtual-thread runtime's OSGi wiring, a Declarative Services component that offers a
 * configured {@code VirtualThreadRuntime} as a {@code Runtime} service ({@code occams.runtime=vthreads}).
 * Not exported, neither to OSGi nor to JPMS; on the module path nothing here is loaded.
 */
package io.occams.rpc.runtime.vthreads.internal.osgi;
