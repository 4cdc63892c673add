/** A service bundle built by the test with bnd and dropped into the server's deploy/ folder. */
package io.occams.rpc.distribution.greeter;
