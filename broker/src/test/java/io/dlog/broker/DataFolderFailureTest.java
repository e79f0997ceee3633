package io.dlog.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.log.TopicPartition;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An embedded node (CLOSE) closes once when its data folder fails, also when the failure comes during its start.
 * The command line's HALT is proven on a real full disk by {@code io.dlog.compat.replication.DataFolderFullTest}.
 */
class DataFolderFailureTest {
    private static final IOException FULL = new IOException("No space left on device");

    @Test
    void shouldCloseAStartedEmbeddedNodeOnceWhateverNumberOfPartitionsFail() throws Exception {
        // Given
        CountingNode node = new CountingNode();
        DataFolderFailure failure = new DataFolderFailure(1, Path.of("data"), DLogBroker.OnDataFolderFailure.CLOSE);
        failure.started(node);

        // When
        failure.onStorageFailure(new TopicPartition("a", 0), FULL);
        failure.onStorageFailure(new TopicPartition("b", 0), FULL);

        // Then
        assertThat(node.closed.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(failure.fired()).isTrue();
        Thread.sleep(100);
        assertThat(node.closes.get()).isEqualTo(1);
    }

    @Test
    void shouldCloseAnEmbeddedNodeWhoseFolderFailedDuringItsStartOnceStarted() throws Exception {
        // Given a failure before the node finished starting
        CountingNode node = new CountingNode();
        DataFolderFailure failure = new DataFolderFailure(1, Path.of("data"), DLogBroker.OnDataFolderFailure.CLOSE);
        failure.onStorageFailure(new TopicPartition("a", 0), FULL);
        assertThat(node.closes.get()).isZero();

        // When
        failure.started(node);

        // Then
        assertThat(node.closed.await(10, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(100);
        assertThat(node.closes.get()).isEqualTo(1);
    }

    @Test
    void shouldCloseAnEmbeddedNodeWhoseMetadataLogCannotBeWritten() throws Exception {
        CountingNode node = new CountingNode();
        DataFolderFailure failure = new DataFolderFailure(1, Path.of("data"), DLogBroker.OnDataFolderFailure.CLOSE);
        failure.started(node);

        failure.onMetadataLogFailure(FULL);

        assertThat(node.closed.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(failure.fired()).isTrue();
    }

    @Test
    void shouldCloseAnEmbeddedNodeThatCannotApplyTheMetadataLog() throws Exception {
        CountingNode node = new CountingNode();
        DataFolderFailure failure = new DataFolderFailure(1, Path.of("data"), DLogBroker.OnDataFolderFailure.CLOSE);
        failure.started(node);

        // Even "Too many open files" in the message: an entry this JVM cannot apply stops the node whatever the cause
        failure.onMetadataApplyFailure(new NoClassDefFoundError("Too many open files"));

        assertThat(node.closed.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(failure.fired()).isTrue();
    }

    @Test
    void shouldLeaveAHealthyNodeAlone() throws Exception {
        CountingNode node = new CountingNode();
        DataFolderFailure failure = new DataFolderFailure(1, Path.of("data"), DLogBroker.OnDataFolderFailure.CLOSE);
        failure.started(node);
        Thread.sleep(100);
        assertThat(node.closes.get()).isZero();
        assertThat(failure.fired()).isFalse();
    }

    @Test
    void shouldKeepTheNodeUpWhenTheProcessRanOutOfFileDescriptors() throws Exception {
        // Given: a new partition's folder could not be made because the process holds too many files, as every
        // replica of a new topic meets it at once (stopping would take them all down, and a restart meets it again)
        CountingNode node = new CountingNode();
        DataFolderFailure failure = new DataFolderFailure(1, Path.of("data"), DLogBroker.OnDataFolderFailure.CLOSE);
        failure.started(node);

        // When
        failure.onStorageFailure(new TopicPartition("a", 0),
                new java.nio.file.FileSystemException("data/a-0: Too many open files"));
        failure.onStorageFailure(new TopicPartition("b", 0), new IOException("wrapped",
                new IOException("Too many open files")));

        // Then
        Thread.sleep(100);
        assertThat(node.closes.get()).isZero();
        assertThat(failure.fired()).isFalse();
        // and a real folder failure after it still stops the node
        failure.onStorageFailure(new TopicPartition("c", 0), FULL);
        assertThat(node.closed.await(10, TimeUnit.SECONDS)).isTrue();
    }

    private static final class CountingNode implements AutoCloseable {
        final AtomicInteger closes = new AtomicInteger();
        final CountDownLatch closed = new CountDownLatch(1);

        @Override
        public void close() {
            closes.incrementAndGet();
            closed.countDown();
        }
    }
}
