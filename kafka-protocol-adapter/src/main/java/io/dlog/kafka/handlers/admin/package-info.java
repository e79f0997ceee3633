/**
 * Administration APIs: topics (CreateTopics, DeleteTopics, CreatePartitions), configs (DescribeConfigs,
 * AlterConfigs, IncrementalAlterConfigs), records (DeleteRecords), the cluster (DescribeCluster), the
 * data folder (DescribeLogDirs), leaders (ElectLeaders) and partition reassignment
 * (AlterPartitionReassignments, one proposal per partition; ListPartitionReassignments, from the image).
 *
 * <p>Concurrency contract: handlers are called on a Netty event loop and never block it. They read the
 * cluster image (a volatile snapshot) directly; every change goes through
 * {@link io.dlog.kafka.topic.TopicService}, which runs it on its admin thread and returns a future;
 * anything else that touches the file system (DescribeLogDirs) runs on {@link BlockingWork}. Config
 * alterations are read-modify-write, so they are chained one after another by a shared
 * {@link ConfigChangeQueue}: each computes its new overrides from the image its predecessor left.
 */
package io.dlog.kafka.handlers.admin;
