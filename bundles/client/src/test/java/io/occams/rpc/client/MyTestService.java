package io.occams.rpc.client;

import io.occams.rpc.api.ErrnoException;
import io.occams.rpc.api.MessageException;
import io.occams.rpc.api.RpcMethod;
import io.occams.rpc.api.RpcService;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The M4 fixture: what a recording server sees for 0, 1 and 3 arguments, and every kind of answer. */
@RpcService
public interface MyTestService {
    @RpcMethod("no_args")
    void noArgs();

    String one(String s);

    long add(long a, long b);

    CompletableFuture<Long> three(long a, String b, boolean c);

    CompletionStage<String> stage(String s);

    /** The recording server answers rpc_method_notfound. */
    long missing();

    /** Answered with errno 5. */
    long errno(long x) throws ErrnoException;

    /** Answered with errno 5, which it does not declare. */
    long undeclaredErrno(long x);

    /** Answered with the string frame "divide by zero". */
    long text(long x) throws MessageException;

    CompletableFuture<Long> textAsync(long x) throws MessageException;

    /** Answered with the string frame "rpc_quota": a user error, not a framework one. */
    long rpcish(long x) throws MessageException;

    /** Answered with an empty message. */
    long emptyLong();

    String emptyString();

    /** Answered with a message and a blob. */
    long blob();

    /** Answered with a msgpack string where a long is expected. */
    long garbage();

    /** Answered only when the test releases it. */
    long slow(long x);

    CompletableFuture<Long> slowAsync(long x);

    /** A default method runs locally. */
    default long twice(long x) {
        return 2 * add(x, 0);
    }
}
