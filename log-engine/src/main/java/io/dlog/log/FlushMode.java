package io.dlog.log;

import java.util.Locale;

/**
 * When an append counts as done.
 * {@link #OS}: once written to the page cache (Kafka's default; durability comes from replication).
 * {@link #FSYNC}: once fsynced; one fsync covers every append waiting (group commit).
 */
public enum FlushMode {
    OS,
    FSYNC;

    public static FlushMode parse(String value) {
        return FlushMode.valueOf(value.trim().toUpperCase(Locale.ROOT));
    }

    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
