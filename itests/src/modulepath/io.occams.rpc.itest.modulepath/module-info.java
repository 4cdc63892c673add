/**
 * A user's program on the module path: it reads only our exported API and finds codecs and runtimes
 * through {@link java.util.ServiceLoader}, the way a plain JPMS application would. Compiled and launched
 * by {@code io.occams.rpc.itest.ModulePathIT}.
 */
module io.occams.rpc.itest.modulepath {
    requires io.occams.rpc.api;

    uses io.occams.rpc.api.spi.Codec;
    uses io.occams.rpc.api.spi.Runtime;
}
