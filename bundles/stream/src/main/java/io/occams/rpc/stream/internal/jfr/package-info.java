/**
 * JDK Flight Recorder events of the stream bundle: a server connection opened and closed. Not exported;
 * the event names ({@code io.occams.rpc.*}) are what users see. Touched only through {@link ConnectionEvents},
 * which checks first that {@code jdk.jfr} can be loaded (an OSGi framework may not export it; the import is
 * optional).
 */
package io.occams.rpc.stream.internal.jfr;
