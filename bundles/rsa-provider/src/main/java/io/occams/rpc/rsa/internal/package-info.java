/** The provider's implementation: servers shared per port, pools shared per import, property rules. Never exported. */
package io.occams.rpc.rsa.internal;
