package io.occams.rpc.api.introspect;

import java.util.List;

/**
 * One method of a served service: its wire name and action ({@code Service.method}), its parameters,
 * its result (Java type name and {@linkplain ParameterInfo#kind() kind}; a future's type argument for an
 * asynchronous method, {@code void} for none), whether it is asynchronous or idempotent, and the error
 * classes it declares.
 */
public record MethodInfo(
        String name,
        String action,
        List<ParameterInfo> parameters,
        String returns,
        String returnKind,
        boolean async,
        boolean idempotent,
        List<String> errors) {

    /** The signature as a person reads it: {@code add(long a, long b) -> long}. */
    public String signature() {
        StringBuilder b = new StringBuilder(name).append('(');
        for (int i = 0; i < parameters.size(); i++) {
            if (i > 0) {
                b.append(", ");
            }
            b.append(parameters.get(i).type())
                    .append(' ')
                    .append(parameters.get(i).name());
        }
        return b.append(") -> ").append(returns).toString();
    }
}
