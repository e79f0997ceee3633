package io.dlog.broker.cli;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Finds a broker's Flight endpoint for {@code dlog sql --bootstrap}: a Metadata request (no topics) to the
 * bootstrap address names the brokers; a DescribeConfigs of the first one's BROKER resource, sent to that broker
 * (Kafka answers a BROKER resource only on the broker itself), gives its {@code dlog.flight.port}. Two requests over
 * blocking sockets (one socket when the bootstrap address is that broker), with kafka-clients' generated messages: the Kafka Admin client did the same with its
 * threads, metrics and JMX registration, which cost {@code dlog sql} more than the query (docs/analytics.md,
 * "Start time"). Plaintext only, as the Admin client here was: name a PLAINTEXT listener, or use {@code --flight}.
 *
 * <p>Not thread-safe: one lookup per instance, on the caller's thread.
 */
final class FlightPortLookup {
    static final String FLIGHT_PORT = "dlog.flight.port";
    // Versions DLog answers (Metadata 0-13, DescribeConfigs 1-4: docs/compatibility.md), as Kafka 4.x does; no
    // ApiVersions round trip, since the lookup only ever talks to DLog (it needs dlog.flight.port).
    private static final short METADATA_VERSION = 12;
    private static final short DESCRIBE_CONFIGS_VERSION = 4;
    private static final String CLIENT_ID = "dlog-sql";
    private static final int MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

    /** Where the Flight endpoint is. */
    record Endpoint(String host, int port) {
    }

    /** The lookup failed; the message says why in one line. */
    static final class LookupException extends Exception {
        private static final long serialVersionUID = 1L;

        LookupException(String message) {
            super(message);
        }
    }

    private final int timeoutMs;
    private int correlationId;

    FlightPortLookup(int timeoutMs) {
        this.timeoutMs = timeoutMs;
    }

    /** Asks the first reachable address of the comma-separated {@code bootstrap} list. */
    Endpoint lookUp(String bootstrap) throws LookupException {
        String failure = "no address given";
        for (String address : bootstrap.split(",")) {
            String host;
            int port;
            try {
                int colon = address.trim().lastIndexOf(':');
                host = address.trim().substring(0, colon).replaceAll("^\\[(.*)]$", "$1");
                port = Integer.parseInt(address.trim().substring(colon + 1));
            } catch (RuntimeException e) {
                throw new LookupException("not HOST:PORT: " + address.trim());
            }
            try (Socket socket = connect(host, port)) {
                MetadataResponseData metadata = ((MetadataResponse) send(socket,
                        new MetadataRequest(new MetadataRequestData().setTopics(List.of()).setAllowAutoTopicCreation(false),
                                METADATA_VERSION))).data();
                MetadataResponseData.MetadataResponseBroker broker = metadata.brokers().stream().findFirst()
                        .orElseThrow(() -> new LookupException("the cluster at " + bootstrap + " has no broker"));
                String flightPort;
                if (isPeer(socket, broker)) {
                    flightPort = flightPort(socket, broker.nodeId());
                } else {
                    try (Socket brokerSocket = connect(broker.host(), broker.port())) {
                        flightPort = flightPort(brokerSocket, broker.nodeId());
                    }
                }
                if (flightPort == null || flightPort.isEmpty()) {
                    throw new LookupException("broker " + broker.nodeId() + " at " + bootstrap
                            + " has no Flight endpoint: start it with " + FLIGHT_PORT + " set");
                }
                try {
                    return new Endpoint(broker.host(), Integer.parseInt(flightPort));
                } catch (NumberFormatException e) {
                    throw new LookupException("broker " + broker.nodeId() + " has " + FLIGHT_PORT + "=" + flightPort + ", not a port");
                }
            } catch (IOException e) {
                failure = e.getMessage() == null ? e.toString() : e.getMessage();
            }
        }
        throw new LookupException("cannot reach the broker at " + bootstrap + ": " + failure);
    }

