package io.occams.rpc.server;

import io.occams.rpc.api.ErrnoException;
import io.occams.rpc.api.MessageException;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.RpcException;
import io.occams.rpc.api.RpcService;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Services of the tests (spec §10 M1-M3 equivalents and hot-swap probes). */
public final class TestServices {
    private TestServices() {}

    /** A user error carried as a codec-encoded payload. */
    static final class QuotaExceeded extends Exception {
        private static final long serialVersionUID = 1L;
        final int code;

        QuotaExceeded(int code, String detail) {
            super(detail);
            this.code = code;
        }
    }

    /** The payload of {@link QuotaExceeded} on the wire. */
    public record Quota(int code, String detail) {}

    /** M1: one service, every kind of error. */
    @RpcService
    public interface MultiErrorService {
        int success(int x);

        void stringError() throws MessageException;

        void i32Error() throws ErrnoException;

        void errnoError() throws ErrnoException;

        void quota() throws QuotaExceeded;

        void nothing();

        void framework();

        void unmapped();

        CompletableFuture<Integer> asyncFailure();
    }

    static final class MultiErrorImpl implements MultiErrorService {
        @Override
        public int success(int x) {
            return x + 1;
        }

        @Override
        public void stringError() throws MessageException {
            throw new MessageException("string error");
        }

        @Override
        public void i32Error() throws ErrnoException {
            throw new ErrnoException(42);
        }

        @Override
        public void errnoError() throws ErrnoException {
            throw new ErrnoException(1); // EPERM
        }

        @Override
        public void quota() throws QuotaExceeded {
            throw new QuotaExceeded(7, "full");
        }

        @Override
        public void nothing() {}

        @Override
        public void framework() {
            throw new RpcException(RpcCode.TIMEOUT);
        }

        @Override
        public void unmapped() {
            throw new IllegalStateException("a bug");
        }

        @Override
        public CompletableFuture<Integer> asyncFailure() {
            return CompletableFuture.failedFuture(new ErrnoException(13));
        }
    }

    /** Argument round trips: 0, 1 and 3 arguments, and a record. */
    @RpcService("Args")
    public interface ArgsService {
        String none();

        long one(long x);

        String three(String s, long n, boolean b);

        Quota record(Quota q);
    }

    static final class ArgsImpl implements ArgsService {
        @Override
        public String none() {
            return "none";
        }

        @Override
        public long one(long x) {
            return x * 2;
        }

        @Override
        public String three(String s, long n, boolean b) {
            return s + n + b;
        }

        @Override
        public Quota record(Quota q) {
            return new Quota(q.code() + 1, q.detail() + "!");
        }
    }

    /** A slow and a fast method; the slow one waits for {@link #release}. */
    @RpcService("Timing")
    public interface TimingService {
        String slow();

        long fast(long x);
    }

    static final class TimingImpl implements TimingService {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public String slow() {
            started.countDown();
            try {
                if (!release.await(30, TimeUnit.SECONDS)) {
                    return "timed out";
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "slow";
        }

        @Override
        public long fast(long x) {
            return x;
        }
    }

    /** Says which provider answered. */
    @RpcService("Version")
    public interface VersionService {
        String version();
    }

    static VersionService version(String v) {
        return () -> v;
    }
}
