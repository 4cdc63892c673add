/**
 * The occams-rpc 0.2 stream layer: frames on Netty {@code ByteBuf}s ({@link io.occams.rpc.stream.Frames}
 * writes the headers), the client connection ({@link io.occams.rpc.stream.ClientStream}) and the server
 * side ({@link io.occams.rpc.stream.StreamServer}), on any {@link io.occams.rpc.api.spi.Runtime}.
 *
 * <p>Who implements what: {@link io.occams.rpc.stream.ClientTask} (and {@code ForwardingClientTask}) is
 * for users to extend ({@code @ConsumerType}); {@link io.occams.rpc.stream.Caller},
 * {@link io.occams.rpc.stream.ClientStream}, {@link io.occams.rpc.stream.StreamServer} and
 * {@code TrackingCaller} are this bundle's to change ({@code @ProviderType}).
 *
 * <p><b>Version 1.0.0</b> (was 0.2.0): the frame decoders {@code RequestDecoder} and {@code ResponseDecoder}
 * left this package for the bundle's internal one. Removing exported types is a major change, so the major
 * version moves, although no release outside this tree ever carried 0.2.0: a consumer that imported the
 * package at [0.2,1) must not resolve against a package without the types it may use. The decoders are
 * cursors over a connection's bytes that only the stream layer itself drives; the wire format stays
 * documented by the spec and by {@code Frames}.
 */
@Export
@Version("1.0.0")
package io.occams.rpc.stream;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
