package io.dlog.analytics.flight;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The client's address for ACL host matching: a gRPC interceptor puts each call's remote host (its IP address,
 * as Kafka's ACLs match it) in the call's gRPC context, which the producer reads on the thread serving the
 * call ({@link #current}). Flight's own CallContext does not carry the peer address. Stateless.
 */
final class PeerHost implements ServerInterceptor {
    private static final Context.Key<String> HOST = Context.key("dlog-peer-host");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        String host = remote instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : String.valueOf(remote);
        return Contexts.interceptCall(Context.current().withValue(HOST, host), call, headers, next);
    }

    /** The host of the call this thread serves ("unknown" outside a call: matches only host-wildcard ACLs). */
    static String current() {
        String host = HOST.get();
        return host == null ? "unknown" : host;
    }
}
