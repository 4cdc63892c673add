package io.occams.rpc.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.ProbeBuilder;
import org.ops4j.pax.exam.TestProbeBuilder;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Client and server in two separate frameworks of the same kind: the Pax Exam framework holds the client
 * (a pool from Configuration Admin, a proxy), and the test starts a second framework holding the server
 * and the service bundle, with our bundles installed from the same jars. The two share nothing but the
 * wire; the second framework is driven by class name and reflection, since its classes are its own.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TwoFrameworksOsgiIT {
    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin cm;

    @Configuration
    public Option[] config() {
        return OsgiSetup.options("client");
    }

    @ProbeBuilder
    public TestProbeBuilder probe(TestProbeBuilder builder) {
        return OsgiSetup.probe(builder);
    }

    @Test
    public void aClientInOneFrameworkCallsAServerInAnotherAndSeesItsServiceChange() throws Exception {
        try (ServerFramework server = ServerFramework.start("server-framework")) {
            server.installStarted("itest:swap-api", TestBundles.swapApi());
            Bundle impl = server.installStarted("itest:swap-impl", TestBundles.swapImpl("remote1"));
            server.configureServer("host", "127.0.0.1", "port", 0);
            String address = server.awaitAddress();

            Rpc rpc = new Rpc(context, cm);
            org.osgi.service.cm.Configuration client =
                    rpc.configure(Rpc.CLIENT_PID, "addresses", address, "maxConnections", 2);
            try {
                ServiceTracker<io.occams.rpc.stream.Caller, io.occams.rpc.stream.Caller> callers = rpc.caller(client);
                SwapClient swap = rpc.client().proxy(SwapClient.class, HotSwapOsgiIT.tracking(callers));
                assertEquals("remote1:1", swap.version(1).get(60, TimeUnit.SECONDS));

                Load load = new Load(() -> swap, 64).start();
                assertTrue("load under way", load.awaitProgress(500, 60_000));
                load.expect("remote2");
                impl.update(new ByteArrayInputStream(TestBundles.swapImpl("remote2")));
                assertTrue(
                        "replies from the updated bundle in the other framework (" + load + ")",
                        load.awaitExpected(60, TimeUnit.SECONDS));
                load.stop();
                System.out.println("TWO FRAMEWORKS " + context.getBundle(0).getSymbolicName() + ": " + load);
                assertEquals(load.toString(), 0, load.failed.get());
                callers.close();
            } finally {
                client.delete();
            }
        }
    }
}
