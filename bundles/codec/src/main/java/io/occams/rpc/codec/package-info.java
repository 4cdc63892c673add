/**
 * The msgpack codec of occams-rpc ({@link io.occams.rpc.codec.MsgpackCodec}, format byte 0): Java
 * values to and from the bytes that rmp-serde writes in "named" mode, so a Java peer and a Rust
 * occams-rpc peer understand each other's messages.
 */
@Export
@Version("0.1.0")
package io.occams.rpc.codec;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
