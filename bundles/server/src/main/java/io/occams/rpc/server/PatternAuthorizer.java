package io.occams.rpc.server;

import io.occams.rpc.api.PeerIdentity;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A ready {@link Authorizer}: a table of rules, each an identity pattern and the {@code Service.method}
 * patterns it may call. A call is allowed when some rule's identity pattern matches the caller and one
 * of its method patterns matches the call; otherwise it is denied (an empty table denies everything).
 *
 * <p>Rule syntax, one per property {@code allow.<label>}: {@code <identity pattern> -> <method pattern>, ...}.
 * Patterns are globs ({@code *} any run of characters, {@code ?} one), case-sensitive. An identity
 * pattern is one of
 * <ul>
 * <li>{@code cn:<glob>}: the subject's common name ({@code cn:billing-*});</li>
 * <li>{@code dns:<glob>}, {@code ip:<glob>}, {@code uri:<glob>}, {@code email:<glob>}: any subject
 *     alternative name of that type ({@code uri:spiffe://example.org/billing});</li>
 * <li>{@code anonymous}: a caller without a certificate; {@code *}: anyone, anonymous included;</li>
 * <li>anything else: a glob over the whole subject in RFC 2253 form ({@code CN=billing,O=Example*}).</li>
 * </ul>
 * A method pattern is a glob over {@code Service.method}: {@code Billing.*}, {@code *.ping}, {@code *}.
 *
 * <pre>{@code
 * # io.occams.rpc.authorizer.cfg (Configuration Admin), or a map given to fromProperties
 * allow.billing = cn:billing -> Billing.*, Ledger.get*
 * allow.ops     = uri:spiffe://example.org/ops/* -> *
 * allow.health  = anonymous -> Health.ping
 * }</pre>
 *
 * Immutable and thread-safe.
 *
 * @since 0.2
 */
@ProviderType
public final class PatternAuthorizer implements Authorizer {
    /** The prefix of rule properties. */
    public static final String RULE_PREFIX = "allow.";

    private final List<Rule> rules;

    private PatternAuthorizer(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /**
     * The rules of the {@code allow.*} properties of {@code properties} (in label order); other keys are
     * ignored.
     *
     * @throws IllegalArgumentException naming the property of a rule without {@code ->}
     */
    public static PatternAuthorizer fromProperties(Map<String, ?> properties) {
        Map<String, String> sorted = new TreeMap<>();
        for (Map.Entry<String, ?> e : properties.entrySet()) {
            if (e.getKey().startsWith(RULE_PREFIX) && e.getValue() != null) {
                Object v = e.getValue();
                if (v instanceof String[] arr) {
                    for (int i = 0; i < arr.length; i++) {
                        sorted.put(e.getKey() + "#" + i, arr[i]);
                    }
                } else {
                    sorted.put(e.getKey(), String.valueOf(v));
                }
            }
        }
        List<Rule> rules = new ArrayList<>();
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            rules.add(parse(e.getKey(), e.getValue()));
        }
        return new PatternAuthorizer(rules);
    }

    /** Rules given as {@code "<identity pattern> -> <method pattern>, ..."} strings. */
    public static PatternAuthorizer of(String... rules) {
        List<Rule> out = new ArrayList<>();
        for (int i = 0; i < rules.length; i++) {
            out.add(parse("rule " + i, rules[i]));
        }
        return new PatternAuthorizer(out);
    }

    private static Rule parse(String key, String text) {
        int arrow = text.indexOf("->");
        if (arrow < 0) {
            throw new IllegalArgumentException(
                    "property " + key + " must be '<identity pattern> -> <Service.method pattern>, ...': " + text);
        }
        String who = text.substring(0, arrow).trim();
        List<Pattern> methods = new ArrayList<>();
        for (String m : text.substring(arrow + 2).split(",")) {
            if (!m.isBlank()) {
                methods.add(glob(m.trim()));
            }
        }
        if (who.isEmpty() || methods.isEmpty()) {
            throw new IllegalArgumentException(
                    "property " + key + " needs an identity pattern and at least one method pattern: " + text);
        }
        return new Rule(who, methods);
    }

    static Pattern glob(String g) {
        StringBuilder sb = new StringBuilder();
        for (char c : g.toCharArray()) {
            switch (c) {
                case '*' -> sb.append(".*");
                case '?' -> sb.append('.');
                default -> sb.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(sb.toString(), Pattern.DOTALL);
    }

    @Override
    public boolean allows(PeerIdentity identity, String service, String method) {
        String action = null;
        for (Rule r : rules) {
            if (r.matches(identity)) {
                if (action == null) {
                    action = service + "." + method;
                }
                for (Pattern p : r.methods) {
                    if (p.matcher(action).matches()) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "PatternAuthorizer" + rules;
    }

    private static final class Rule {
        private final String text;
        private final String type;
        private final Pattern identity;
        private final List<Pattern> methods;

        Rule(String who, List<Pattern> methods) {
            this.text = who + " -> " + methods;
            this.methods = List.copyOf(methods);
            int colon = who.indexOf(':');
            String prefix = colon > 0 ? who.substring(0, colon).toLowerCase(Locale.ROOT) : "";
            switch (prefix) {
                case "cn", "dns", "ip", "uri", "email" -> {
                    this.type = prefix;
                    this.identity = glob(who.substring(colon + 1));
                }
                default -> {
                    this.type = who.equals("anonymous") ? "anonymous" : who.equals("*") ? "any" : "subject";
                    this.identity = glob(who);
                }
            }
        }

        boolean matches(PeerIdentity id) {
            switch (type) {
                case "any":
                    return true;
                case "anonymous":
                    return !id.isAuthenticated();
                case "subject":
                    return id.isAuthenticated() && identity.matcher(id.name()).matches();
                case "cn":
                    String cn = id.commonName();
                    return id.isAuthenticated()
                            && cn != null
                            && identity.matcher(cn).matches();
                default:
                    String prefix = type + ":";
                    for (String san : id.alternativeNames()) {
                        if (san.startsWith(prefix)
                                && identity.matcher(san.substring(prefix.length()))
                                        .matches()) {
                            return true;
                        }
                    }
                    return false;
            }
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
