package io.occams.rpc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code occams health [SERVICE]}: asks the server's health service ({@code OccamsHealth}, after the gRPC
 * health protocol) about the server, or one service. Prints the status; exit 0 when SERVING, 1 when
 * NOT_SERVING or SERVICE_UNKNOWN, 2 when the server cannot be asked. Without a name, {@code --all}
 * prints every service's status.
 */
@Command(
        name = "health",
        mixinStandardHelpOptions = true,
        description = "Ask a server's health service: SERVING (exit 0) or not (exit 1).")
final class HealthCommand implements Callable<Integer> {
    @Mixin
    Target target;

    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "SERVICE",
            description = "A service name (default: the server as a whole).")
    String service = "";

    @Option(names = "--all", description = "Print the status of the server and of every service.")
    boolean all;

    @Option(names = "--json", description = "Print the answer as JSON.")
    boolean json;

    @Override
    public Integer call() {
        return Reflect.ask(target, "health", s -> {
            if (all) {
                JsonNode statuses = Reflect.call(s, Reflect.HEALTH_ALL, null);
                if (json) {
                    System.out.println(statuses.toPrettyString());
                } else {
                    Iterator<Map.Entry<String, JsonNode>> it =
                            statuses.properties().iterator();
                    while (it.hasNext()) {
                        Map.Entry<String, JsonNode> e = it.next();
                        System.out.printf(
                                "%-24s %s%n",
                                e.getKey().isEmpty() ? "(server)" : e.getKey(),
                                e.getValue().asText());
                    }
                }
                return "SERVING".equals(statuses.path("").asText()) ? 0 : 1;
            }
            String status = Reflect.call(s, Reflect.HEALTH_CHECK, service).asText();
            System.out.println(json ? "{\"service\":" + quoted(service) + ",\"status\":\"" + status + "\"}" : status);
            return "SERVING".equals(status) ? 0 : 1;
        });
    }

    /** {@code s} as a JSON string. */
    private static String quoted(String s) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
