package dev.agentbus.persistence.multinode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.persistence.Database;
import dev.agentbus.persistence.SchemaMigrations;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.h2.tools.Server;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link FailoverDrill} as three JVMs (one per role; the first hosts the test conductor) on one
 * journal served by an H2 TCP server, and expects every JVM to exit with 0.
 */
class FailoverDrillTest {

  @Test
  void aCutOffNodeIsDownedAndNoAcknowledgedMessageIsLost() throws Exception {
    Server h2 = Server.createTcpServer("-tcpPort", Integer.toString(freePort()), "-ifNotExists").start();
    try {
      String url = "jdbc:h2:tcp://127.0.0.1:" + h2.getPort() + "/mem:drill-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
      SchemaMigrations.migrate(new Database(Database.Kind.H2_MEMORY, url, "sa", ""));
      int conductorPort = freePort();
      Path logs = Files.createDirectories(Path.of("target", "multinode"));
      List<Process> jvms = new ArrayList<>();
      for (int i = 0; i < 3; i++) jvms.add(start(i, url, conductorPort, logs.resolve("role-" + i + ".log").toFile()));
      List<Integer> exits = new ArrayList<>();
      for (Process p : jvms) {
        boolean done = p.waitFor(240, TimeUnit.SECONDS);
        if (!done) p.destroyForcibly();
        exits.add(done ? p.exitValue() : -1);
      }
      for (int i = 0; i < 3; i++) {
        if (exits.get(i) != 0) System.out.println(tail(logs.resolve("role-" + i + ".log")));
      }
      assertEquals(List.of(0, 0, 0), exits, "exit codes of the three role JVMs (logs in target/multinode)");
      assertTrue(Files.readString(logs.resolve("role-0.log")).contains("all present once"));
    } finally {
      h2.stop();
    }
  }

  private static Process start(int index, String dbUrl, int conductorPort, File log) throws IOException {
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx384m", "-XX:+UseSerialGC",
        "-Dmultinode.max-nodes=3", "-Dmultinode.index=" + index, "-Dmultinode.host=127.0.0.1", "-Dmultinode.port=0",
        "-Dmultinode.server-host=127.0.0.1", "-Dmultinode.server-port=" + conductorPort,
        "-Dpekko.fail-mixed-versions=off", "-Dagentbus.drill.db-url=" + dbUrl,
        "-cp", classpath, FailoverDrill.class.getName());
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
