package io.occams.rpc.api.introspect;

import io.occams.rpc.api.RpcService;
import java.util.List;

/**
 * The reflection service that every server serves unless told not to: what it serves now, method by
 * method. On the wire it is {@code OccamsReflection.list} (no argument) and
 * {@code OccamsReflection.describe} (a service name); the answers are msgpack maps keyed by the record
 * components' names, so a client in any language can read them.
 *
 * <pre>{@code
 * Reflection r = client.proxy(Reflection.class, stream);
 * for (ServiceInfo s : r.list()) System.out.println(s.name() + " " + s.provider() + " " + s.version());
 * }</pre>
 */
@RpcService(Reflection.NAME)
public interface Reflection {
    /** The service name on the wire. */
    String NAME = "OccamsReflection";

    /** Every service served now (the first provider of each name), sorted by name. */
    List<ServiceInfo> list();

    /** The service {@code service} as served now; null when nothing serves that name. */
    ServiceInfo describe(String service);
}
