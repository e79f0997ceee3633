package io.dlog.log.internal;

import static io.dlog.log.internal.LogTestSupport.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.log.AppendBatch;
import io.dlog.log.AppendError;
import io.dlog.log.AppendResult;
import io.dlog.log.FlushMode;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** One request's appends to many partitions, handed to the (two) writer threads together. */
class AppendBatchTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(FlushMode.class)
    void shouldWriteEveryPartitionsAppendOnlyOnceSubmitted(FlushMode mode) throws Exception {
        LogConfig config = LogConfig.DEFAULT.withFlushMode(mode);
        try (LogManager manager = LogTestSupport.open(dir, new MutableClock(T0), config)) {
            List<PartitionLog> logs = new ArrayList<>();
            for (int p = 0; p < 8; p++) {
                logs.add(manager.getOrCreate(new TopicPartition("batched", p), config));
            }
            for (int round = 0; round < 3; round++) {
                AppendBatch batch = AppendBatch.create();
                List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
                for (PartitionLog log : logs) {
                    futures.add(batch.append(log, TestBatches.of("r" + round + "-a", "r" + round + "-b").timestamp(T0).build(), 0));
                }
                Thread.sleep(50);
                assertThat(futures).as("nothing is written before submit").noneMatch(CompletableFuture::isDone);

                batch.submit();

                for (CompletableFuture<AppendResult> future : futures) {
                    AppendResult result = future.get(10, TimeUnit.SECONDS);
                    assertThat(result.succeeded()).isTrue();
                    assertThat(result.baseOffset()).isEqualTo(2L * round);
                }
            }
            for (PartitionLog log : logs) {
                assertThat(LogTestSupport.readValues(log, 0)).containsExactly("r0-a", "r0-b", "r1-a", "r1-b", "r2-a", "r2-b");
            }
        }
    }

    @Test
    void shouldAnswerARefusedAppendAtOnceAndStillWriteTheOthers() throws Exception {
        LogConfig config = LogConfig.DEFAULT;
        try (LogManager manager = LogTestSupport.open(dir, new MutableClock(T0), config)) {
            PartitionLog kept = manager.getOrCreate(new TopicPartition("kept", 0), config);
            PartitionLog deleted = manager.getOrCreate(new TopicPartition("deleted", 0), config);
            manager.delete(deleted.topicPartition());
            AppendBatch batch = AppendBatch.create();

            CompletableFuture<AppendResult> refused = batch.append(deleted, TestBatches.of("x").timestamp(T0).build(), 0);
            CompletableFuture<AppendResult> written = batch.append(kept, TestBatches.of("y").timestamp(T0).build(), 0);
            assertThat(refused).isDone();
            assertThat(refused.get().error()).isEqualTo(AppendError.NOT_LEADER_OR_FOLLOWER);
            batch.submit();

            assertThat(written.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
            assertThat(LogTestSupport.readValues(kept, 0)).containsExactly("y");
        }
    }
}
