# The Tether worker. Build the jar first: mvn -q package -DskipTests
FROM eclipse-temurin:17-jre
COPY target/tether.jar /opt/tether/tether.jar
VOLUME /var/lib/tether
ENTRYPOINT ["java", "-jar", "/opt/tether/tether.jar", "worker", "--data-dir", "/var/lib/tether"]
