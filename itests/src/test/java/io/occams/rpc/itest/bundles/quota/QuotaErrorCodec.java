package io.occams.rpc.itest.bundles.quota;

import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.ErrorCodec;
import io.occams.rpc.api.spi.WireError;
import io.occams.rpc.itest.bundles.swap.api.QuotaExceeded;

/**
 * The error-codec bundle of the itests: carries {@link QuotaExceeded} as errno 122, contributed as an
 * {@code ErrorCodec} service (a DS component, XML written by {@link io.occams.rpc.itest.TestBundles}).
 */
public final class QuotaErrorCodec implements ErrorCodec<QuotaExceeded> {
    static final int EDQUOT = 122;

    @Override
    public Class<QuotaExceeded> type() {
        return QuotaExceeded.class;
    }

    @Override
    public WireError encode(QuotaExceeded error, Codec codec) {
        return WireError.errno(EDQUOT);
    }

    @Override
    public QuotaExceeded decode(WireError error, Codec codec) {
        return error.isErrno() && error.errno() == EDQUOT ? new QuotaExceeded("quota exceeded (errno 122)") : null;
    }
}