    /** Whether {@code socket} is connected to {@code broker}'s advertised address. */
    private static boolean isPeer(Socket socket, MetadataResponseData.MetadataResponseBroker broker) {
        if (socket.getPort() != broker.port()) {
            return false;
        }
        try {
            for (InetAddress address : InetAddress.getAllByName(broker.host())) {
                if (address.equals(socket.getInetAddress())) {
                    return true;
                }
            }
        } catch (UnknownHostException e) {
            // Not resolvable here: then it cannot be the address connected to.
        }
        return false;
    }

    /** The broker's {@code dlog.flight.port}, or null when it has none. */
    private String flightPort(Socket socket, int nodeId) throws IOException, LookupException {
        DescribeConfigsRequestData request = new DescribeConfigsRequestData();
        request.resources().add(new DescribeConfigsRequestData.DescribeConfigsResource()
                .setResourceType((byte) 4) // BROKER (ConfigResource.Type.BROKER.id())
                .setResourceName(Integer.toString(nodeId))
                .setConfigurationKeys(new ArrayList<>(List.of(FLIGHT_PORT))));
        DescribeConfigsResponseData response = ((DescribeConfigsResponse) send(socket,
                new DescribeConfigsRequest.Builder(request).build(DESCRIBE_CONFIGS_VERSION))).data();
        for (DescribeConfigsResponseData.DescribeConfigsResult result : response.results()) {
            Errors error = Errors.forCode(result.errorCode());
            if (error != Errors.NONE) {
                throw new LookupException("broker " + nodeId + " refused DescribeConfigs: " + error.name()
                        + (result.errorMessage() == null ? "" : " (" + result.errorMessage() + ")"));
            }
            for (DescribeConfigsResponseData.DescribeConfigsResourceResult config : result.configs()) {
                if (config.name().equals(FLIGHT_PORT)) {
                    return config.value();
                }
            }
        }
        return null;
    }

    /** Connects to the first of the host's addresses that accepts, as Kafka's clients try every DNS address. */
    private Socket connect(String host, int port) throws IOException {
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new IOException("unknown host " + host, e);
        }
        IOException last = null;
        for (InetAddress address : addresses) {
            Socket socket = new Socket();
            try {
                socket.setSoTimeout(timeoutMs);
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress(address, port), timeoutMs);
                return socket;
            } catch (IOException e) {
                socket.close();
                last = e;
            }
        }
        throw last != null ? last : new IOException("no address for " + host);
    }

    /** One request and its response, framed as Kafka frames them (a 4-byte size, then header and body). */
    private AbstractResponse send(Socket socket, AbstractRequest request) throws IOException {
        ApiKeys api = request.apiKey();
        RequestHeader header = new RequestHeader(api, request.version(), CLIENT_ID, ++correlationId);
        ByteBuffer body = request.serializeWithHeader(header);
        OutputStream out = socket.getOutputStream();
        byte[] frame = new byte[4 + body.remaining()];
        ByteBuffer.wrap(frame).putInt(body.remaining()).put(body);
        out.write(frame);
        out.flush();
        DataInputStream in = new DataInputStream(socket.getInputStream());
        byte[] response;
        try {
            int size = in.readInt();
            if (size < 0 || size > MAX_RESPONSE_BYTES) {
                throw new IOException("not a Kafka " + api.name + " response (a frame of " + size + " bytes; not a Kafka listener?)");
            }
            response = new byte[size];
            in.readFully(response);
        } catch (java.io.EOFException e) {
            throw new IOException("the connection closed before the " + api.name + " response (not a Kafka listener?)", e);
        }
        try {
            return AbstractResponse.parseResponse(ByteBuffer.wrap(response), header);
        } catch (RuntimeException e) {
            throw new IOException("cannot read the " + api.name + " response: " + e.getMessage(), e);
        }
    }
}
