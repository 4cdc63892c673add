package io.occams.rpc.cli;

import io.occams.rpc.discovery.zookeeper.Endpoint;
import io.occams.rpc.discovery.zookeeper.ZooKeeperDiscovery;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * {@code occams list --zookeeper HOST:PORT} (a part of {@link ListCommand}): the services registered in ZooKeeper and their endpoints
 * (address, runtime, protocol, provider version, weight), one line each. Exit codes: 0 listed (even when
 * empty), 2 ZooKeeper not reachable within 5 s (like {@code rpc_unreachable}).
 */
final class DiscoveryListCommand {
    private DiscoveryListCommand() {}

    /** {@code list --zookeeper}: called by {@link ListCommand} when the option is given. */
    static int list(ZooKeeperOption zk) throws InterruptedException {
        Map<String, List<Endpoint>> services;
        try (ZooKeeperDiscovery d = zk.open()) {
            services = d.list();
        } catch (IOException e) {
            System.err.println("error: " + e.getMessage());
            return Main.RPC_ERROR;
        }
        if (services.isEmpty()) {
            System.out.println("no services registered under " + zk.root + " in ZooKeeper at " + zk.connect);
            return 0;
        }
        for (Map.Entry<String, List<Endpoint>> s : services.entrySet()) {
            System.out.println(s.getKey() + " (" + s.getValue().size()
                    + (s.getValue().size() == 1 ? " endpoint)" : " endpoints)"));
            for (Endpoint e : s.getValue()) {
                System.out.printf(
                        "  %-24s runtime %-8s protocol %s  version %s  weight %d%n",
                        e.address(), e.runtime(), e.protocol(), e.version(), e.weight());
            }
        }
        return 0;
    }
}
