package io.occams.rpc.server.internal.osgi;

import io.occams.rpc.api.PeerIdentity;
import io.occams.rpc.server.Authorizer;
import io.occams.rpc.server.PatternAuthorizer;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;

/**
 * The ready {@link PatternAuthorizer} as an {@link Authorizer} service, configured by {@value #PID}
 * ({@code allow.<label> = <identity pattern> -> <Service.method pattern>, ...}); the servers of
 * {@code io.occams.rpc.server} pick it up. Without that configuration nothing is registered and every
 * call is allowed. A changed configuration takes effect on the next call.
 */
@Component(
        configurationPid = AuthorizerComponent.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = Authorizer.class)
public final class AuthorizerComponent implements Authorizer {
    /** The PID of the rules. */
    public static final String PID = "io.occams.rpc.authorizer";

    /** The rules in force; replaced on a configuration change. */
    private volatile PatternAuthorizer rules;

    @Activate
    @Modified
    void configure(Map<String, Object> properties) {
        rules = PatternAuthorizer.fromProperties(properties);
    }

    @Override
    public boolean allows(PeerIdentity identity, String service, String method) {
        return rules.allows(identity, service, method);
    }

    @Override
    public String toString() {
        return String.valueOf(rules);
    }
}
