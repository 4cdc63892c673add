package io.occams.rpc.examples.internal;

import io.occams.rpc.api.RpcService;
import io.occams.rpc.examples.AsyncCalService;

/**
 * {@link AsyncCalService} served under the wire name {@code "AsyncCalService"} instead of
 * {@code "CalService"}, so that one server answers both paths side by side: {@code CalService.add} runs the
 * synchronous method off the reader, {@code AsyncCalService.add} the future-returning one on it
 * ({@code occams bench --method CalService.add} against {@code --method AsyncCalService.add}).
 */
@RpcService("AsyncCalService")
public interface AsyncCalServiceByItsName extends AsyncCalService {}
