package io.occams.rpc.server.internal.osgi;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.occams.rpc.api.intercept.CallInterceptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Tracks the {@link CallInterceptor} services meant for one side ({@code server} or {@code client}: the
 * property {@value CallInterceptor#SIDE_PROPERTY} names it; without it, both) and hands the current list,
 * highest {@code service.ranking} first (then oldest), to a consumer whenever it changes.
 */
final class InterceptorWhiteboard extends ServiceTracker<CallInterceptor, CallInterceptor> {
    private final String side;
    private final Consumer<List<CallInterceptor>> target;
    /** Best first: ServiceReference orders higher ranking (then older) as greater. */
    @GuardedBy("this")
    private final Map<ServiceReference<CallInterceptor>, CallInterceptor> current =
            new TreeMap<>((a, b) -> b.compareTo(a));

    InterceptorWhiteboard(BundleContext context, String side, Consumer<List<CallInterceptor>> target) {
        super(context, CallInterceptor.class, null);
        this.side = side;
        this.target = target;
    }

    @Override
    public CallInterceptor addingService(ServiceReference<CallInterceptor> reference) {
        Object s = reference.getProperty(CallInterceptor.SIDE_PROPERTY);
        if (s != null && !side.equalsIgnoreCase(String.valueOf(s))) {
            return null;
        }
        CallInterceptor i = super.addingService(reference);
        if (i != null) {
            update(reference, i);
        }
        return i;
    }

    @Override
    public void modifiedService(ServiceReference<CallInterceptor> reference, CallInterceptor service) {
        update(reference, service); // the ranking may have changed: re-sort
    }

    @Override
    public void removedService(ServiceReference<CallInterceptor> reference, CallInterceptor service) {
        List<CallInterceptor> list;
        synchronized (this) {
            current.remove(reference);
            list = new ArrayList<>(current.values());
        }
        target.accept(list);
        super.removedService(reference, service);
    }

    private void update(ServiceReference<CallInterceptor> reference, CallInterceptor i) {
        List<CallInterceptor> list;
        synchronized (this) {
            current.remove(reference);
            current.put(reference, i);
            list = new ArrayList<>(current.values());
        }
        target.accept(list);
    }
}
