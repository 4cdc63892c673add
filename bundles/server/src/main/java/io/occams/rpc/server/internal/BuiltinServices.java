package io.occams.rpc.server.internal;

import io.occams.rpc.api.introspect.Health;
import io.occams.rpc.api.introspect.Reflection;
import io.occams.rpc.api.introspect.ServerStatus;
import io.occams.rpc.api.introspect.ServiceInfo;
import io.occams.rpc.api.introspect.Status;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The reflection, health and status services every dispatcher serves unless told not to. They only read what
 * the dispatcher tells them through the functions given; they keep no state of their own.
 */
public final class BuiltinServices {
    private BuiltinServices() {}

    /** The reflection service over {@code list} (every service, by name) and {@code describe} (one, or null). */
    public static Reflection reflection(Supplier<List<ServiceInfo>> list, Function<String, ServiceInfo> describe) {
        return new Reflection() {
            @Override
            public List<ServiceInfo> list() {
                return list.get();
            }

            @Override
            public ServiceInfo describe(String service) {
                return service == null ? null : describe.apply(service);
            }

            @Override
            public String toString() {
                return "built-in reflection";
            }
        };
    }

    /** The health service over {@code check} (a name's status, "" the server's) and {@code all}. */
    public static Health health(Function<String, String> check, Supplier<Map<String, String>> all) {
        return new Health() {
            @Override
            public String check(String service) {
                return check.apply(service == null ? "" : service);
            }

            @Override
            public Map<String, String> all() {
                return all.get();
            }

            @Override
            public String toString() {
                return "built-in health";
            }
        };
    }

    /** The status service over {@code status} (the dispatcher's listeners and counters now). */
    public static Status status(Supplier<ServerStatus> status) {
        return new Status() {
            @Override
            public ServerStatus status() {
                return status.get();
            }

            @Override
            public String toString() {
                return "built-in status";
            }
        };
    }
}
