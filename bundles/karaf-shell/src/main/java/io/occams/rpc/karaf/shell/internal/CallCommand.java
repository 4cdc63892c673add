package io.occams.rpc.karaf.shell.internal;

import io.occams.rpc.api.ClientConfig;
import io.occams.rpc.api.RpcAddress;
import io.occams.rpc.api.introspect.ServiceInfo;
import io.occams.rpc.client.RpcClient;
import io.occams.rpc.server.RpcServer;
import io.occams.rpc.stream.ClientStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * {@code occams:call Service.method args...}: one call over the wire to a server of this framework (its first
 * address, through its runtime), through a client proxy of the service interface, which is loaded from the
 * bundle that provides the service. Arguments are words converted to the method's parameter types (numbers,
 * booleans, characters, strings); the result is printed as Java prints it.
 */
@Service
@Command(
        scope = "occams",
        name = "call",
        description =
                "Calls Service.method on an occams-rpc server of this framework, over the wire; prints the result.")
public final class CallCommand implements Action {
    @Reference
    BundleContext context;

    @Option(
            name = "-s",
            aliases = "--server",
            description = "The server (its name in occams:servers); default: the first")
    String serverName;

    @Argument(index = 0, name = "Service.method", required = true, description = "The action, e.g. CalService.add")
    String action;

    @Argument(index = 1, name = "args", multiValued = true, description = "The arguments, one word each")
    List<String> args = new ArrayList<>();

    @Override
    public Object execute() throws Exception {
        int dot = action.indexOf('.');
        if (dot <= 0) {
            System.out.println("error: the action must be Service.method, got \"" + action + "\"");
            return null;
        }
        String service = action.substring(0, dot);
        String methodName = action.substring(dot + 1);
        RpcServer server = null;
        for (Servers.Named n : Servers.all(context)) {
            if (serverName == null || serverName.equals(n.name())) {
                server = n.server();
                break;
            }
        }
        if (server == null || server.addresses().isEmpty()) {
            System.out.println(
                    "error: no listening occams-rpc server" + (serverName == null ? "" : " named " + serverName));
            return null;
        }
        ServiceInfo info = server.dispatcher().describe(service);
        if (info == null) {
            System.out.println("error: " + service + " is not served; served: "
                    + server.dispatcher().serviceNames());
            return null;
        }
        Class<?> type = load(info.type());
        Method method = null;
        for (Method m : type.getMethods()) {
            if (m.getName().equals(methodName) && m.getParameterCount() == args.size()) {
                method = m;
            }
        }
        if (method == null) {
            System.out.println(
                    "error: " + service + " has no method " + methodName + " taking " + args.size() + " arguments");
            return null;
        }
        Object[] values = new Object[args.size()];
        Class<?>[] params = method.getParameterTypes();
        for (int i = 0; i < values.length; i++) {
            try {
                values[i] = convert(args.get(i), params[i]);
            } catch (IllegalArgumentException e) {
                System.out.println("error: argument " + (i + 1) + " of " + action + ": " + e.getMessage());
                return null;
            }
        }
        RpcAddress address = server.addresses().get(0);
        ClientStream stream = ClientStream.connect(server.runtime(), address, ClientConfig.defaults())
                .get(10, TimeUnit.SECONDS);
        try {
            Object proxy = RpcClient.builder()
                    .codec(server.dispatcher().codec())
                    .errors(server.dispatcher().errors())
                    .build()
                    .proxy(type, stream);
            Object result;
            try {
                result = method.invoke(proxy, values);
            } catch (InvocationTargetException e) {
                System.out.println("error: " + e.getCause());
                return null;
            }
            System.out.println(
                    result != null && result.getClass().isArray()
                            ? Arrays.deepToString(new Object[] {result}).replaceAll("^\\[|\\]$", "")
                            : String.valueOf(result));
        } finally {
            stream.close();
        }
        return null;
    }

    /** The service interface, from a bundle that registered it as a service, else from what this bundle sees. */
    private Class<?> load(String name) throws ClassNotFoundException {
        try {
            ServiceReference<?>[] refs = context.getAllServiceReferences(name, null);
            if (refs != null) {
                for (ServiceReference<?> ref : refs) {
                    try {
                        return ref.getBundle().loadClass(name);
                    } catch (ClassNotFoundException | IllegalStateException e) {
                        // try the next one
                    }
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        return Class.forName(name, false, CallCommand.class.getClassLoader());
    }

    static Object convert(String word, Class<?> to) {
        try {
            if (to == String.class || to == Object.class || to == CharSequence.class) {
                return word;
            } else if (to == long.class || to == Long.class) {
                return Long.parseLong(word);
            } else if (to == int.class || to == Integer.class) {
                return Integer.parseInt(word);
            } else if (to == short.class || to == Short.class) {
                return Short.parseShort(word);
            } else if (to == byte.class || to == Byte.class) {
                return Byte.parseByte(word);
            } else if (to == double.class || to == Double.class) {
                return Double.parseDouble(word);
            } else if (to == float.class || to == Float.class) {
                return Float.parseFloat(word);
            } else if (to == boolean.class || to == Boolean.class) {
                if (!word.equals("true") && !word.equals("false")) {
                    throw new IllegalArgumentException("expected true or false, got \"" + word + "\"");
                }
                return Boolean.parseBoolean(word);
            } else if ((to == char.class || to == Character.class) && word.length() == 1) {
                return word.charAt(0);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected " + to.getSimpleName() + ", got \"" + word + "\"");
        }
        throw new IllegalArgumentException(
                "occams:call takes numbers, booleans, characters and strings; this parameter is " + to.getSimpleName()
                        + " (use the occams CLI's call with JSON)");
    }
}
