package io.occams.rpc.itest.bundles.swap.api;

import io.occams.rpc.api.RpcService;

/**
 * The contract of the test service bundles that the itests install, update and uninstall: a plain
 * {@code @RpcService} interface in a bundle of its own (the api bundle stays, the implementation comes
 * and goes). Built into a bundle by {@link io.occams.rpc.itest.TestBundles}; never part of the probe.
 */
@RpcService("Swap")
public interface VersionService {
    /** {@code "<version of the implementation bundle>:<n>"}. */
    String version(long n);

    /** {@code n} when it is not negative; otherwise the quota is exceeded. */
    long check(long n) throws QuotaExceeded;
}
