package io.occams.rpc.errors.internal.osgi;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.occams.rpc.api.spi.ErrorCodec;
import io.occams.rpc.errors.ErrnoErrorCodec;
import io.occams.rpc.errors.ErrorCodecRegistry;
import io.occams.rpc.errors.MessageErrorCodec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The framework's one {@link ErrorCodecRegistry}, registered as a service of that class, and the
 * whiteboard that fills it: every {@link ErrorCodec} service in the registry is registered in it while
 * the service is there (dynamic, multiple, greedy: codecs come and go without restarting anything).
 *
 * <p>One codec per exception type is in use at a time. The built-in errno and message codecs hold their
 * types until a service for the same type arrives; among services for one type the best ranked
 * ({@code service.ranking}, then the oldest, as OSGi ranks references) is in use, and when it leaves the
 * next one (or the built-in) takes its place, so a type is never left without its codec while another
 * is offered.
 *
 * <p>Threading: DS calls bind and unbind from any thread; both are serialized on {@code this}. The
 * registry itself is lock-free for calls.
 */
@Component(
        service = {},
        immediate = true)
public final class ErrorCodecWhiteboard {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorCodecWhiteboard.class);
    private final ErrorCodecRegistry registry = new ErrorCodecRegistry();
    /** The candidates for each exception type, best first; the first one is the registered one. */
    @GuardedBy("this")
    private final Map<Class<?>, List<Candidate>> byType = new HashMap<>();

    @GuardedBy("this")
    private final Map<ServiceReference<?>, Candidate> byReference = new HashMap<>();

    private ServiceRegistration<ErrorCodecRegistry> registration;

    /** The built-ins are there from the start, before DS binds the first service. */
    public ErrorCodecWhiteboard() {
        offer(new Candidate(null, new ErrnoErrorCodec()));
        offer(new Candidate(null, new MessageErrorCodec()));
    }

    @Activate
    void activate(BundleContext context) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(Constants.SERVICE_DESCRIPTION, "occams-rpc error-codec registry");
        registration = context.registerService(ErrorCodecRegistry.class, registry, props);
    }

    @Deactivate
    void deactivate() {
        registration.unregister();
    }

    @Reference(
            service = ErrorCodec.class,
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    synchronized void addErrorCodec(ErrorCodec<?> codec, ServiceReference<ErrorCodec<?>> reference) {
        Candidate c = new Candidate(reference, codec);
        if (c.type == null) {
            LOG.warn(
                    "error codec service {} ({}) names no Throwable type; ignored",
                    reference,
                    codec.getClass().getName());
            return;
        }
        byReference.put(reference, c);
        offer(c);
    }

    synchronized void removeErrorCodec(ErrorCodec<?> codec, ServiceReference<ErrorCodec<?>> reference) {
        Candidate c = byReference.remove(reference);
        if (c == null) {
            return;
        }
        List<Candidate> list = byType.get(c.type);
        boolean wasActive = list.get(0) == c;
        list.remove(c);
        if (wasActive) {
            c.close();
            activateFirst(list);
        }
        if (list.isEmpty()) {
            byType.remove(c.type);
        }
    }

    private synchronized void offer(Candidate c) {
        List<Candidate> list = byType.computeIfAbsent(c.type, t -> new ArrayList<>());
        Candidate active = list.isEmpty() ? null : list.get(0);
        list.add(c);
        list.sort(Candidate.BEST_FIRST);
        if (list.get(0) != active) {
            if (active != null) {
                active.close();
            }
            activateFirst(list);
        }
    }

    private void activateFirst(List<Candidate> list) {
        for (Candidate next : list) {
            try {
                next.registration = registry.register(next.codec);
                return;
            } catch (RuntimeException e) {
                LOG.warn(
                        "error codec {} for {} cannot be used: {}",
                        next.codec.getClass().getName(),
                        next.type,
                        e.toString());
            }
        }
    }

    /** The registry this component offers; for tests in the same package. */
    ErrorCodecRegistry registry() {
        return registry;
    }

    private static final class Candidate {
        static final Comparator<Candidate> BEST_FIRST = (a, b) -> {
            if (a.reference == null || b.reference == null) {
                return a.reference == null ? (b.reference == null ? 0 : 1) : -1;
            }
            return b.reference.compareTo(
                    a.reference); // ServiceReference order: higher ranking, then lower id, is "greater"
        };

        final ServiceReference<?> reference;
        final ErrorCodec<?> codec;
        final Class<?> type;
        ErrorCodecRegistry.Registration registration;

        Candidate(ServiceReference<?> reference, ErrorCodec<?> codec) {
            this.reference = reference;
            this.codec = codec;
            Class<?> t;
            try {
                t = codec.type();
            } catch (RuntimeException e) {
                t = null;
            }
            this.type = t != null && Throwable.class.isAssignableFrom(t) ? t : null;
        }

        void close() {
            if (registration != null) {
                registration.close();
                registration = null;
            }
        }
    }
}
