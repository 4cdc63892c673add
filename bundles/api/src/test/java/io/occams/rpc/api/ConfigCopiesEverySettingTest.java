package io.occams.rpc.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every setting of {@link ClientConfig} and {@link ServerConfig} survives {@code toBuilder()} and is read
 * by {@code fromProperties} under its getter's name. The settings are found by reflection (every public
 * getter of the config, with the builder method of the same name), so a setting added later without its
 * copy, its setter or its property fails here without anyone editing this test. A copy is also compared
 * with its original field by field, which covers state that no getter shows.
 */
class ConfigCopiesEverySettingTest {
    /** Public methods of a config that are not settings. */
    private static final Set<String> NOT_SETTINGS = Set.of("toBuilder", "toString", "hashCode", "equals");

    private static final TlsConfig TLS = TlsConfig.builder()
            .certificateChain(Path.of("/nowhere/cert.pem"))
            .privateKey(Path.of("/nowhere/key.pem"))
            .build();

    @Test
    void aClientConfigsToBuilderCarriesEverySettingOver() throws Exception {
        roundTripsThroughToBuilder(ClientConfig.class, ClientConfig.Builder.class, ClientConfig.builder());
    }

    @Test
    void aServerConfigsToBuilderCarriesEverySettingOver() throws Exception {
        roundTripsThroughToBuilder(ServerConfig.class, ServerConfig.Builder.class, ServerConfig.builder());
    }

    @Test
    void everyClientSettingIsReadFromPropertiesUnderItsName() throws Exception {
        readsEverySettingFromProperties(ClientConfig.class, ClientConfig.Builder.class);
    }

    @Test
    void everyServerSettingIsReadFromPropertiesUnderItsName() throws Exception {
        readsEverySettingFromProperties(ServerConfig.class, ServerConfig.Builder.class);
    }

    /**
     * The client pool component tells a change of settings from none by the config's {@code toString()}:
     * each setting must show in it.
     */
    @Test
    void everyClientSettingShowsInToString() throws Exception {
        String defaults = ClientConfig.defaults().toString();
        Map<Method, Object> values = distinctValues(ClientConfig.class, ClientConfig.Builder.class);
        for (Map.Entry<Method, Object> e : values.entrySet()) {
            ClientConfig.Builder b = ClientConfig.builder();
            setter(ClientConfig.Builder.class, e.getKey()).invoke(b, e.getValue());
            assertThat(b.build().toString())
                    .as("toString() with only %s changed", e.getKey().getName())
                    .isNotEqualTo(defaults);
        }
    }

    private static <C, B> void roundTripsThroughToBuilder(Class<C> config, Class<B> builder, B fresh) throws Exception {
        Map<Method, Object> values = distinctValues(config, builder);
        for (Map.Entry<Method, Object> e : values.entrySet()) {
            setter(builder, e.getKey()).invoke(fresh, e.getValue());
        }
        Object original = builder.getMethod("build").invoke(fresh);
        Object viaToBuilder =
                builder.getMethod("build").invoke(config.getMethod("toBuilder").invoke(original));
        // Field by field too: state that no getter shows (a field added without one) is carried over as well.
        assertThat(viaToBuilder)
                .as("toBuilder().build() of a %s, field by field", config.getSimpleName())
                .usingRecursiveComparison()
                .isEqualTo(original);
        Object defaults = config.getMethod("defaults").invoke(null);
        for (Map.Entry<Method, Object> e : values.entrySet()) {
            Method getter = e.getKey();
            assertThat(getter.invoke(original))
                    .as("%s as built", getter.getName())
                    .isEqualTo(e.getValue());
            assertThat(getter.invoke(viaToBuilder))
                    .as("%s after toBuilder().build()", getter.getName())
                    .isEqualTo(e.getValue());
            assertThat(getter.invoke(defaults))
                    .as("%s: the test's value differs from the default", getter.getName())
                    .isNotEqualTo(e.getValue());
        }
    }

    private static void readsEverySettingFromProperties(Class<?> config, Class<?> builder) throws Exception {
        Map<Method, Object> values = distinctValues(config, builder);
        Set<Object> constants = new java.util.HashSet<>();
        for (java.lang.reflect.Field f : config.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                constants.add(f.get(null));
            }
        }
        Map<String, Object> props = new HashMap<>();
        for (Map.Entry<Method, Object> e : values.entrySet()) {
            String name = e.getKey().getName();
            Object v = e.getValue();
            if (v instanceof TlsConfig) {
                props.put(TlsConfig.CERT, "/nowhere/cert.pem");
                props.put(TlsConfig.KEY, "/nowhere/key.pem");
                continue;
            }
            assertThat(constants).as("a property constant named %s", name).contains(name);
            props.put(name, String.valueOf(v)); // strings, as a .cfg file gives them (durations in ISO-8601)
        }
        Object read = config.getMethod("fromProperties", Map.class).invoke(null, props);
        Object again =
                builder.getMethod("build").invoke(config.getMethod("toBuilder").invoke(read));
        for (Map.Entry<Method, Object> e : values.entrySet()) {
            Method getter = e.getKey();
            for (Object c : List.of(read, again)) {
                Object got = getter.invoke(c);
                if (e.getValue() instanceof TlsConfig) {
                    assertThat(((TlsConfig) got).certificateChain()).isEqualTo(TLS.certificateChain());
                } else {
                    assertThat(got)
                            .as("%s read from properties", getter.getName())
                            .isEqualTo(e.getValue());
                }
            }
        }
    }

    /**
     * A value for every setting of {@code config}, each different from the default and from the others
     * (so that two settings mixed up in a copy show): every public instance getter, which must have a
     * builder method of the same name.
     */
    private static Map<Method, Object> distinctValues(Class<?> config, Class<?> builder) {
        List<Method> getters = new ArrayList<>();
        for (Method m : config.getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers())
                    && !Modifier.isStatic(m.getModifiers())
                    && m.getParameterCount() == 0
                    && !NOT_SETTINGS.contains(m.getName())) {
                getters.add(m);
            }
        }
        getters.sort(java.util.Comparator.comparing(Method::getName));
        assertThat(getters).as("settings of %s", config.getSimpleName()).hasSizeGreaterThan(5);
        Map<Method, Object> out = new LinkedHashMap<>();
        int i = 0;
        for (Method g : getters) {
            i++;
            Class<?> t = g.getReturnType();
            Object v;
            if (t == Duration.class) {
                v = Duration.ofMillis(60_000L + 1_000L * i);
            } else if (t == int.class) {
                v = 2_000 + i;
            } else if (t == long.class) {
                v = 3_000L + i;
            } else if (t == TlsConfig.class) {
                v = TLS;
            } else {
                throw new AssertionError("no test value for a setting of type " + t + ": " + g);
            }
            setter(builder, g); // fails when the builder has none
            out.put(g, v);
        }
        return out;
    }

    private static Method setter(Class<?> builder, Method getter) {
        try {
            return builder.getMethod(getter.getName(), getter.getReturnType());
        } catch (NoSuchMethodException e) {
            throw new AssertionError("the builder has no setter for " + getter.getName(), e);
        }
    }
}
