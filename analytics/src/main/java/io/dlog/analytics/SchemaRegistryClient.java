package io.dlog.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.apache.avro.Schema;

/**
 * Reads Avro schemas from a Confluent-compatible schema registry over its REST API: a schema by its id
 * ({@code GET /schemas/ids/{id}}, cached without expiry: a registry never changes what an id means) and the
 * latest schema of a subject ({@code GET /subjects/{subject}/versions/latest}, cached for
 * {@value #LATEST_SECONDS} s, so a new version is seen that much later at most). Caches are bounded;
 * failures are not cached. Calls block on HTTP (timeouts {@value #TIMEOUT_SECONDS} s): never call this on
 * a Netty event loop. Thread-safe.
 */
public final class SchemaRegistryClient {
    static final long LATEST_SECONDS = 30;
    static final long TIMEOUT_SECONDS = 10;
    private static final int MAX_CACHED = 10_000;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The registry answered that it has no such schema or subject (not a transient failure). */
    public static final class NotFoundException extends IOException {
        private static final long serialVersionUID = 1L;

        NotFoundException(String message) {
            super(message);
        }
    }

    private final URI base;
    private final HttpClient http;
    private final Cache<Integer, Schema> byId = Caffeine.newBuilder().maximumSize(MAX_CACHED).build();
    private final Cache<String, Optional<Schema>> latest = Caffeine.newBuilder().maximumSize(MAX_CACHED)
            .expireAfterWrite(Duration.ofSeconds(LATEST_SECONDS)).build();

    /** @param url the registry's base URL, e.g. {@code http://registry:8081} */
    public SchemaRegistryClient(String url) {
        this.base = URI.create(url.endsWith("/") ? url : url + "/");
        if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme())) {
            throw new IllegalArgumentException("a schema registry URL is http:// or https://: " + url);
        }
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(TIMEOUT_SECONDS)).build();
    }

    public String url() {
        return base.toString();
    }

    /**
     * The writer schema registered under {@code id}.
     *
     * @throws NotFoundException the registry has no schema with that id, or it is not an Avro schema
     * @throws IOException       the registry could not be asked (transient)
     */
    public Schema schemaById(int id) throws IOException {
        Schema cached = byId.getIfPresent(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = get("schemas/ids/" + id).orElseThrow(() -> new NotFoundException("schema id " + id
                + " is not in the schema registry"));
        Schema schema = avroSchema(answer, "schema id " + id);
        byId.put(id, schema);
        return schema;
    }

    /** The latest Avro schema of the subject ({@code <topic>-value}), or empty when the registry has none. */
    public Optional<Schema> latestSchema(String subject) throws IOException {
        Optional<Schema> cached = latest.getIfPresent(subject);
        if (cached != null) {
            return cached;
        }
        Optional<JsonNode> answer = get("subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8) + "/versions/latest");
        Optional<Schema> schema = answer.isEmpty() ? Optional.empty() : Optional.of(avroSchema(answer.get(), "subject " + subject));
        latest.put(subject, schema);
        return schema;
    }

    private static Schema avroSchema(JsonNode answer, String what) throws IOException {
        String type = answer.path("schemaType").asText("AVRO");
        if (!type.equals("AVRO")) {
            throw new NotFoundException(what + " is a " + type + " schema, not Avro");
        }
        JsonNode text = answer.get("schema");
        if (text == null || !text.isTextual()) {
            throw new IOException("the schema registry's answer for " + what + " holds no schema");
        }
        try {
            return new Schema.Parser().parse(text.asText());
        } catch (RuntimeException e) {
            throw new NotFoundException(what + " does not parse as an Avro schema: " + oneLine(e.getMessage()));
        }
    }

    /** The JSON answer of a GET, or empty on 404. */
    private Optional<JsonNode> get(String path) throws IOException {
        URI uri = base.resolve(path);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(TIMEOUT_SECONDS))
                .header("Accept", "application/vnd.schemaregistry.v1+json, application/json").GET().build();
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking the schema registry at " + uri, e);
        } catch (IOException e) {
            throw new IOException("cannot reach the schema registry at " + uri + ": " + e, e);
        }
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        if (response.statusCode() != 200) {
            throw new IOException("the schema registry answered " + response.statusCode() + " to GET " + uri);
        }
        try {
            return Optional.of(MAPPER.readTree(response.body()));
        } catch (IOException e) {
            throw new IOException("the schema registry's answer to GET " + uri + " is not JSON", e);
        }
    }

    static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s+", " ").trim();
    }
}
