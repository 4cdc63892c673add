/**
 * Test helpers written once and shared by every implementation of an occams-rpc SPI: the
 * {@link io.occams.rpc.testkit.AbstractRuntimeContractTest runtime contract}, the
 * {@link io.occams.rpc.testkit.RuntimePerTest runtime-per-test fixture} of the contracts written once
 * above it (stream, remote API, pools), a
 * {@link io.occams.rpc.testkit.RecordingHandler recording connection handler}, raw {@code java.nio}
 * peers, a tracker that checks buffers are released, a {@link io.occams.rpc.testkit.ServerCallStub server
 * call without a network} and a {@link io.occams.rpc.testkit.ZooKeeperNodes look into ZooKeeper}. Test scope only; not a bundle.
 */
package io.occams.rpc.testkit;
