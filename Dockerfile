# The Tether worker. Build the jar first: mvn -q package -DskipTests
FROM eclipse-temurin:17-jre
# The host tools the connectors run: mount helpers, iscsiadm, iscsi-inq.
RUN apt-get update \
 && apt-get install -y --no-install-recommends nfs-common glusterfs-client sshfs open-iscsi libiscsi-bin \
 && rm -rf /var/lib/apt/lists/*
COPY target/tether.jar /opt/tether/tether.jar
VOLUME /var/lib/tether
ENTRYPOINT ["java", "-jar", "/opt/tether/tether.jar", "worker", "--data-dir", "/var/lib/tether"]
