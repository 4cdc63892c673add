package io.occams.rpc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.occams.rpc.stream.ClientStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The one step {@code occams call} takes before sending: ask the server's reflection service about the
 * service, then {@link ArgumentCheck check} the arguments. Skipped (the arguments go as given) when the
 * server serves no reflection.
 */
final class CallCheck {
    private CallCheck() {}

    /**
     * The JSON arguments to send for {@code action} (named ones put in order), or an error message in
     * {@link ArgumentCheck.Mismatch} when they do not fit or the service has no such method. A service
     * not served now is not checked (the server answers, or parks the call while a provider is swapped).
     */
    static List<String> check(ClientStream s, String action, List<String> args) throws ArgumentCheck.Mismatch {
        int dot = action.indexOf('.');
        String service = action.substring(0, dot);
        String method = action.substring(dot + 1);
        JsonNode svc;
        try {
            svc = Reflect.call(s, Reflect.DESCRIBE, service);
        } catch (RuntimeException e) {
            if (Reflect.noReflection(e)) {
                return args; // nothing to check against: the server will say
            }
            throw e;
        }
        if (svc == null || svc.isNull()) {
            // Not served now: send anyway. A name whose provider is being swapped is parked by the server
            // (swapGrace) and answered by the new provider; a name never served is answered rpc_service_notfound.
            return args;
        }
        JsonNode m = Reflect.method(svc, method);
        if (m == null) {
            throw new ArgumentCheck.Mismatch(
                    service + " has no method \"" + method + "\"" + Reflect.suggest(method, Reflect.methodNames(svc))
                            + " (methods: " + String.join(", ", Reflect.methodNames(svc)) + ")");
        }
        List<JsonNode> parsed = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            parsed.add(JsonMsgpack.parseArg(args.get(i), i + 1));
        }
        List<String> out = new ArrayList<>();
        for (JsonNode n : ArgumentCheck.check(service, m, parsed)) {
            out.add(n.toString());
        }
        return out;
    }
}
