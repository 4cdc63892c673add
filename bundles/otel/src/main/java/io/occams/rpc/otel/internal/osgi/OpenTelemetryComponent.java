package io.occams.rpc.otel.internal.osgi;

import io.occams.rpc.api.intercept.CallInfo;
import io.occams.rpc.api.intercept.CallInterceptor;
import io.occams.rpc.api.intercept.CallOutcome;
import io.occams.rpc.otel.OpenTelemetryInterceptor;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Registers an {@link OpenTelemetryInterceptor} as a {@link CallInterceptor} service, which the server and
 * client components pick up (whiteboard), for both sides. It uses the {@link OpenTelemetry} service when
 * one is registered (the user's SDK; the component restarts to take a better one), else
 * {@link GlobalOpenTelemetry}. Configuration PID {@value #PID}, optional.
 */
@Component(configurationPid = OpenTelemetryComponent.PID, service = CallInterceptor.class)
@Designate(ocd = OpenTelemetryComponent.Config.class)
public final class OpenTelemetryComponent implements CallInterceptor {
    static final String PID = "io.occams.rpc.otel";

    /** The configuration of {@value #PID}. */
    @ObjectClassDefinition(
            name = "occams-rpc OpenTelemetry",
            description = "Call metrics (and spans) of occams-rpc servers and clients through OpenTelemetry.")
    public @interface Config {
        @AttributeDefinition(description = "Record a span per call as well as the duration histograms.")
        boolean traces() default true;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY)
    private OpenTelemetry otel;

    private OpenTelemetryInterceptor delegate;

    @Activate
    void activate(Config config) {
        delegate = OpenTelemetryInterceptor.create(otel != null ? otel : GlobalOpenTelemetry.get(), config.traces());
    }

    @Override
    public Object begin(CallInfo call) {
        return delegate.begin(call);
    }

    @Override
    public void end(CallInfo call, Object state, CallOutcome outcome) {
        delegate.end(call, state, outcome);
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
