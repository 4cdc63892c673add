package io.occams.rpc.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.occams.rpc.examples.CalService;
import io.occams.rpc.examples.internal.CalServiceImpl;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ServiceDispatcher#addChangeListener} and {@link ServiceDispatcher#provider}: what discovery follows. */
class ChangeListenerTest {
    @Test
    void aListenerSeesEveryRegistrationAndUnregistrationWithTheStateAlreadyChanged() {
        // Without the built-in OccamsReflection, OccamsHealth and OccamsStatus, which are registered before any
        // listener.
        ServiceDispatcher d = ServiceDispatcher.builder()
                .swapGrace(java.time.Duration.ZERO)
                .introspection(false)
                .build();
        List<String> seen = new ArrayList<>();
        Runnable remove =
                d.addChangeListener(() -> seen.add(d.serviceNames() + " " + (d.provider("CalService") != null)));
        CalServiceImpl first = new CalServiceImpl();
        CalServiceImpl second = new CalServiceImpl();
        ServiceDispatcher.Registration a = d.register(CalService.class, first);
        assertThat(d.provider("CalService")).isSameAs(first);
        ServiceDispatcher.Registration b = d.register(CalService.class, second);
        assertThat(d.provider("CalService")).isSameAs(second); // the newest of equal ranking goes first
        b.close();
        assertThat(d.provider("CalService")).isSameAs(first);
        a.close();
        assertThat(d.provider("CalService")).isNull();
        assertThat(seen).containsExactly("[CalService] true", "[CalService] true", "[CalService] true", "[] false");

        remove.run();
        remove.run();
        d.register(CalService.class, first).close();
        assertThat(seen).hasSize(4);
    }

    @Test
    void aThrowingListenerDoesNotStopARegistration() {
        ServiceDispatcher d =
                ServiceDispatcher.builder().swapGrace(java.time.Duration.ZERO).build();
        d.addChangeListener(() -> {
            throw new IllegalStateException("listener bug");
        });
        List<String> after = new ArrayList<>();
        d.addChangeListener(() -> after.add("ran"));
        ServiceDispatcher.Registration r = d.register(CalService.class, new CalServiceImpl());
        assertThat(r.isActive()).isTrue();
        assertThat(after).containsExactly("ran");
    }
}
