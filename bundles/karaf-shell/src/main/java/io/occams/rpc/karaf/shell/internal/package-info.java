/**
 * The Karaf shell commands {@code occams:servers}, {@code occams:services} and {@code occams:call}, found by
 * Karaf's shell extender through the bundle's {@code Karaf-Commands} header. Not exported; Karaf only.
 */
package io.occams.rpc.karaf.shell.internal;
