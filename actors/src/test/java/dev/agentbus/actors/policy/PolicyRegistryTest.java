package dev.agentbus.actors.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.agentbus.actors.agent.AgentErrors;
import dev.agentbus.actors.chain.HashChain;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class PolicyRegistryTest {

  private static final ActorTestKit testKit = ActorTestKit.create(
      ConfigFactory.parseString("pekko.loglevel = WARNING").withFallback(EventSourcedBehaviorTestKit.config()));

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  private final List<ActiveBundle> published = new CopyOnWriteArrayList<>();

  private EventSourcedBehaviorTestKit<PolicyRegistry.Command, PolicyRegistry.Event, PolicyRegistry.State> registry(
      Map<String, PublicKey> trusted) {
    var settings = new PolicyRegistry.Settings(trusted, false, 100, 100, 10);
    return EventSourcedBehaviorTestKit.create(testKit.system(), PolicyRegistry.create(
        "test-" + UUID.randomUUID(), settings, published::add, PolicyFixtures.MONDAY,
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0.1)));
  }

  private static ConstitutionBundle bundle(String expression) {
    return PolicyFixtures.bundle(PolicyFixtures.rule("r1", expression));
  }

  private static CommandResultWithReply<PolicyRegistry.Command, PolicyRegistry.Event, PolicyRegistry.State,
      StatusReply<PolicyRegistry.PolicyView>> upload(
      EventSourcedBehaviorTestKit<PolicyRegistry.Command, PolicyRegistry.Event, PolicyRegistry.State> kit, String id,
      ConstitutionBundle b) {
    return kit.runCommand(r -> new PolicyRegistry.Upload(id, "policy " + id, "d", List.of("t"), b.toJson(), "alice", r));
  }

  private static StatusReply<PolicyRegistry.PolicyView> status(
      EventSourcedBehaviorTestKit<PolicyRegistry.Command, PolicyRegistry.Event, PolicyRegistry.State> kit, String id,
      PolicyStatus s, String who) {
    return kit.<StatusReply<PolicyRegistry.PolicyView>>runCommand(r -> new PolicyRegistry.ChangeStatus(id, s, who, r))
        .reply();
  }

  private static String code(StatusReply<?> reply) {
    assertTrue(reply.isError(), () -> "expected an error, got " + reply);
    return AgentErrors.code(reply.getError());
  }

  @Test
  void anUploadIsADraftThatNamesWhoUploadedIt() {
    var kit = registry(Map.of());
    var result = upload(kit, "p1", bundle("false"));
    PolicyRegistry.PolicyView p = result.reply().getValue();
    assertEquals(PolicyStatus.DRAFT, p.status());
    assertEquals("alice", p.createdBy());
    assertEquals("1", p.current().version());
    assertEquals(bundle("false").digest(), p.current().digest());
    assertEquals("alice", result.eventOfType(PolicyRegistry.PolicyUploaded.class).principal());
  }

  @Test
  void aPolicyGoesThroughTheReviewStatesAndEveryTransitionNamesWhoDidIt() {
    var kit = registry(Map.of());
    upload(kit, "p1", bundle("false"));
    assertEquals(PolicyStatus.PENDING_REVIEW, status(kit, "p1", PolicyStatus.PENDING_REVIEW, "bob").getValue().status());
    assertEquals(PolicyStatus.APPROVED, status(kit, "p1", PolicyStatus.APPROVED, "carol").getValue().status());
    var activated = kit.<StatusReply<PolicyRegistry.PolicyView>>runCommand(
        r -> new PolicyRegistry.ChangeStatus("p1", PolicyStatus.ACTIVE, "dave", r));
    assertEquals(PolicyStatus.ACTIVE, activated.reply().getValue().status());
    assertEquals("dave", activated.eventOfType(PolicyRegistry.PolicyActivated.class).principal());
    assertEquals(new ActiveBundle(1, "p1", bundle("false").digest(), bundle("false").toJson()),
        published.get(published.size() - 1));

    assertEquals("invalid_policy_transition", code(status(kit, "p1", PolicyStatus.DEPRECATED, "eve")));
    assertEquals("invalid_policy_transition", code(status(kit, "p1", PolicyStatus.ARCHIVED, "eve")));
    assertEquals("policy_not_found", code(status(kit, "nope", PolicyStatus.APPROVED, "eve")));

    upload(kit, "p2", bundle("true"));
    assertEquals(PolicyStatus.ARCHIVED, status(kit, "p2", PolicyStatus.ARCHIVED, "eve").getValue().status());
    assertEquals("invalid_policy_transition", code(status(kit, "p2", PolicyStatus.DRAFT, "eve")));
  }

  @Test
  void activatingAnotherPolicyDeprecatesThePreviousOne() {
    var kit = registry(Map.of());
    upload(kit, "p1", bundle("false"));
    upload(kit, "p2", bundle("true"));
    status(kit, "p1", PolicyStatus.ACTIVE, "a");
    status(kit, "p2", PolicyStatus.ACTIVE, "b");
    PolicyRegistry.State s = kit.getState();
    assertEquals(PolicyStatus.DEPRECATED, s.policies().get("p1").status());
    assertEquals(PolicyStatus.ACTIVE, s.policies().get("p2").status());
    assertEquals(2, s.active().generation());
  }

  @Test
  void aBundleThatDoesNotCompileIsRefusedWithTheCompilerMessageAndNothingIsRecorded() {
    var kit = registry(Map.of());
    var result = upload(kit, "p1", bundle("message.nosuch +"));
    assertEquals("policy_does_not_compile", code(result.reply()));
    assertTrue(result.reply().getError().getMessage().contains("rule 'r1' does not compile"),
        result.reply().getError().getMessage());
    assertTrue(result.hasNoEvents());

    upload(kit, "p2", bundle("false"));
    var revised = kit.<StatusReply<PolicyRegistry.PolicyView>>runCommand(r -> new PolicyRegistry.Revise("p2", null,
        null, null, bundle("undeclared_variable == 1").toJson(), "bob", r));
    assertEquals("policy_does_not_compile", code(revised.reply()));
    assertTrue(revised.hasNoEvents());
    assertEquals("1", kit.getState().policies().get("p2").current().version());
  }

  @Test
  void aRevisionIsANewVersionOnlyWhileThePolicyIsUnderReview() {
    var kit = registry(Map.of());
    upload(kit, "p1", bundle("false"));
    var revised = kit.<StatusReply<PolicyRegistry.PolicyView>>runCommand(r -> new PolicyRegistry.Revise("p1", "new name",
        null, null, bundle("true").toJson(), "bob", r));
    PolicyRegistry.PolicyView p = revised.reply().getValue();
    assertEquals("2", p.current().version());
    assertEquals(2, p.versions().size());
    assertEquals("new name", p.name());
    assertEquals("bob", p.updatedBy());
    status(kit, "p1", PolicyStatus.ACTIVE, "a");
    var refused = kit.<StatusReply<PolicyRegistry.PolicyView>>runCommand(r -> new PolicyRegistry.Revise("p1", "x",
        null, null, null, "bob", r));
    assertEquals("policy_not_editable", code(refused.reply()));
  }

  @Test
  void withTrustedKeysABundleSignedByAnotherKeyIsRefused() throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("Ed25519");
    KeyPair trusted = gen.generateKeyPair();
    KeyPair stranger = gen.generateKeyPair();
    var kit = registry(Map.of("ops", trusted.getPublic()));

    upload(kit, "unsigned", bundle("false"));
    var refused = kit.<StatusReply<PolicyRegistry.PolicyView>>runCommand(
        r -> new PolicyRegistry.ChangeStatus("unsigned", PolicyStatus.ACTIVE, "a", r));
    assertEquals("policy_signature_invalid", code(refused.reply()));
    assertTrue(refused.hasNoEvents());

    // the wrong key under the trusted key's id
    upload(kit, "forged", BundleSigner.sign(bundle("true"), "ops", stranger.getPrivate()));
    var forged = kit.<StatusReply<PolicyRegistry.PolicyView>>runCommand(
        r -> new PolicyRegistry.ChangeStatus("forged", PolicyStatus.ACTIVE, "a", r));
    assertEquals("policy_signature_invalid", code(forged.reply()));
    assertTrue(forged.hasNoEvents());
    assertEquals(List.of(), published, "nothing published");
    assertEquals(PolicyStatus.DRAFT, kit.getState().policies().get("forged").status());

    upload(kit, "signed", BundleSigner.sign(bundle("1 == 2"), "ops", trusted.getPrivate()));
    assertEquals(PolicyStatus.ACTIVE, status(kit, "signed", PolicyStatus.ACTIVE, "a").getValue().status());

    // a signature added after the upload counts too
    ConstitutionBundle later = bundle("2 == 3");
    upload(kit, "later", later);
    String sig = BundleSigner.sign(later, "ops", trusted.getPrivate()).signatures().get(0).signature();
    kit.<StatusReply<PolicyRegistry.PolicyView>>runCommand(r -> new PolicyRegistry.Sign("later", new ConstitutionBundle.Signature("ops", "Ed25519", sig), "a", r));
    assertEquals(PolicyStatus.ACTIVE, status(kit, "later", PolicyStatus.ACTIVE, "a").getValue().status());
  }

  @Test
  void aRollBackReturnsToTheLastKnownGoodBundle() {
    var kit = registry(Map.of());
    upload(kit, "good", bundle("false"));
    upload(kit, "bad", bundle("true"));
    status(kit, "good", PolicyStatus.ACTIVE, "a");
    status(kit, "bad", PolicyStatus.ACTIVE, "b");
    var rolledBack = kit.<StatusReply<PolicyRegistry.PolicyView>>runCommand(r -> new PolicyRegistry.RollBack("ops", r));
    assertEquals("good", rolledBack.reply().getValue().id());
    assertEquals("ops", rolledBack.eventOfType(PolicyRegistry.PolicyRolledBack.class).principal());
    PolicyRegistry.State s = kit.getState();
    assertEquals(PolicyStatus.ACTIVE, s.policies().get("good").status());
    assertEquals(PolicyStatus.DEPRECATED, s.policies().get("bad").status());
    ActiveBundle last = published.get(published.size() - 1);
    assertEquals("good", last.policyId());
    assertEquals(3, last.generation());
    assertEquals("no_known_good_policy",
        code(kit.<StatusReply<PolicyRegistry.PolicyView>>runCommand(r -> new PolicyRegistry.RollBack("ops", r)).reply()));
  }

  @Test
  void anArchivedPolicyIsNeverRolledBackTo() {
    var kit = registry(Map.of());
    upload(kit, "old", bundle("false"));
    upload(kit, "mid", bundle("1 == 2"));
    upload(kit, "new", bundle("true"));
    status(kit, "old", PolicyStatus.ACTIVE, "a");
    status(kit, "mid", PolicyStatus.ACTIVE, "a");
    status(kit, "new", PolicyStatus.ACTIVE, "a");
    status(kit, "mid", PolicyStatus.ARCHIVED, "a");
    var r = kit.<StatusReply<PolicyRegistry.PolicyView>>runCommand(x -> new PolicyRegistry.RollBack("ops", x)).reply();
    assertEquals("old", r.getValue().id());
  }

  @Test
  void theRegistryRecoversAfterARestartAndPublishesTheActiveBundleAgain() {
    var kit = registry(Map.of());
    upload(kit, "p1", bundle("false"));
    status(kit, "p1", PolicyStatus.ACTIVE, "a");
    PolicyRegistry.State before = kit.getState();
    published.clear();
    kit.restart();
    assertEquals(before, kit.getState());
    assertEquals(List.of(before.active()), published);
  }

  @Test
  void everyEventIsALinkOfTheRegistrysHashChain() {
    var kit = registry(Map.of());
    var e1 = upload(kit, "p1", bundle("false")).eventOfType(PolicyRegistry.PolicyUploaded.class);
    var e2 = kit.<StatusReply<PolicyRegistry.PolicyView>>runCommand(
        r -> new PolicyRegistry.ChangeStatus("p1", PolicyStatus.ACTIVE, "a", r))
        .eventOfType(PolicyRegistry.PolicyActivated.class);
    assertEquals(HashChain.GENESIS, e1.prevHash());
    assertEquals(e1.hash(), e2.prevHash());
    assertEquals(e2.hash(), kit.getState().lastHash());
  }
}
