package io.occams.rpc.itest.modulepath;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.RpcCode;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.api.spi.Runtime;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Prints one line per fact; ModulePathIT compares the lines with what the jars declare. Anything that
 * goes wrong is an exception, which makes the exit code non-zero.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        Module self = Main.class.getModule();
        System.out.println("self " + self.getName() + " classpath=[" + System.getProperty("java.class.path", "") + "]");

        ModuleLayer.boot().modules().stream()
                .filter(m -> m.getName().startsWith("io.occams.rpc.") && m != self)
                .map(m -> "module " + m.getName() + (m.getDescriptor().isAutomatic() ? " automatic" : " explicit"))
                .sorted()
                .forEach(System.out::println);

        RpcAddress tcp = RpcAddress.parse("[::1]:7000");
        System.out.println("address tcp host=" + tcp.host() + " port=" + tcp.port() + " unix=" + tcp.isUnix());
        RpcAddress unix = RpcAddress.parse("/run/occams.sock");
        System.out.println(
                "address unix path=" + unix.path().equals(Path.of("/run/occams.sock")) + " unix=" + unix.isUnix());

        System.out.println("codes "
                + Arrays.stream(RpcCode.values()).map(RpcCode::wireName).collect(Collectors.joining(",")));
        System.out.println("code roundtrip " + (RpcCode.fromWireName("rpc_timeout") == RpcCode.TIMEOUT));

        for (Codec codec : ServiceLoader.load(Codec.class)) {
            System.out.println(
                    "provider io.occams.rpc.api.spi.Codec " + codec.getClass().getName());
            ByteBuf buf = Unpooled.buffer();
            try {
                codec.argumentsBinding(int.class, int.class).encode(new Object[] {10, 20}, buf);
                System.out.println("codec format=" + codec.format() + " (10,20) -> "
                        + ByteBufUtil.hexDump(buf).replaceAll("(..)(?!$)", "$1 "));
            } finally {
                buf.release();
            }
        }

        for (Runtime runtime : ServiceLoader.load(Runtime.class)) {
            try (runtime) {
                System.out.println("provider io.occams.rpc.api.spi.Runtime "
                        + runtime.getClass().getName() + " name=" + runtime.name());
            }
        }
        System.out.println("done");
    }
}
