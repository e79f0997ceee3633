package io.dlog.log.metadata;

/**
 * One user's SCRAM credential for one mechanism, as Kafka stores it (RFC 5802): never the password,
 * only what a server needs to verify a proof. Byte fields are Base64 (so the record compares by value).
 *
 * @param salt       the salt, Base64
 * @param storedKey  H(ClientKey), Base64
 * @param serverKey  HMAC(SaltedPassword, "Server Key"), Base64
 * @param iterations the PBKDF2 iterations
 */
public record ScramCredentialImage(String salt, String storedKey, String serverKey, int iterations) {
}
