package io.occams.rpc.runtime.vthreads.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.occams.rpc.runtime.vthreads.VirtualThreadRuntime;
import org.junit.jupiter.api.Test;

/** When the runtime asks the JDK for poller mode 1, and when it leaves the JDK's choice alone. */
class PollerModeTest {
    @Test
    void asksForPlatformPollerThreadsWhenTheJvmWasStartedWithoutAPollerMode() {
        assertEquals("1", PollerMode.choose(null, null, 25));
        assertEquals("1", PollerMode.choose(null, null, 21));
        assertEquals("1", PollerMode.choose(null, "system", 25));
    }

    @Test
    void leavesAPollerModeGivenOnTheCommandLineAlone() {
        assertNull(PollerMode.choose("2", null, 25));
        assertNull(PollerMode.choose("1", null, 25));
    }

    @Test
    void leavesTheJdksDefaultWhenToldTo() {
        assertNull(PollerMode.choose(null, "jdk", 25));
        assertNull(PollerMode.choose(null, " JDK ", 25));
    }

    @Test
    void leavesJdksItWasNotMeasuredOnToTheirOwnDefault() {
        assertNull(PollerMode.choose(null, null, 26));
    }

    @Test
    void loadingTheRuntimeSetsTheJdkPropertyWhenTheJvmDidNotChoose() {
        // Surefire's JVM sets neither property (the pom gives no -Djdk.pollerMode), so loading the runtime
        // class must have asked for mode 1 on the JDKs it applies to.
        String before = System.getProperty(PollerMode.PROPERTY);
        VirtualThreadRuntime.builder(); // loads and initializes the class
        String expected =
                Runtime.version().feature() <= 25 && before == null ? "1" : System.getProperty("jdk.pollerMode");
        assertEquals(expected, System.getProperty("jdk.pollerMode"));
    }
}
