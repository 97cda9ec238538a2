package dev.agentbus.actors.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.agentbus.actors.chain.ChainVerifier;
import dev.agentbus.actors.chain.HashChain;
import dev.agentbus.actors.support.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ApiKeyStoreTest {

  private static final ActorTestKit testKit = ActorTestKit.create(
      ConfigFactory.parseString("pekko.loglevel = WARNING").withFallback(EventSourcedBehaviorTestKit.config()));

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  private final ManualClock clock = ManualClock.atNoon();

  /** A fresh store per test: its own entity id, so its own journal stream. */
  private final String entityId = "keys-" + UUID.randomUUID();

  private final EventSourcedBehaviorTestKit<ApiKeyStore.Command, ApiKeyStore.Event, ApiKeyStore.State> kit =
      EventSourcedBehaviorTestKit.create(testKit.system(), ApiKeyStore.create(entityId,
          new ApiKeyStore.Settings(100), clock,
          SupervisorStrategy.restartWithBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0.1)));

  private EventSourcedBehaviorTestKit.CommandResultWithReply<ApiKeyStore.Command, ApiKeyStore.Event,
      ApiKeyStore.State, StatusReply<Tenant>> createTenant(String id) {
    return kit.runCommand(r -> new ApiKeyStore.CreateTenant(id, "Tenant " + id, r));
  }

  private EventSourcedBehaviorTestKit.CommandResultWithReply<ApiKeyStore.Command, ApiKeyStore.Event,
      ApiKeyStore.State, StatusReply<ApiKey>> issue(String tenant, String secret, Scope... scopes) {
    return kit.runCommand(r -> new ApiKeyStore.IssueKey(UUID.randomUUID().toString(), ApiKeySecrets.hash(secret),
        tenant, "alice", List.of(scopes), List.of(), r));
  }

  private ApiKeyStore.BootstrapResult bootstrap(String secret) {
    return kit.<ApiKeyStore.BootstrapResult>runCommand(r -> new ApiKeyStore.Bootstrap("default", "Default",
        UUID.randomUUID().toString(), ApiKeySecrets.hash(secret), "bootstrap-admin",
        List.of(Scope.OPERATOR, Scope.ADMIN), r)).reply();
  }

  private ApiKey lookup(String secret) {
    return kit.<ApiKeyStore.KeyLookup>runCommand(r -> new ApiKeyStore.Lookup(ApiKeySecrets.hash(secret), r))
        .reply().key();
  }

  @Test
  void issuesAKeyForAnExistingTenantAndFindsItByItsHash() {
    createTenant("acme");
    var result = issue("acme", "secret-1", Scope.AGENT, Scope.AGENT);

    ApiKey key = result.reply().getValue();
    assertEquals("acme", key.tenantId());
    assertEquals(List.of(Scope.AGENT), key.scopes(), "scopes are distinct");
    assertEquals(Instant.parse("2026-01-15T12:00:00Z"), key.createdAt());
    assertInstanceOf(ApiKeyStore.KeyIssued.class, result.event());
    assertEquals(key, lookup("secret-1"));
    assertNull(lookup("another-secret"));
  }

  @Test
  void refusesAKeyForAnUnknownTenantWithoutPersisting() {
    var result = issue("nobody", "secret-1", Scope.AGENT);

    assertTrue(result.reply().isError());
    assertTrue(result.reply().getError().getMessage().startsWith("tenant_not_found"));
    assertTrue(result.hasNoEvents());
  }

  @Test
  void refusesATenantThatExists() {
    createTenant("acme");
    var again = createTenant("acme");

    assertTrue(again.reply().getError().getMessage().startsWith("tenant_exists"));
    assertTrue(again.hasNoEvents());
  }

  @Test
  void revokesAKeyOnceAndAnswersTheSameKeyWhenRevokedAgain() {
    createTenant("acme");
    ApiKey key = issue("acme", "secret-1", Scope.AGENT).reply().getValue();
    clock.advance(Duration.ofMinutes(1));

    var revoked = kit.<StatusReply<ApiKey>>runCommand(r -> new ApiKeyStore.RevokeKey(key.id(), r));
    assertEquals(Instant.parse("2026-01-15T12:01:00Z"), revoked.reply().getValue().revokedAt());
    assertTrue(lookup("secret-1").revoked(), "a revoked key is still found, so the edge can say it was revoked");

    var again = kit.<StatusReply<ApiKey>>runCommand(r -> new ApiKeyStore.RevokeKey(key.id(), r));
    assertTrue(again.hasNoEvents());
    assertEquals(revoked.reply().getValue(), again.reply().getValue());
  }

  @Test
  void refusesToRevokeAnUnknownKey() {
    var result = kit.<StatusReply<ApiKey>>runCommand(r -> new ApiKeyStore.RevokeKey("nope", r));

    assertTrue(result.reply().getError().getMessage().startsWith("key_not_found"));
  }

  @Test
  void keepsTheLastActiveAdminKey() {
    ApiKey first = bootstrap("bootstrap-secret").issued();
    var refused = kit.<StatusReply<ApiKey>>runCommand(r -> new ApiKeyStore.RevokeKey(first.id(), r));
    assertTrue(refused.reply().getError().getMessage().startsWith("last_admin_key"));

    issue("default", "second-admin", Scope.ADMIN);
    var revoked = kit.<StatusReply<ApiKey>>runCommand(r -> new ApiKeyStore.RevokeKey(first.id(), r));
    assertTrue(revoked.reply().getValue().revoked());
  }

  @Test
  void bootstrapsTheDefaultTenantAndAnAdminKeyOnlyOnce() {
    ApiKey first = bootstrap("bootstrap-secret").issued();
    assertNotNull(first);
    assertEquals("default", first.tenantId());
    assertEquals(List.of(Scope.OPERATOR, Scope.ADMIN), first.scopes());
    assertTrue(kit.getState().tenants().containsKey("default"));

    assertNull(bootstrap("another-secret").issued(), "an active admin key exists");
    assertNull(bootstrap("bootstrap-secret").issued(), "the same key again");
    assertEquals(1, kit.getState().keys().size());
  }

  @Test
  void listsKeysAndTenantsInCreationOrder() {
    createTenant("b");
    clock.advance(Duration.ofSeconds(1));
    createTenant("a");
    ApiKey k1 = issue("a", "s1", Scope.AGENT).reply().getValue();
    clock.advance(Duration.ofSeconds(1));
    ApiKey k2 = issue("b", "s2", Scope.OPERATOR).reply().getValue();

    var tenants = kit.<ApiKeyStore.TenantList>runCommand(ApiKeyStore.GetTenants::new).reply().tenants();
    assertEquals(List.of("b", "a"), tenants.stream().map(Tenant::id).toList());
    var keys = kit.<ApiKeyStore.KeyList>runCommand(ApiKeyStore.GetKeys::new).reply().keys();
    assertEquals(List.of(k1.id(), k2.id()), keys.stream().map(ApiKey::id).toList());
  }

  @Test
  void keepsTenantsKeysAndRevocationsAcrossARestart() {
    createTenant("acme");
    ApiKey kept = issue("acme", "kept", Scope.AGENT).reply().getValue();
    ApiKey gone = issue("acme", "gone", Scope.AGENT).reply().getValue();
    kit.<StatusReply<ApiKey>>runCommand(r -> new ApiKeyStore.RevokeKey(gone.id(), r));

    var restarted = kit.restart();

    assertTrue(restarted.state().tenants().containsKey("acme"));
    assertEquals(kept, lookup("kept"));
    assertTrue(lookup("gone").revoked());
    assertEquals(kit.getState().lastHash(), restarted.state().lastHash());
  }

  @Test
  void chainsEveryEventAndReportsATamperedOne() {
    List<ApiKeyStore.Event> events = new ArrayList<>();
    var boot = kit.<ApiKeyStore.BootstrapResult>runCommand(r -> new ApiKeyStore.Bootstrap("default", "Default",
        "k0", ApiKeySecrets.hash("bootstrap-secret"), "bootstrap-admin", List.of(Scope.ADMIN), r));
    events.addAll(boot.events());
    assertEquals(2, boot.events().size(), "tenant and key in one atomic write");
    events.add(createTenant("acme").event());
    var issuedResult = issue("acme", "s1", Scope.AGENT, Scope.OPERATOR);
    events.add(issuedResult.event());
    ApiKey key = issuedResult.reply().getValue();
    events.add(kit.<StatusReply<ApiKey>>runCommand(r -> new ApiKeyStore.RevokeKey(key.id(), r)).event());
    String pid = "ApiKeyStore|" + entityId;

    List<ChainVerifier.StreamEvent> stream = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) stream.add(new ChainVerifier.StreamEvent(i + 1, List.of(events.get(i))));
    ChainVerifier.Report report = ChainVerifier.verify(pid, stream);
    assertTrue(report.intact(), report::detail);
    assertEquals(5, report.checked());
    assertEquals(HashChain.GENESIS, events.get(0).prevHash());

    var issued = (ApiKeyStore.KeyIssued) events.get(3);
    var forged = new ApiKeyStore.KeyIssued(issued.keyId(), issued.keyHash(), issued.tenantId(), issued.principal(),
        List.of(Scope.ADMIN), issued.at(), issued.prevHash(), issued.hash());
    stream.set(3, new ChainVerifier.StreamEvent(4, List.of(forged)));
    ChainVerifier.Report tampered = ChainVerifier.verify(pid, stream);
    assertFalse(tampered.intact());
    assertEquals(4L, tampered.firstBrokenSequenceNr().orElseThrow());
  }

  @Test
  void serializesEveryCommandReplyEventAndState() {
    TestProbe<StatusReply<Tenant>> tenants = testKit.createTestProbe();
    TestProbe<StatusReply<ApiKey>> keys = testKit.createTestProbe();
    TestProbe<ApiKeyStore.KeyLookup> lookups = testKit.createTestProbe();
    TestProbe<ApiKeyStore.KeyList> lists = testKit.createTestProbe();
    TestProbe<ApiKeyStore.TenantList> tenantLists = testKit.createTestProbe();
    TestProbe<ApiKeyStore.BootstrapResult> boots = testKit.createTestProbe();
    Instant t = Instant.parse("2026-01-15T12:00:00.123456789Z");
    ApiKey key = new ApiKey("id", "hash", "acme", "alice", List.of(Scope.AGENT, Scope.ADMIN), t, null);
    ApiKey revoked = key.withRevokedAt(t.plusSeconds(1));
    Tenant tenant = new Tenant("acme", "Acme", t);
    List<Object> all = List.of(
        new ApiKeyStore.CreateTenant("acme", "Acme", tenants.getRef()),
        new ApiKeyStore.GetTenants(tenantLists.getRef()),
        new ApiKeyStore.IssueKey("id", "hash", "acme", "alice", List.of(Scope.OPERATOR), List.of("security_team"),
            keys.getRef()),
        new ApiKeyStore.RevokeKey("id", keys.getRef()),
        new ApiKeyStore.Lookup("hash", lookups.getRef()),
        new ApiKeyStore.GetKeys(lists.getRef()),
        new ApiKeyStore.Bootstrap("default", "Default", "id", "hash", "admin", List.of(Scope.ADMIN), boots.getRef()),
        new ApiKeyStore.KeyLookup(key),
        new ApiKeyStore.KeyLookup(null),
        new ApiKeyStore.KeyList(List.of(key, revoked)),
        new ApiKeyStore.TenantList(List.of(tenant)),
        new ApiKeyStore.BootstrapResult(key),
        new ApiKeyStore.BootstrapResult(null),
        new ApiKeyStore.TenantCreated("acme", "Acme", t, HashChain.GENESIS, "h1"),
        new ApiKeyStore.KeyIssued("id", "hash", "acme", "alice", List.of(Scope.AGENT), t, "h1", "h2"),
        new ApiKeyStore.KeyRevoked("id", t, "h2", "h3"),
        new ApiKeyStore.State(Map.of("acme", tenant), Map.of("id", revoked), Map.of("hash", "id"), "h3"),
        new ApiKeys.Revoked("hash"));
    all.forEach(m -> testKit.serializationTestKit().verifySerialization(m, true));
  }

  @Test
  void keepsAnEventsHashAcrossSerialization() {
    Instant t = Instant.parse("2026-01-15T12:00:00.5Z");
    var event = new ApiKeyStore.KeyIssued("id", "hash", "acme", "alice", List.of(Scope.ADMIN, Scope.AGENT), t,
        HashChain.GENESIS, "h");
    var back = testKit.serializationTestKit().verifySerialization(event, true);
    assertEquals(HashChain.canonicalJson(event.content()), HashChain.canonicalJson(back.content()));
  }

  @Test
  void aKeyCarriesItsPrincipalsRolesNormalizedAndAKeyWithoutRolesHashesAsBefore() {
    kit.<StatusReply<Tenant>>runCommand(r -> new ApiKeyStore.CreateTenant("roles", "Roles", r));
    var withRoles = kit.<StatusReply<ApiKey>>runCommand(r -> new ApiKeyStore.IssueKey(UUID.randomUUID().toString(),
        ApiKeySecrets.hash("s1"), "roles", "carol", List.of(Scope.OPERATOR),
        List.of(" Security_Team", "on_call", "security_team"), r));
    assertEquals(List.of("on_call", "security_team"), withRoles.reply().getValue().roles());
    ApiKeyStore.KeyIssued plain = new ApiKeyStore.KeyIssued("k", "h", "t", "p", List.of(Scope.AGENT),
        java.time.Instant.EPOCH, "prev", "hash");
    ApiKeyStore.KeyIssued emptyRoles = new ApiKeyStore.KeyIssued("k", "h", "t", "p", List.of(Scope.AGENT),
        java.time.Instant.EPOCH, "prev", "hash", List.of());
    assertEquals(plain.content(), emptyRoles.content());
    assertEquals(List.of(), issue("roles", "s2", Scope.AGENT).reply().getValue().roles());
  }
}
