/**
 * Service discovery through ZooKeeper: {@link io.occams.rpc.discovery.zookeeper.ZooKeeperDiscovery}
 * registers servers (one ephemeral entry per service and endpoint, following what the server serves) and
 * gives clients a {@link io.occams.rpc.discovery.zookeeper.ServiceCaller} per service name, a pool that
 * follows the entries live. The bundle carries its own Curator and ZooKeeper client; core bundles do not
 * depend on it.
 *
 * <h2>In OSGi: Configuration Admin</h2>
 * <table>
 * <caption>Factory PID {@code io.occams.rpc.discovery.zookeeper}: one ZooKeeper session per configuration,
 * registered as a {@code ZooKeeperDiscovery} service with {@code occams.discovery.name}</caption>
 * <tr><th>property</th><th>type</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code connect}</td><td>string</td><td>none: the configuration does nothing</td><td>ZooKeeper connect string, {@code host:port[,host:port...]}</td></tr>
 * <tr><td>{@code name}</td><td>string</td><td>{@code default}</td><td>the discovery's name, as client configurations and registrations name it</td></tr>
 * <tr><td>{@code root}</td><td>string</td><td>{@code /occams}</td><td>the root node of our entries</td></tr>
 * <tr><td>{@code sessionTimeout}</td><td>duration</td><td>15 s</td><td>how long after a server dies its entries go</td></tr>
 * <tr><td>{@code connectTimeout}</td><td>duration</td><td>5 s</td><td>after this long without a connection an error is logged (retrying goes on)</td></tr>
 * </table>
 * <table>
 * <caption>Factory PID {@code io.occams.rpc.discovery.zookeeper.registration}: registers servers</caption>
 * <tr><th>property</th><th>type</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code discovery}</td><td>string</td><td>{@code default}</td><td>the name of the discovery to register with</td></tr>
 * <tr><td>{@code server}</td><td>string</td><td>every server</td><td>the {@code name} of the server configuration to register (else every {@code RpcServer} service)</td></tr>
 * <tr><td>{@code host}</td><td>string</td><td>the machine's address</td><td>the host to advertise for servers bound to a wildcard address</td></tr>
 * <tr><td>{@code weight}</td><td>int</td><td>1</td><td>the weight of the entries (0: registered, not used)</td></tr>
 * </table>
 * A client configuration ({@code io.occams.rpc.client}) may give {@code service} and {@code discovery}
 * instead of {@code addresses}: see the pool bundle.
 */
@Export
@Version("0.2.0")
package io.occams.rpc.discovery.zookeeper;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
