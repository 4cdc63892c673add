package io.occams.rpc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code occams describe Service[.method]}: a service's methods with their parameters and results, or one
 * method, from the server's reflection service. Exit 0; 1 when the server does not serve the name; 2
 * when it cannot be asked.
 */
@Command(
        name = "describe",
        mixinStandardHelpOptions = true,
        description = "Describe a served service, or one of its methods.")
final class DescribeCommand implements Callable<Integer> {
    @Mixin
    Target target;

    @Parameters(index = "0", paramLabel = "Service[.method]", description = "e.g. CalService or CalService.add.")
    String name;

    @Option(names = "--json", description = "Print the reflection service's answer as JSON.")
    boolean json;

    @Override
    public Integer call() {
        int dot = name.indexOf('.');
        String service = dot < 0 ? name : name.substring(0, dot);
        String method = dot < 0 ? null : name.substring(dot + 1);
        return Reflect.ask(target, "reflection", s -> {
            JsonNode svc = Reflect.call(s, Reflect.DESCRIBE, service);
            if (svc == null || svc.isNull()) {
                System.err.println("error: the server serves no service \"" + service + "\""
                        + Reflect.suggest(service, Reflect.serviceNames(Reflect.call(s, Reflect.LIST, null))));
                return 1;
            }
            if (method != null) {
                JsonNode m = Reflect.method(svc, method);
                if (m == null) {
                    System.err.println("error: " + service + " has no method \"" + method + "\""
                            + Reflect.suggest(method, Reflect.methodNames(svc)) + " (methods: "
                            + String.join(", ", Reflect.methodNames(svc)) + ")");
                    return 1;
                }
                System.out.println(json ? m.toPrettyString() : service + "." + Reflect.signature(m));
                return 0;
            }
            if (json) {
                System.out.println(svc.toPrettyString());
                return 0;
            }
            System.out.println(
                    svc.path("name").asText() + "  (" + svc.path("type").asText() + ", provided by "
                            + svc.path("provider").asText() + " "
                            + svc.path("version").asText() + ")");
            for (JsonNode m : svc.path("methods")) {
                StringBuilder flags = new StringBuilder();
                if (m.path("async").asBoolean()) {
                    flags.append(" [async]");
                }
                if (m.path("idempotent").asBoolean()) {
                    flags.append(" [idempotent]");
                }
                if (m.path("errors").size() > 0) {
                    flags.append(" throws ");
                    for (int i = 0; i < m.path("errors").size(); i++) {
                        flags.append(i > 0 ? ", " : "")
                                .append(m.path("errors").get(i).asText());
                    }
                }
                System.out.println("  " + Reflect.signature(m) + flags);
            }
            return 0;
        });
    }
}
