# DLog in a container: `docker build -t dlog .` then `docker run -p 9092:9092 dlog` (one node, data in the
# volume at /var/lib/dlog), or `docker compose up` for the three-node cluster of docker-compose.yml.
# Configure it as the Apache Kafka image is configured (docs/operations.md):
#   - mount a server.properties (Kafka's names) at /etc/dlog/server.properties, replacing the single-node default;
#   - and/or set KAFKA_* environment variables, which override the file key by key: KAFKA_NODE_ID=node.id,
#     KAFKA_LISTENERS=listeners, KAFKA_CONTROLLER_QUORUM_VOTERS=controller.quorum.voters ('_' is '.', '__' is '_',
#     '___' is '-'). JAVA_OPTS sizes the JVM.

FROM maven:3-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# Only what the broker jar needs; the tests run in CI, not in the image build. No BuildKit-only syntax (cache
# mounts, COPY --chmod) anywhere: Testcontainers and other Docker API clients build with the classic builder.
RUN mvn -B -q -DskipTests -pl broker -am package

FROM eclipse-temurin:17-jre
# A fixed uid, so that a bind-mounted data folder can be given to it (chown 1001); the base image's uid 1000 is taken.
ARG DLOG_UID=1001
COPY --from=build /src/broker/target/dlog.jar /opt/dlog/dlog.jar
COPY docker/dlog /usr/local/bin/dlog
COPY docker/server.properties /etc/dlog/server.properties
RUN groupadd --system --gid "${DLOG_UID}" dlog \
    && useradd --system --uid "${DLOG_UID}" --gid dlog --no-create-home --home-dir /var/lib/dlog \
       --shell /usr/sbin/nologin dlog \
    && mkdir -p /var/lib/dlog \
    && chown dlog:dlog /var/lib/dlog \
    && chmod 755 /usr/local/bin/dlog
# A container's memory limit, not the host's, sizes the heap.
ENV JAVA_OPTS="-XX:MaxRAMPercentage=60 -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:PerMethodTrapLimit=0 -XX:PerBytecodeTrapLimit=0"
USER dlog
# Relative paths (log.dir's default dlog-data) land in the volume too.
WORKDIR /var/lib/dlog
VOLUME /var/lib/dlog
EXPOSE 9092 9093
# Healthy once this node is a live member of its cluster, asked over its own client listener (dlog status --health)
# with the same file and variables the node started with; a small JVM of its own, not the broker's heap settings.
HEALTHCHECK --interval=15s --timeout=30s --start-period=90s --retries=3 \
    CMD ["env", "JAVA_OPTS=-Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1", "dlog", "status", "--health", "--config", "/etc/dlog/server.properties", "--env-config", "--timeout", "20"]
ENTRYPOINT ["dlog"]
CMD ["start", "--config", "/etc/dlog/server.properties", "--env-config"]
