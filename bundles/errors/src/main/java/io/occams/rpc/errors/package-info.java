/**
 * The error-codec registry: Java exception types to and from occams-rpc error frames (spec §2.4, §4).
 *
 * <p>{@link io.occams.rpc.errors.ErrorCodecRegistry} holds one {@link io.occams.rpc.api.spi.ErrorCodec}
 * per exception type. A server {@link io.occams.rpc.errors.ErrorCodecRegistry#encode encodes} what a
 * handler threw; a client {@link io.occams.rpc.errors.ErrorCodecRegistry#decode decodes} an error frame
 * into one of the called method's declared exceptions, or into a clear
 * {@link io.occams.rpc.api.RpcException} that keeps the raw value. The built-in codecs are
 * {@link io.occams.rpc.errors.ErrnoErrorCodec} (errno frames), {@link io.occams.rpc.errors.MessageErrorCodec}
 * (UTF-8 string frames) and {@link io.occams.rpc.errors.StructuredErrorCodec} (a value encoded by the
 * call's codec, in a string frame).
 */
@Export
@Version("0.1.0")
package io.occams.rpc.errors;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
