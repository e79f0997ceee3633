# DLog in a container: `docker build -t dlog .` then `docker run -p 9092:9092 dlog` (one node, data in the
# volume at /var/lib/dlog), or `docker compose up` for the three-node cluster of docker-compose.yml.
# The node reads /etc/dlog/server.properties (Kafka's names); mount another file there to change it.

FROM maven:3-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# Only what the broker jar needs; the tests run in CI, not in the image build.
RUN mvn -B -q -DskipTests -pl broker -am package

FROM eclipse-temurin:17-jre
RUN useradd --system --no-create-home --home-dir /var/lib/dlog dlog \
    && mkdir -p /etc/dlog /var/lib/dlog /opt/dlog \
    && chown dlog /var/lib/dlog \
    && printf '#!/bin/sh\nexec java $JAVA_OPTS -jar /opt/dlog/dlog.jar "$@"\n' > /usr/local/bin/dlog \
    && chmod 755 /usr/local/bin/dlog
COPY --from=build /src/broker/target/dlog.jar /opt/dlog/dlog.jar
COPY docker/server.properties /etc/dlog/server.properties
# A container's memory limit, not the host's, sizes the heap.
ENV JAVA_OPTS="-XX:MaxRAMPercentage=60 -XX:+UseG1GC"
USER dlog
VOLUME /var/lib/dlog
EXPOSE 9092 9093
ENTRYPOINT ["dlog"]
CMD ["start", "--config", "/etc/dlog/server.properties"]
