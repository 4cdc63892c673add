/**
 * occams-rpc client: typed proxies for {@code @RpcService} interfaces over a {@code Caller}.
 * Exports agree with the bundle's Export-Package (checked by itests' ModuleManifestAgreementTest).
 */
module io.occams.rpc.client {
    requires transitive io.occams.rpc.stream;
    requires transitive io.occams.rpc.errors;
    requires org.slf4j;
    requires static osgi.annotation;

    exports io.occams.rpc.client;
}
