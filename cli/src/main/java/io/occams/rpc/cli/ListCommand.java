package io.occams.rpc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.occams.rpc.stream.ClientStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code occams list}: the services a running server serves, asked of its reflection service
 * ({@code OccamsReflection.list}): name, provider and version, methods. Exit 0, or 2 when the server cannot
 * be asked (unreachable, or it serves no reflection). With {@code --zookeeper}, what
 * {@link DiscoveryListCommand} prints instead.
 */
@Command(
        name = "list",
        mixinStandardHelpOptions = true,
        description = {
            "List the services a server serves (its reflection service),",
            "or with --zookeeper the services registered in ZooKeeper and their endpoints."
        })
final class ListCommand implements Callable<Integer> {
    @Mixin
    Target target;

    @Mixin
    ZooKeeperOption zk;

    @Option(names = "--json", description = "Print the reflection service's answer as JSON.")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        if (zk.enabled()) {
            return DiscoveryListCommand.list(zk);
        }
        return Reflect.ask(target, "reflection", this::listByReflection);
    }

    int listByReflection(ClientStream s) {
        JsonNode list = Reflect.call(s, Reflect.LIST, null);
        if (json) {
            System.out.println(list.toPrettyString());
            return 0;
        }
        System.out.printf("%-24s %-36s %-16s %s%n", "SERVICE", "PROVIDER", "VERSION", "METHODS");
        for (JsonNode svc : list) {
            System.out.printf(
                    "%-24s %-36s %-16s %s%n",
                    svc.path("name").asText(),
                    svc.path("provider").asText(),
                    svc.path("version").asText(),
                    String.join(", ", Reflect.methodNames(svc)));
        }
        return 0;
    }
}
