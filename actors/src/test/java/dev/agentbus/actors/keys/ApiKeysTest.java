package dev.agentbus.actors.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.agentbus.actors.bus.BusException;
import dev.agentbus.actors.support.TestConfigs;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The node-side API of the key store on a one-node cluster (in-memory journal). */
class ApiKeysTest {

  // a long TTL: a stale cached lookup after a revocation would show
  private static final ActorTestKit testKit = ActorTestKit.create("ApiKeys",
      ConfigFactory.parseString("agentbus.keys.cache-ttl = 1h").withFallback(TestConfigs.singleNodeCluster()));
  private static ApiKeys keys;

  @BeforeAll
  static void joinItself() {
    Cluster cluster = Cluster.get(testKit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    keys = ApiKeys.get(testKit.system());
  }

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  private static <T> T await(CompletionStage<T> stage) {
    return stage.toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
  }

  @Test
  void bootstrapsOnceThenFindsTheKeyItGave() {
    IssuedKey first = await(keys.bootstrap(Optional.empty())).orElseThrow();
    assertTrue(first.secret().startsWith(ApiKeySecrets.PREFIX));
    assertEquals("default", first.key().tenantId());
    assertTrue(first.key().activeAdmin());

    assertEquals(Optional.empty(), await(keys.bootstrap(Optional.empty())));
    assertEquals(Optional.empty(), await(keys.bootstrap(Optional.of("x".repeat(40)))));
    assertEquals(first.key(), await(keys.lookup(first.secret())).orElseThrow());
  }

  @Test
  void refusesAShortBootstrapKey() {
    var e = assertThrows(CompletionException.class, () -> await(keys.bootstrap(Optional.of("short"))));
    assertInstanceOf(IllegalArgumentException.class, e.getCause());
  }

  @Test
  void aRevocationReachesTheCacheAtOnce() {
    String tenant = await(keys.createTenant("acme", "Acme")).id();
    assertTrue(await(keys.tenants()).stream().anyMatch(t -> t.id().equals(tenant)));
    IssuedKey issued = await(keys.issue(tenant, "worker-1", List.of(Scope.AGENT)));
    assertFalse(await(keys.lookup(issued.secret())).orElseThrow().revoked(), "now cached as active");

    await(keys.revoke(issued.key().id()));

    assertTrue(await(keys.lookup(issued.secret())).orElseThrow().revoked());
    assertTrue(await(keys.keys()).stream().anyMatch(k -> k.id().equals(issued.key().id()) && k.revoked()));
  }

  @Test
  void unknownKeysAreNotFound() {
    assertEquals(Optional.empty(), await(keys.lookup(ApiKeySecrets.generate())));
    assertEquals(Optional.empty(), await(keys.lookup("")));
  }

  @Test
  void refusalsCarryTheStoresCode() {
    var e = assertThrows(CompletionException.class,
        () -> await(keys.issue("no-such-tenant", "p", List.of(Scope.AGENT))));
    assertEquals("tenant_not_found", ((BusException) e.getCause()).code());
  }
}
