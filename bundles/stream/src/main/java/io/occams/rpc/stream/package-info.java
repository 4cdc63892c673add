/**
 * The occams-rpc 0.2 stream layer: frames on Netty {@code ByteBuf}s ({@link io.occams.rpc.stream.Frames},
 * {@link io.occams.rpc.stream.RequestDecoder}, {@link io.occams.rpc.stream.ResponseDecoder}), the client
 * connection ({@link io.occams.rpc.stream.ClientStream}) and the server side
 * ({@link io.occams.rpc.stream.StreamServer}), on any {@link io.occams.rpc.api.spi.Runtime}.
 */
@Export
@Version("0.3.0")
package io.occams.rpc.stream;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
