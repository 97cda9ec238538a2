package dev.agentbus.node.http;

import static dev.agentbus.node.http.TestNode.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.actors.keys.ApiKeys;
import dev.agentbus.actors.keys.Scope;
import dev.agentbus.node.http.TestNode.Reply;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node with a tiny rate limit (a token every 1000 s, so no test depends on timing) and the WebSocket
 * requiring a key. Keys are issued through {@link ApiKeys} directly, so no request spends a token on it.
 */
class RateLimitTest {

  @TempDir
  static Path dataDir;

  private static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.withKeys("""
        agentbus.http.rate-limit { per-second = 0.001, burst = 2 }
        agentbus.http.auth.ws-require-key = on
        """);
    BootstrapKey.ensure(node.system, Optional.empty(), dataDir).toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String key() throws Exception {
    return ApiKeys.get(node.system).issue("default", "worker", List.of(Scope.AGENT)).toCompletableFuture()
        .get(30, TimeUnit.SECONDS).secret();
  }

  @Test
  void aKeyOverItsBurstGets429WithAnIntegerRetryAfter() throws Exception {
    String key = key();
    assertEquals(200, node.get("/api/v1/agents", "X-API-Key", key).status());
    assertEquals(200, node.get("/api/v1/agents", "Authorization", "Bearer " + key).status());

    Reply limited = node.get("/api/v1/agents", "X-API-Key", key);

    assertError(limited, 429, "rate_limited");
    String retryAfter = limited.headers().firstValue("Retry-After").orElse("");
    assertTrue(retryAfter.matches("[1-9][0-9]*"), () -> "Retry-After: " + retryAfter);
    assertEquals(200, node.get("/api/v1/agents", "X-API-Key", key()).status(), "another key has its own bucket");
  }

  @Test
  void theWebSocketRequiresAKeyWhenConfigured() throws Exception {
    assertError(node.get("/ws?agentId=someone"), 401, "authentication_required");
    assertError(node.get("/api/v1/ws?agentId=someone"), 401, "authentication_required");
    assertError(node.get("/ws?agentId=someone&apiKey=abk_unknown"), 401, "invalid_api_key");
    assertError(node.get("/ws?agentId=someone&apiKey=" + key()), 404, "agent_not_found");
  }
}
