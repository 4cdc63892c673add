package io.occams.rpc.api.spi;

import java.time.Duration;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What the builders of every shipped runtime have in common: the write side of a connection. Its
 * properties (the constants below, in both runtimes' Configuration Admin tables) are read here once,
 * by {@link #writeProperties}, for both runtime components.
 *
 * @param <B> the builder's own type
 * @since 0.3
 */
@ProviderType
public interface RuntimeBuilder<B extends RuntimeBuilder<B>> {
    /** Property {@value}: bytes below which a connection is writable again (an int; default half the high mark). */
    String WRITE_LOW_WATER_MARK = "writeLowWaterMark";
    /** Property {@value}: unsent bytes above which a connection is unwritable (an int). */
    String WRITE_HIGH_WATER_MARK = "writeHighWaterMark";
    /** Property {@value}: the write timeout in milliseconds (a long). */
    String WRITE_TIMEOUT_MILLIS = "writeTimeoutMillis";

    /** Unsent bytes per connection above which it turns unwritable ({@code high}), and writable again below {@code low}. */
    B writeBufferWaterMark(int low, int high);

    /** How long a write may stay blocked, and how long a close waits for queued writes. */
    B writeTimeout(Duration timeout);

    /**
     * Applies the write-side properties of {@code properties}; 0 or absent keeps the runtime's default,
     * and a high mark alone sets the low one to half of it.
     *
     * @throws IllegalArgumentException naming the property when a value is malformed
     */
    @SuppressWarnings("unchecked")
    default B writeProperties(Map<String, ?> properties) {
        ConfigProperties p = new ConfigProperties(properties);
        int high = p.integer(WRITE_HIGH_WATER_MARK, 0);
        if (high > 0) {
            int low = p.integer(WRITE_LOW_WATER_MARK, 0);
            writeBufferWaterMark(low > 0 ? low : high / 2, high);
        }
        Duration timeout = p.duration(WRITE_TIMEOUT_MILLIS, Duration.ZERO);
        if (!timeout.isZero()) {
            writeTimeout(timeout);
        }
        return (B) this;
    }
}
