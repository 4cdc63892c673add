package io.occams.rpc.itest.bundles.swap.api;

/**
 * A user error that only an error codec contributed by a bundle (the test "quota" bundle) carries across
 * the wire; without that bundle the server answers {@code rpc_internal_err}.
 */
public class QuotaExceeded extends Exception {
    private static final long serialVersionUID = 1L;

    public QuotaExceeded(String message) {
        super(message);
    }
}
