/** Implementation of the ZooKeeper discovery: the watch of one service, the registrar of one server. Not exported. */
package io.occams.rpc.discovery.zookeeper.internal;
