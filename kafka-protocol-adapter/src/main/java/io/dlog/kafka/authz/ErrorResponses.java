package io.dlog.kafka.authz;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.requests.AbstractRequest;

/**
 * Kafka's whole-request error answer ({@code AbstractRequest.getErrorResponse}) for a request refused
 * as a whole: the error in every place the response has one (top level, each partition, each group).
 * Stateless.
 */
final class ErrorResponses {
    private ErrorResponses() {
    }

    static ApiMessage of(ApiKeys key, short version, ApiMessage request, ApiException error) {
        ByteBuffer bytes = MessageUtil.toByteBufferAccessor(request, version).buffer();
        bytes.rewind();
        AbstractRequest parsed = AbstractRequest.parseRequest(key, version, new ByteBufferAccessor(bytes)).request;
        return parsed.getErrorResponse(0, error).data();
    }
}
