/**
 * A {@link io.occams.rpc.api.spi.Runtime} on virtual threads:
 * {@link io.occams.rpc.runtime.vthreads.VirtualThreadRuntime}. Blocking {@code SocketChannel}s (TCP and
 * Unix-domain sockets), one reader (a platform thread for the first few connections, then virtual) and
 * one virtual writer thread per connection, like the seed's coroutines. Needs Java 21; on an older framework the bundle does not resolve and another
 * runtime serves.
 */
@Export
@Version("0.3.0")
package io.occams.rpc.runtime.vthreads;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
