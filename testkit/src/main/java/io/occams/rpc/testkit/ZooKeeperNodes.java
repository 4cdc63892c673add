package io.occams.rpc.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

/**
 * A test's own look into a ZooKeeper that the software under test writes to (the remote-services
 * discovery publishes endpoints there): a client that is connected when returned, and a search of the
 * node tree. The ZooKeeper client is the test's dependency (testkit compiles against it, {@code provided}):
 * tests that use this class have it on their class path already, with the server they start.
 */
public final class ZooKeeperNodes {
    private ZooKeeperNodes() {}

    /**
     * A client of {@code connectString} (session timeout 15 s), returned once connected.
     *
     * @throws AssertionError when it has not connected within {@code wait} (the client is closed)
     */
    public static ZooKeeper connect(String connectString, Duration wait) throws IOException, InterruptedException {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(connectString, 15_000, e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        if (!connected.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            zk.close();
            throw new AssertionError(
                    "the test's own ZooKeeper client connects to " + connectString + " within " + wait);
        }
        return zk;
    }

    /**
     * The path of the first node at or under {@code path} (depth first) whose path or data (as UTF-8) holds
     * {@code text}, or null when none does (or {@code path} does not exist).
     */
    public static String nodeWith(ZooKeeper zk, String path, String text) throws KeeperException, InterruptedException {
        byte[] data;
        List<String> children;
        try {
            data = zk.getData(path, false, null);
            children = zk.getChildren(path, false);
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
        if (path.contains(text) || (data != null && new String(data, StandardCharsets.UTF_8).contains(text))) {
            return path;
        }
        for (String c : children) {
            String found = nodeWith(zk, path + "/" + c, text);
            if (found != null) {
                return found;
            }
        }
        return null;
    }
}
