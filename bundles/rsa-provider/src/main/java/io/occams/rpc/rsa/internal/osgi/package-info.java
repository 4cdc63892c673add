/** The Aries RSA distribution provider, a DS component. Never exported. */
package io.occams.rpc.rsa.internal.osgi;
