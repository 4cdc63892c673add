package io.occams.rpc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code occams call}'s check of its arguments against what the server's reflection service says of the
 * method, before anything is sent: the count, each argument's JSON type against the parameter's wire kind,
 * and named arguments ({@code '{"a":10,"b":20}'}) put in order where the parameter names are known. A
 * mismatch is told locally, in the method's own terms:
 * {@code CalService.add expects (long a, long b), got ("ten", 20): a must be an int, not a string}.
 *
 * <p>Stateless; works on the JSON of {@code OccamsReflection.describe} (see {@link Reflect}).
 */
final class ArgumentCheck {
    /** What the user got wrong, said in one line. */
    static final class Mismatch extends Exception {
        private static final long serialVersionUID = 1L;

        Mismatch(String message) {
            super(message);
        }
    }

    private ArgumentCheck() {}

    /**
     * Checks {@code args} (parsed JSON) against {@code method} (a described method of {@code service}) and
     * returns the positional arguments to send.
     *
     * @throws Mismatch when the count, a type or a name does not fit
     */
    static List<JsonNode> check(String service, JsonNode method, List<JsonNode> args) throws Mismatch {
        List<JsonNode> params = new ArrayList<>();
        method.path("parameters").forEach(params::add);
        String expects = service + "." + method.path("name").asText() + " expects " + Reflect.parameters(method);
        List<JsonNode> positional = args;
        if (isNamed(params, args)) {
            positional = byName(expects, params, args.get(0));
        } else if (args.size() != params.size()) {
            throw new Mismatch(
                    expects + ", got " + args.size() + (args.size() == 1 ? " argument " : " arguments ") + shown(args));
        }
        for (int i = 0; i < params.size(); i++) {
            JsonNode p = params.get(i);
            JsonNode a = positional.get(i);
            String kind = p.path("kind").asText("any");
            if (!fits(kind, p.path("type").asText(), a)) {
                throw new Mismatch(expects + ", got " + shown(positional) + ": "
                        + p.path("name").asText() + " must be " + article(kind) + ", not " + jsonType(a));
            }
        }
        return positional;
    }

    /** Whether {@code args} is one JSON object naming the parameters (rather than one map or struct value). */
    private static boolean isNamed(List<JsonNode> params, List<JsonNode> args) {
        if (args.size() != 1 || !args.get(0).isObject() || params.isEmpty()) {
            return false;
        }
        if (params.size() > 1) {
            return true;
        }
        String kind = params.get(0).path("kind").asText();
        if (kind.equals("map") || kind.equals("struct") || kind.equals("any")) {
            return false; // an object is that one parameter's value
        }
        return true;
    }

    private static List<JsonNode> byName(String expects, List<JsonNode> params, JsonNode obj) throws Mismatch {
        Set<String> names = new LinkedHashSet<>();
        boolean known = true;
        for (JsonNode p : params) {
            names.add(p.path("name").asText());
            known &= p.path("named").asBoolean(true);
        }
        if (!known) {
            throw new Mismatch(
                    expects + ": its parameter names are not known (the interface was compiled without -parameters);"
                            + " give the arguments in order");
        }
        Iterator<Map.Entry<String, JsonNode>> it = obj.properties().iterator();
        while (it.hasNext()) {
            String k = it.next().getKey();
            if (!names.contains(k)) {
                throw new Mismatch(expects + ": no parameter \"" + k + "\"" + Reflect.suggest(k, names));
            }
        }
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : params) {
            String n = p.path("name").asText();
            JsonNode v = obj.get(n);
            if (v == null) {
                throw new Mismatch(expects + ", got " + obj + ": " + n + " is missing");
            }
            out.add(v);
        }
        return out;
    }

    /** Whether JSON value {@code a} can be sent for a parameter of wire {@code kind} and Java {@code type}. */
    static boolean fits(String kind, String type, JsonNode a) {
        if (a.isNull()) {
            return !isPrimitive(type);
        }
        switch (kind) {
            case "int":
                return a.isIntegralNumber();
            case "float":
                return a.isNumber();
            case "bool":
                return a.isBoolean();
            case "string":
                return a.isTextual();
            case "bytes":
                return a.isTextual() || a.isArray() || a.isBinary();
            case "array":
                return a.isArray();
            case "map":
            case "struct":
                return a.isObject();
            default:
                return true;
        }
    }

    private static boolean isPrimitive(String type) {
        switch (type) {
            case "long":
            case "int":
            case "short":
            case "byte":
            case "double":
            case "float":
            case "boolean":
            case "char":
                return true;
            default:
                return false;
        }
    }

    private static String article(String kind) {
        switch (kind) {
            case "int":
                return "an int";
            case "array":
                return "an array";
            case "map":
            case "struct":
                return "an object";
            case "bytes":
                return "bytes (a string or an array)";
            default:
                return "a " + kind;
        }
    }

    private static String jsonType(JsonNode a) {
        if (a.isIntegralNumber()) {
            return "an int";
        }
        if (a.isNumber()) {
            return "a float";
        }
        if (a.isTextual()) {
            return "a string";
        }
        if (a.isBoolean()) {
            return "a bool";
        }
        if (a.isArray()) {
            return "an array";
        }
        if (a.isObject()) {
            return "an object";
        }
        return a.isNull() ? "null" : a.getNodeType().toString().toLowerCase(Locale.ROOT);
    }

    private static String shown(List<JsonNode> args) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < args.size(); i++) {
            b.append(i > 0 ? ", " : "").append(args.get(i));
        }
        return b.append(')').toString();
    }
}
