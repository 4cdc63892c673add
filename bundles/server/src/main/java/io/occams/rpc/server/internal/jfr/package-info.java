/**
 * JDK Flight Recorder events of the server bundle: one call (off by default) and a provider swap. Not
 * exported; the event names ({@code io.occams.rpc.*}) are what users see. Touched only through
 * {@link ServerEvents}, which checks first that {@code jdk.jfr} can be loaded (an OSGi framework may not
 * export it; the import is optional).
 */
package io.occams.rpc.server.internal.jfr;
