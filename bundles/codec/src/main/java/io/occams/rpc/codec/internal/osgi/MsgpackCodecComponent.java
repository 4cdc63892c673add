package io.occams.rpc.codec.internal.osgi;

import io.occams.rpc.api.spi.Binding;
import io.occams.rpc.api.spi.Codec;
import io.occams.rpc.codec.MsgpackCodec;
import java.lang.reflect.Type;
import org.osgi.service.component.annotations.Component;

/**
 * The msgpack codec as an OSGi service: {@code Codec} with {@code occams.codec.format=0}, which is how
 * servers and clients in the framework pick a codec by format byte. A thin delegate, because
 * {@link MsgpackCodec} is a plain final class that knows nothing of OSGi. Thread-safe, like the codec.
 */
@Component(service = Codec.class, property = "occams.codec.format:Integer=" + Codec.MSGPACK)
public final class MsgpackCodecComponent implements Codec {
    private final MsgpackCodec codec = new MsgpackCodec();

    @Override
    public int format() {
        return codec.format();
    }

    @Override
    public <T> Binding<T> binding(Type type) {
        return codec.binding(type);
    }

    @Override
    public Binding<Object[]> argumentsBinding(Type... parameterTypes) {
        return codec.argumentsBinding(parameterTypes);
    }

    @Override
    public String toString() {
        return codec.toString();
    }
}
