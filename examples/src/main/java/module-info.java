/**
 * occams-rpc examples: the reference services of the Rust test suite (spec §10 A1). Exports agree with the
 * bundle's Export-Package (checked by itests' ModuleManifestAgreementTest).
 */
module io.occams.rpc.examples {
    requires transitive io.occams.rpc.api;
    requires static osgi.annotation;
    // internal.osgi (the DS components, never loaded on the module path): compile-time annotations only.
    requires static org.osgi.service.component.annotations;
    // internal.osgi.FileFixtureComponent (the stream fixture's listener), OSGi only like the other components.
    requires static io.occams.rpc.stream;
    requires static osgi.core;

    exports io.occams.rpc.examples;

    provides io.occams.rpc.examples.CalService with
            io.occams.rpc.examples.internal.CalServiceImpl;
    provides io.occams.rpc.examples.AsyncCalService with
            io.occams.rpc.examples.internal.AsyncCalServiceImpl;
    provides io.occams.rpc.examples.EchoService with
            io.occams.rpc.examples.internal.EchoServiceImpl;
}
