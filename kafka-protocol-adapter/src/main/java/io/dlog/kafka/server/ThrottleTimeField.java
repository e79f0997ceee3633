package io.dlog.kafka.server;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * The {@code throttle_time_ms} of any response, as Kafka's {@code AbstractResponse.maybeSetThrottleTimeMs}:
 * every generated response class with the field has {@code throttleTimeMs()} and
 * {@code setThrottleTimeMs(int)} (the field is ignorable where a version lacks it, so setting it is always
 * safe), the others have neither and are left alone. The accessors are looked up once per class.
 *
 * <p>Thread-safe.
 */
final class ThrottleTimeField {
    private record Accessors(MethodHandle getter, MethodHandle setter) {
    }

    private static final Accessors NONE = new Accessors(null, null);

    private static final ClassValue<Accessors> ACCESSORS = new ClassValue<>() {
        @Override
        protected Accessors computeValue(Class<?> type) {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            try {
                return new Accessors(lookup.findVirtual(type, "throttleTimeMs", MethodType.methodType(int.class)),
                        lookup.findVirtual(type, "setThrottleTimeMs", MethodType.methodType(type, int.class)));
            } catch (NoSuchMethodException | IllegalAccessException e) {
                return NONE;
            }
        }
    };

    private ThrottleTimeField() {
    }

    /** The response's throttle time, 0 for a response without the field. */
    static int get(ApiMessage response) {
        Accessors accessors = ACCESSORS.get(response.getClass());
        if (accessors.getter() == null) {
            return 0;
        }
        try {
            return (int) accessors.getter().invoke(response);
        } catch (Throwable e) {
            throw new IllegalStateException("throttleTimeMs of " + response.getClass().getName(), e);
        }
    }

    /** Sets the response's throttle time; false for a response without the field. */
    static boolean set(ApiMessage response, int throttleTimeMs) {
        Accessors accessors = ACCESSORS.get(response.getClass());
        if (accessors.setter() == null) {
            return false;
        }
        try {
            accessors.setter().invoke(response, throttleTimeMs);
            return true;
        } catch (Throwable e) {
            throw new IllegalStateException("setThrottleTimeMs of " + response.getClass().getName(), e);
        }
    }
}
