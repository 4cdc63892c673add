/**
 * occams-rpc discovery through ZooKeeper: servers register their endpoints, clients get a pool per
 * service name that follows them. Exports agree with the bundle's Export-Package. Curator and ZooKeeper
 * are modules of their own here (automatic, named after their jars); in OSGi the bundle carries them.
 */
module io.occams.rpc.discovery.zookeeper {
    requires transitive io.occams.rpc.pool;
    requires transitive io.occams.rpc.server;
    requires curator.framework;
    requires curator.recipes;
    requires curator.client;
    requires zookeeper;
    requires org.slf4j;
    requires static osgi.annotation;
    requires static com.google.errorprone.annotations;
    // internal.osgi (DS components, never loaded on the module path): compile time only.
    requires static osgi.core;
    requires static org.osgi.service.component.annotations;

    exports io.occams.rpc.discovery.zookeeper;
}
