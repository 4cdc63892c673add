/** The Configuration Admin components of the ZooKeeper discovery (sessions, server registrations). Not exported. */
package io.occams.rpc.discovery.zookeeper.internal.osgi;
