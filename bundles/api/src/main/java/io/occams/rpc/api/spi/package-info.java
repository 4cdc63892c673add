/**
 * The service provider interfaces that bundles contribute: value codecs ({@link io.occams.rpc.api.spi.Codec}),
 * error codecs ({@link io.occams.rpc.api.spi.ErrorCodec}), runtimes ({@link io.occams.rpc.api.spi.Runtime})
 * and request dispatch ({@link io.occams.rpc.api.spi.Dispatch}).
 *
 * <p>Buffers are Netty {@code ByteBuf}s. The rule everywhere: a method that "takes" a buffer releases
 * it exactly once (or passes it on); a method that "borrows" one leaves it as it was.
 */
@Export
@Version("0.3.0")
package io.occams.rpc.api.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
