package io.dlog.compat.analytics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * The two read calls of a Confluent schema registry's REST API that DLog makes, served by the JDK's HttpServer
 * on 127.0.0.1: {@code GET /schemas/ids/{id}} and {@code GET /subjects/{subject}/versions/latest} (404 with the
 * registry's error body when unknown). A seam: the real registry is not on Maven Central and cannot run here.
 */
final class SchemaRegistryStub implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<Integer, Schema> ids = new ConcurrentHashMap<>();
    private final Map<String, Integer> latest = new ConcurrentHashMap<>();
    private final HttpServer server;

    private SchemaRegistryStub(HttpServer server) {
        this.server = server;
    }

    static SchemaRegistryStub start() {
        try {
            SchemaRegistryStub stub = new SchemaRegistryStub(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
            stub.server.createContext("/", exchange -> {
                byte[] body = stub.answer(exchange.getRequestURI().getPath());
                exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
                if (body == null) {
                    body = "{\"error_code\":40403,\"message\":\"Schema not found\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    exchange.sendResponseHeaders(404, body.length);
                } else {
                    exchange.sendResponseHeaders(200, body.length);
                }
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            stub.server.start();
            return stub;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Registers {@code schema} under {@code id}, as the latest version of {@code subject}. */
    void register(String subject, int id, Schema schema) {
        ids.put(id, schema);
        latest.put(subject, id);
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private byte[] answer(String path) throws IOException {
        ObjectNode node = JSON.createObjectNode();
        if (path.startsWith("/schemas/ids/")) {
            Schema schema = ids.get(Integer.parseInt(path.substring("/schemas/ids/".length())));
            if (schema == null) {
                return null;
            }
            node.put("schema", schema.toString());
        } else if (path.startsWith("/subjects/") && path.endsWith("/versions/latest")) {
            String subject = path.substring("/subjects/".length(), path.length() - "/versions/latest".length());
            Integer id = latest.get(subject);
            if (id == null) {
                return null;
            }
            node.put("subject", subject).put("version", 1).put("id", id).put("schema", ids.get(id).toString());
        } else {
            return null;
        }
        return JSON.writeValueAsBytes(node);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
