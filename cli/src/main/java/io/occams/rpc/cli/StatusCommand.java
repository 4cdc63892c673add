package io.occams.rpc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code occams status}: asks a running server's status service ({@code OccamsStatus}) what it is doing
 * now: its listeners (runtime, addresses, connections, calls in flight) and, per service, the provider
 * and how many calls it started, how many failed and how many run now. The same figures as Karaf's
 * {@code occams:servers} and {@code occams:services}, over the wire, for an {@code occams serve} (or any
 * server) an operator can reach. Exit 0, or 2 when the server cannot be asked.
 */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Ask a running server what it is doing: listeners, connections, calls in flight,"
                + " calls and errors per service.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    Target target;

    @Option(names = "--json", description = "Print the status service's own answer as JSON.")
    boolean json;

    @Override
    public Integer call() {
        return Reflect.ask(target, "status", s -> {
            JsonNode status = Reflect.call(s, Reflect.STATUS, null);
            if (json) {
                System.out.println(status.toPrettyString());
            } else {
                print(status);
            }
            return Main.OK;
        });
    }

    private static void print(JsonNode status) {
        System.out.println(status.path("serving").asBoolean() ? "SERVING" : "NOT_SERVING (draining)");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"RUNTIME", "ADDRESSES", "CONNECTIONS", "IN-FLIGHT"});
        for (JsonNode l : status.path("listeners")) {
            List<String> as = new ArrayList<>();
            l.path("addresses").forEach(a -> as.add(a.asText()));
            rows.add(new String[] {
                l.path("runtime").asText(),
                String.join(",", as),
                l.path("connections").asText(),
                l.path("inFlight").asText()
            });
        }
        System.out.println();
        table(rows);
        rows.clear();
        rows.add(new String[] {"SERVICE", "PROVIDER", "VERSION", "PROVIDERS", "CALLS", "ERRORS", "IN-FLIGHT"});
        for (JsonNode v : status.path("services")) {
            rows.add(new String[] {
                v.path("name").asText(),
                v.path("provider").asText(),
                v.path("version").asText(),
                v.path("providers").asText(),
                v.path("calls").asText(),
                v.path("errors").asText(),
                v.path("inFlight").asText()
            });
        }
        System.out.println();
        table(rows);
    }

    /** Left-aligned columns as wide as their widest cell, two spaces apart. */
    private static void table(List<String[]> rows) {
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                b.append(r[i]);
                if (i < r.length - 1) {
                    b.append(" ".repeat(width[i] - r[i].length() + 2));
                }
            }
            System.out.println(b);
        }
    }
}
