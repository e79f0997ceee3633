package io.dlog.kafka.security;

import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.ScramCredentialImage;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.common.security.scram.ScramCredential;

/** SCRAM credentials as the latest applied cluster image has them. Thread-safe (images are immutable). */
public final class ImageScramCredentials implements ScramCredentialStore {
    private final Supplier<MetadataImage> image;

    public ImageScramCredentials(Supplier<MetadataImage> image) {
        this.image = image;
    }

    @Override
    public Optional<ScramCredential> credential(String user, String mechanism) {
        MetadataImage current = image.get();
        if (current == null) {
            return Optional.empty();
        }
        return current.security().scramCredential(user, mechanism).map(ImageScramCredentials::toKafka);
    }

    static ScramCredential toKafka(ScramCredentialImage stored) {
        Base64.Decoder base64 = Base64.getDecoder();
        return new ScramCredential(base64.decode(stored.salt()), base64.decode(stored.storedKey()),
                base64.decode(stored.serverKey()), stored.iterations());
    }

    /** The image's form of a credential Kafka's ScramFormatter generated. */
    public static ScramCredentialImage toImage(ScramCredential credential) {
        Base64.Encoder base64 = Base64.getEncoder();
        return new ScramCredentialImage(base64.encodeToString(credential.salt()), base64.encodeToString(credential.storedKey()),
                base64.encodeToString(credential.serverKey()), credential.iterations());
    }
}
