package dev.agentbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A node in its own process, killed with SIGKILL in the middle of a burst of sends, then restarted on
 * the same data (which compacts the H2 file first): every message whose send was acknowledged is in its
 * recipient's inbox, exactly once.
 */
class KillRecoveryTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HASH = "cdd01ef066bc6cf2";
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** A started node process and where it listens. */
  private record Node(Process process, String base) {}

  @Test
  void keepsEveryAcknowledgedMessageAfterSigkill() throws Exception {
    sigkillMidBurst(Files.createTempDirectory("agentbus-kill"));
  }

  @Test
  void refusesToStartWithAnotherLedgerPartitionCount() throws Exception {
    Path dataDir = Files.createTempDirectory("agentbus-partitions");
    Node first = startReady(dataDir, "first");
    first.process().destroy();
    assertTrue(first.process().waitFor(60, TimeUnit.SECONDS), "stopped");
    Process other = startNode(dataDir, freePort(), freePort(), freePort(), "other", "-Dagentbus.ledger.partitions=3");
    assertTrue(other.waitFor(90, TimeUnit.SECONDS), "a node on another partition count exits");
    assertEquals(2, other.exitValue());
    String log = Files.readString(dataDir.resolve("node-other.log"));
    assertTrue(log.contains("written with agentbus.ledger.partitions = 2, and this node is configured with 3"), log);
  }

  private void sigkillMidBurst(Path dataDir) throws Exception {
    Node first = startReady(dataDir, "first");
    Process node = first.process();
    String base = first.base();
    String sender;
    String recipient;
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    try {
      sender = register(base, "sender");
      recipient = register(base, "recipient");

      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService pool = Executors.newFixedThreadPool(8);
      for (int t = 0; t < 8; t++) {
        pool.submit(() -> {
          while (!stop.get()) {
            try {
              String id = send(base, sender, recipient);
              if (id != null) acknowledged.add(id);
            } catch (IOException e) {
              return; // the node is gone
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return;
            }
          }
        });
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (acknowledged.size() < 300 && System.nanoTime() < deadline) Thread.sleep(20);
      node.destroyForcibly(); // SIGKILL, mid-burst
      node.waitFor(30, TimeUnit.SECONDS);
      stop.set(true);
      pool.shutdown();
      assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
    } finally {
      node.destroyForcibly();
    }
    assertTrue(acknowledged.size() >= 300, "the burst was acknowledged before the kill: " + acknowledged.size());
    System.out.println("KillRecoveryTest: " + acknowledged.size() + " sends acknowledged before SIGKILL");

    // the restart compacts the file the kill left (whatever its size), with the node's own logging to show it
    String nodeLogging = Path.of(KillRecoveryTest.class.getResource("/logback.xml").toURI()).toString();
    Node second = startReady(dataDir, "second", "-Dlogback.configurationFile=" + nodeLogging,
        "-Dagentbus.h2-compaction.on-start-above=0");
    Process again = second.process();
    try {
      List<String> inbox = inbox(second.base(), recipient);
      Set<String> unique = Set.copyOf(inbox);
      assertEquals(inbox.size(), unique.size(), "each message once");
      List<String> missing = acknowledged.stream().filter(id -> !unique.contains(id)).toList();
      assertEquals(List.of(), missing, "acknowledged but lost");
      assertTrue(logged(dataDir, "node-second-*.log", "Compacted the H2 file"), "compacted at the restart");
    } finally {
      again.destroy();
      again.waitFor(30, TimeUnit.SECONDS);
      again.destroyForcibly();
    }
  }

  /**
   * Starts a node on free ports and waits until it is ready. A port found free can be taken by another
   * process before the node binds it; then the node exits, and it is started again on other ports.
   */
  private static boolean logged(Path dataDir, String logs, String text) throws IOException {
    try (var found = Files.newDirectoryStream(dataDir, logs)) {
      for (Path log : found) if (Files.readString(log).contains(text)) return true;
    }
    return false;
  }

  private Node startReady(Path dataDir, String tag, String... jvmProps) throws Exception {
    AssertionError last = null;
    for (int attempt = 1; attempt <= 3; attempt++) {
      int httpPort = freePort();
      int mgmtPort = freePort();
      Process p = startNode(dataDir, freePort(), httpPort, mgmtPort, tag + "-" + attempt, jvmProps);
      try {
        awaitReady(mgmtPort, p);
        return new Node(p, "http://127.0.0.1:" + httpPort);
      } catch (AssertionError e) {
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
        String log = Files.readString(dataDir.resolve("node-" + tag + "-" + attempt + ".log"));
        if (!log.contains("Address already in use")) throw e;
        last = e;
      }
    }
    throw last;
  }

  private static Process startNode(Path dataDir, int artery, int httpPort, int mgmtPort, String tag,
      String... jvmProps) throws IOException {
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-Dagentbus.http.auth.enabled=off"));
    cmd.addAll(List.of(jvmProps));
    cmd.addAll(List.of("-cp", classpath,
        Main.class.getName(), "node", "--port", Integer.toString(artery), "--http-port", Integer.toString(httpPort),
        "--management-port", Integer.toString(mgmtPort), "--data-dir", dataDir.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(new File(dataDir.toFile(), "node-" + tag + ".log"));
    pb.environment().remove("AGENTBUS_DB_URL");
    return pb.start();
  }

  private void awaitReady(int mgmtPort, Process node) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      if (!node.isAlive()) throw new AssertionError("node exited with " + node.exitValue());
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mgmtPort + "/ready"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) return;
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError("node not ready");
  }

  private JsonNode post(String url, Map<String, Object> body) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
        HttpResponse.BodyHandlers.ofString());
    JsonNode json = JSON.readTree(r.body());
    json = json == null ? JSON.createObjectNode() : json;
    ((com.fasterxml.jackson.databind.node.ObjectNode) json).put("_status", r.statusCode());
    return json;
  }

  private String register(String base, String name) throws Exception {
    JsonNode r = post(base + "/api/v1/agents/register",
        Map.of("name", name, "type", "worker", "capabilities", List.of(), "constitutionalHash", HASH));
    assertEquals(201, r.get("_status").asInt(), r.toString());
    return r.get("data").get("id").asText();
  }

  /** The stored message id when the send was acknowledged (201), else null. */
  private String send(String base, String from, String to) throws IOException, InterruptedException {
    Map<String, Object> body = new HashMap<>();
    body.put("type", "query");
    body.put("priority", "normal");
    body.put("sourceAgentId", from);
    body.put("targetAgentId", to);
    body.put("payload", Map.of("query", "status"));
    body.put("timestamp", Instant.now().toString());
    body.put("constitutionalHash", HASH);
    JsonNode r = post(base + "/api/v1/agents/" + from + "/messages", body);
    return r.get("_status").asInt() == 201 ? r.get("data").get("id").asText() : null;
  }

  private List<String> inbox(String base, String agent) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int page = 1; ; page++) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(
              base + "/api/v1/agents/" + agent + "/messages?page=" + page + "&pageSize=500"))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      JsonNode data = JSON.readTree(r.body()).get("data");
      data.get("data").forEach(m -> ids.add(m.get("id").asText()));
      if (page >= data.get("totalPages").asInt()) return ids;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
