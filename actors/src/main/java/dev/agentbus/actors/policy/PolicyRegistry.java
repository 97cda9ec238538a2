package dev.agentbus.actors.policy;

import dev.agentbus.actors.CborSerializable;
import dev.agentbus.actors.agent.AgentErrors;
import dev.agentbus.actors.chain.ChainedRecord;
import dev.agentbus.actors.chain.HashChain;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The cluster-wide, durable registry of constitution bundles (one sharded entity, {@link #ENTITY_ID}):
 * policies with their versions and review states (the SDK's PolicyStatus), the active one, and the
 * activation history that a rollback goes back through. Every transition is a hash-chained event naming
 * who did it.
 *
 * <p>Nothing is half-applied: a policy whose CEL does not compile is refused at upload, revision and
 * activation (with the compiler's message); with trusted keys configured, a bundle activates only if a
 * trusted signature verifies. After each activation or rollback, and after recovery, the entity hands the
 * active bundle to its {@link Publisher} (Distributed Data, see {@link PolicyDistribution}).
 */
public final class PolicyRegistry
    extends EventSourcedBehaviorWithEnforcedReplies<PolicyRegistry.Command, PolicyRegistry.Event, PolicyRegistry.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "PolicyRegistry");
  /** There is one registry per cluster. */
  public static final String ENTITY_ID = "constitution";

  /** Where the active bundle goes after a change; must not block. */
  @FunctionalInterface
  public interface Publisher {
    void publish(ActiveBundle active);
  }

  /** @param trustedKeys when not empty, activation needs a trusted signature */
  public record Settings(Map<String, PublicKey> trustedKeys, boolean requireApproval, int snapshotEvery,
      int maxPolicies, int maxVersions) {
    public Settings {
      trustedKeys = Map.copyOf(trustedKeys);
    }

    public static Settings from(PolicySettings s) {
      return new Settings(s.trustedKeys(), s.requireApproval(), s.snapshotEvery(), s.maxPolicies(), s.maxVersions());
    }
  }

  // ---- protocol ----

  public sealed interface Command extends CborSerializable {}

  /** A new policy, in draft. {@code policyId} is chosen by the caller (a UUID), so a retry is idempotent. */
  public record Upload(String policyId, String name, String description, List<String> tags, String bundleJson,
      String principal, ActorRef<StatusReply<PolicyView>> replyTo) implements Command {}

  /** A new version of an editable policy; null fields keep their value. */
  public record Revise(String policyId, String name, String description, List<String> tags, String bundleJson,
      String principal, ActorRef<StatusReply<PolicyView>> replyTo) implements Command {}

  /** A signature over the current version's digest (the digest does not change). */
  public record Sign(String policyId, ConstitutionBundle.Signature signature, String principal,
      ActorRef<StatusReply<PolicyView>> replyTo) implements Command {}

  /** To {@link PolicyStatus#ACTIVE} makes the policy the active bundle (the previous one is deprecated). */
  public record ChangeStatus(String policyId, PolicyStatus status, String principal,
      ActorRef<StatusReply<PolicyView>> replyTo) implements Command {}

  /** Back to the last known good bundle: the most recent earlier activation that is not archived. */
  public record RollBack(String principal, ActorRef<StatusReply<PolicyView>> replyTo) implements Command {}

  public record Get(String policyId, ActorRef<StatusReply<PolicyView>> replyTo) implements Command {}

  public record ListPolicies(ActorRef<StatusReply<List<PolicyView>>> replyTo) implements Command {}

  public record GetActive(ActorRef<StatusReply<ActiveBundle>> replyTo) implements Command {}

  // ---- replies ----

  /** One version of a policy. */
  public record Version(String version, String bundleJson, String digest, Instant createdAt, String createdBy)
      implements CborSerializable {}

  /** A policy as the API shows it: its current version first in {@code versions}'s last place. */
  public record PolicyView(String id, String name, String description, List<String> tags, PolicyStatus status,
      List<Version> versions, Instant createdAt, String createdBy, Instant updatedAt, String updatedBy)
      implements CborSerializable {
    public PolicyView {
      tags = tags == null ? List.of() : List.copyOf(tags);
      versions = List.copyOf(versions);
    }

    public Version current() {
      return versions.get(versions.size() - 1);
    }

    public ConstitutionBundle bundle() {
      return ConstitutionBundle.parse(current().bundleJson());
    }
  }

  // ---- events: every one is a link of the registry's hash chain, and names who did it ----

  public sealed interface Event extends CborSerializable, ChainedRecord {}

  /** What an event's hash covers: its kind and its data. */
  public record Body(String event, Object data) {}

  public record PolicyUploaded(String policyId, String name, String description, List<String> tags,
      String bundleJson, String digest, String principal, Instant at, String prevHash, String hash) implements Event {
    @Override
    public Object content() {
      return new Body("PolicyUploaded", List.of(policyId, name, String.valueOf(description), tags, digest,
          principal, at.toString()));
    }
  }

  public record PolicyRevised(String policyId, String name, String description, List<String> tags,
      String bundleJson, String digest, String principal, Instant at, String prevHash, String hash) implements Event {
    @Override
    public Object content() {
      return new Body("PolicyRevised", List.of(policyId, name, String.valueOf(description), tags, digest,
          principal, at.toString()));
    }
  }

  /** The current version's bundle JSON with the signature added. */
  public record PolicySigned(String policyId, String keyId, String bundleJson, String principal, Instant at,
      String prevHash, String hash) implements Event {
    @Override
    public Object content() {
      return new Body("PolicySigned", List.of(policyId, keyId, BundleCodec.sha256Hex(bundleJson), principal,
          at.toString()));
    }
  }

  public record PolicyStatusChanged(String policyId, PolicyStatus from, PolicyStatus to, String principal,
      Instant at, String prevHash, String hash) implements Event {
    @Override
    public Object content() {
      return new Body("PolicyStatusChanged", List.of(policyId, from.wire(), to.wire(), principal, at.toString()));
    }
  }

  /** @param previousPolicyId the policy that was active until now (deprecated by this), or null */
  public record PolicyActivated(String policyId, String digest, String previousPolicyId, String principal,
      Instant at, String prevHash, String hash) implements Event {
    @Override
    public Object content() {
      return new Body("PolicyActivated", List.of(policyId, digest, String.valueOf(previousPolicyId), principal,
          at.toString()));
    }
  }

  /** @param keptHistory activations kept in the history; the last of them is {@code toPolicyId} */
  public record PolicyRolledBack(String fromPolicyId, String toPolicyId, String digest, int keptHistory,
      String principal, Instant at, String prevHash, String hash) implements Event {
    @Override
    public Object content() {
      return new Body("PolicyRolledBack", List.of(fromPolicyId, toPolicyId, digest, keptHistory, principal,
          at.toString()));
    }
  }

  // ---- state ----

  /** One activation: which policy, with which digest. */
  public record Activation(String policyId, String digest) implements CborSerializable {}

  /**
   * @param policies by id, in upload order
   * @param history activations, oldest first; the last is the active one
   * @param generation how many activations and rollbacks happened: the {@link ActiveBundle#generation()}
   */
  public record State(Map<String, PolicyView> policies, List<Activation> history, long generation, String lastHash)
      implements CborSerializable {

    static final State EMPTY = new State(Map.of(), List.of(), 0, HashChain.GENESIS);

    public State {
      policies = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(policies));
      history = List.copyOf(history);
    }

    public String activeId() {
      return history.isEmpty() ? null : history.get(history.size() - 1).policyId();
    }

    public ActiveBundle active() {
      String id = activeId();
      if (id == null) return generation == 0 ? ActiveBundle.NONE : new ActiveBundle(generation, null, null, null);
      Version v = policies.get(id).current();
      return new ActiveBundle(generation, id, v.digest(), v.bundleJson());
    }

    State with(PolicyView p, String hash) {
      Map<String, PolicyView> m = new LinkedHashMap<>(policies);
      m.put(p.id(), p);
      return new State(m, history, generation, hash);
    }
  }

  private final ActorContext<Command> context;
  private final Settings settings;
  private final Publisher publisher;
  private final Clock clock;

  private PolicyRegistry(ActorContext<Command> context, PersistenceId id, Settings settings, Publisher publisher,
      Clock clock, BackoffSupervisorStrategy restart) {
    super(id, restart);
    this.context = context;
    this.settings = settings;
    this.publisher = publisher;
    this.clock = clock;
  }

  public static Behavior<Command> create(String entityId, Settings settings, Publisher publisher, Clock clock,
      BackoffSupervisorStrategy restart) {
    return Behaviors.setup(ctx -> new PolicyRegistry(ctx,
        PersistenceId.of(ENTITY_KEY.name(), entityId), settings, publisher, clock, restart));
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2);
  }

  // ---- commands ----

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Upload.class, this::onUpload)
        .onCommand(Revise.class, this::onRevise)
        .onCommand(Sign.class, this::onSign)
        .onCommand(ChangeStatus.class, this::onChangeStatus)
        .onCommand(RollBack.class, this::onRollBack)
        .onCommand(Get.class, this::onGet)
        .onCommand(ListPolicies.class, (s, c) -> Effect().reply(c.replyTo(),
            StatusReply.success(List.copyOf(s.policies().values()))))
        .onCommand(GetActive.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(s.active())))
        .build();
  }

  private ReplyEffect<Event, State> onUpload(State state, Upload cmd) {
    PolicyView existing = state.policies().get(cmd.policyId());
    if (existing != null) {
      // the same upload again (a retry) is answered, a different one with the same id refused
      return existing.versions().get(0).bundleJson().equals(cmd.bundleJson())
          ? Effect().reply(cmd.replyTo(), StatusReply.success(existing))
          : Effect().reply(cmd.replyTo(), AgentErrors.error("policy_exists", "policy '" + cmd.policyId() + "' exists"));
    }
    if (state.policies().size() >= settings.maxPolicies()) {
      return Effect().reply(cmd.replyTo(), AgentErrors.error("policy_limit",
          "the registry holds its maximum of " + settings.maxPolicies() + " policies"));
    }
    if (cmd.name() == null || cmd.name().isBlank() || cmd.name().length() > 255) {
      return Effect().reply(cmd.replyTo(), AgentErrors.error("invalid_policy", "name must be 1..255 characters"));
    }
    String refused = compileError(cmd.bundleJson());
    if (refused != null) return Effect().reply(cmd.replyTo(), invalid(refused));
    String digest = ConstitutionBundle.parse(cmd.bundleJson()).digest();
    Instant now = clock.instant();
    return Effect()
        .persist(link(state, (prev, hash) -> new PolicyUploaded(cmd.policyId(), cmd.name(), cmd.description(),
            tags(cmd.tags()), cmd.bundleJson(), digest, principal(cmd.principal()), now, prev, hash)))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.policies().get(cmd.policyId())));
  }

  private ReplyEffect<Event, State> onRevise(State state, Revise cmd) {
    PolicyView p = state.policies().get(cmd.policyId());
    if (p == null) return Effect().reply(cmd.replyTo(), notFound(cmd.policyId()));
    if (!p.status().editable()) {
      return Effect().reply(cmd.replyTo(), AgentErrors.error("policy_not_editable", "policy '" + p.id() + "' is "
          + p.status().wire() + "; only draft and pending_review policies can be revised"));
    }
    if (cmd.name() != null && (cmd.name().isBlank() || cmd.name().length() > 255)) {
      return Effect().reply(cmd.replyTo(), AgentErrors.error("invalid_policy", "name must be 1..255 characters"));
    }
    String json = cmd.bundleJson() == null ? p.current().bundleJson() : cmd.bundleJson();
    String refused = compileError(json);
    if (refused != null) return Effect().reply(cmd.replyTo(), invalid(refused));
    String digest = ConstitutionBundle.parse(json).digest();
    Instant now = clock.instant();
    return Effect()
        .persist(link(state, (prev, hash) -> new PolicyRevised(p.id(),
            cmd.name() == null ? p.name() : cmd.name(),
            cmd.description() == null ? p.description() : cmd.description(),
            cmd.tags() == null ? p.tags() : tags(cmd.tags()), json, digest, principal(cmd.principal()), now, prev,
            hash)))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.policies().get(p.id())));
  }

  private ReplyEffect<Event, State> onSign(State state, Sign cmd) {
    PolicyView p = state.policies().get(cmd.policyId());
    if (p == null) return Effect().reply(cmd.replyTo(), notFound(cmd.policyId()));
    if (p.status() == PolicyStatus.ARCHIVED) {
      return Effect().reply(cmd.replyTo(), AgentErrors.error("policy_not_editable", "policy is archived"));
    }
    String json = p.bundle().withSignature(cmd.signature()).toJson();
    Instant now = clock.instant();
    return Effect()
        .persist(link(state, (prev, hash) -> new PolicySigned(p.id(), cmd.signature().keyId(), json,
            principal(cmd.principal()), now, prev, hash)))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.policies().get(p.id())));
  }

  private ReplyEffect<Event, State> onChangeStatus(State state, ChangeStatus cmd) {
    PolicyView p = state.policies().get(cmd.policyId());
    if (p == null) return Effect().reply(cmd.replyTo(), notFound(cmd.policyId()));
    if (cmd.status() == null) {
      return Effect().reply(cmd.replyTo(), AgentErrors.error("invalid_policy_status", "status is required"));
    }
    if (p.status() == cmd.status()) return Effect().reply(cmd.replyTo(), StatusReply.success(p));
    if (!p.status().next().contains(cmd.status())) {
      String hint = p.status() == PolicyStatus.ACTIVE
          ? "; activate another policy or roll back to replace the active one" : "";
      return Effect().reply(cmd.replyTo(), AgentErrors.error("invalid_policy_transition",
          "policy '" + p.id() + "' cannot go from " + p.status().wire() + " to " + cmd.status().wire() + hint));
    }
    Instant now = clock.instant();
    String who = principal(cmd.principal());
    if (cmd.status() != PolicyStatus.ACTIVE) {
      return Effect()
          .persist(link(state, (prev, hash) -> new PolicyStatusChanged(p.id(), p.status(), cmd.status(), who, now,
              prev, hash)))
          .thenReply(cmd.replyTo(), s -> StatusReply.success(s.policies().get(p.id())));
    }
    if (settings.requireApproval() && p.status() != PolicyStatus.APPROVED && p.status() != PolicyStatus.DEPRECATED) {
      return Effect().reply(cmd.replyTo(), AgentErrors.error("invalid_policy_transition",
          "policy '" + p.id() + "' must be approved before it is activated"));
    }
    String refused = activationError(p.current().bundleJson());
    if (refused != null) return Effect().reply(cmd.replyTo(), invalid(refused));
    String previous = state.activeId();
    return Effect()
        .persist(link(state, (prev, hash) -> new PolicyActivated(p.id(), p.current().digest(), previous, who, now,
            prev, hash)))
        .thenRun(s -> publisher.publish(s.active()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.policies().get(p.id())));
  }

  private ReplyEffect<Event, State> onRollBack(State state, RollBack cmd) {
    String current = state.activeId();
    if (current == null) {
      return Effect().reply(cmd.replyTo(), AgentErrors.error("no_active_policy", "no policy is active"));
    }
    List<Activation> h = state.history();
    for (int i = h.size() - 2; i >= 0; i--) {
      Activation a = h.get(i);
      PolicyView p = state.policies().get(a.policyId());
      // a known good bundle: not the current one, not archived since, unchanged, and still acceptable
      if (a.policyId().equals(current) || p.status() == PolicyStatus.ARCHIVED
          || !p.current().digest().equals(a.digest()) || activationError(p.current().bundleJson()) != null) {
        continue;
      }
      int kept = i + 1;
      Instant now = clock.instant();
      return Effect()
          .persist(link(state, (prev, hash) -> new PolicyRolledBack(current, p.id(), a.digest(), kept,
              principal(cmd.principal()), now, prev, hash)))
          .thenRun(s -> publisher.publish(s.active()))
          .thenReply(cmd.replyTo(), s -> StatusReply.success(s.policies().get(p.id())));
    }
    return Effect().reply(cmd.replyTo(), AgentErrors.error("no_known_good_policy",
        "no earlier activation to roll back to"));
  }

  private ReplyEffect<Event, State> onGet(State state, Get cmd) {
    PolicyView p = state.policies().get(cmd.policyId());
    return Effect().reply(cmd.replyTo(), p == null ? notFound(cmd.policyId()) : StatusReply.success(p));
  }

  /** Why the bundle cannot be stored (unreadable, or CEL that does not compile), or null. */
  private static String compileError(String bundleJson) {
    try {
      CompiledBundle.compile(ConstitutionBundle.parse(bundleJson));
      return null;
    } catch (BundleCompilationException e) {
      return "policy_does_not_compile: " + e.getMessage();
    } catch (InvalidBundleException e) {
      return "invalid_policy: " + e.getMessage();
    }
  }

  /** Why the bundle cannot become active (it does not compile, or no trusted signature), or null. */
  private String activationError(String bundleJson) {
    String error = compileError(bundleJson);
    if (error != null) return error;
    if (!settings.trustedKeys().isEmpty()
        && !BundleVerifier.verify(ConstitutionBundle.parse(bundleJson), settings.trustedKeys())) {
      return "policy_signature_invalid: no signature by a trusted key verifies over the bundle's digest";
    }
    return null;
  }

  private static <T> StatusReply<T> invalid(String codeAndMessage) {
    return StatusReply.error(codeAndMessage);
  }

  private static <T> StatusReply<T> notFound(String id) {
    return AgentErrors.error("policy_not_found", "policy '" + id + "' not found");
  }

  private static String principal(String p) {
    return p == null || p.isBlank() ? "anonymous" : p;
  }

  private static List<String> tags(List<String> tags) {
    return tags == null ? List.of() : List.copyOf(tags);
  }

  private Event link(State state, BiFunction<String, String, Event> event) {
    return HashChain.next(state.lastHash(), persistenceId().id(), lastSequenceNumber(context) + 1, event);
  }

  // ---- events ----

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(PolicyUploaded.class, this::applyUploaded)
        .onEvent(PolicyRevised.class, this::applyRevised)
        .onEvent(PolicySigned.class, PolicyRegistry::applySigned)
        .onEvent(PolicyStatusChanged.class, (s, e) -> s.with(withStatus(s.policies().get(e.policyId()), e.to(),
            e.at(), e.principal()), e.hash()))
        .onEvent(PolicyActivated.class, PolicyRegistry::applyActivated)
        .onEvent(PolicyRolledBack.class, PolicyRegistry::applyRolledBack)
        .build();
  }

  private State applyUploaded(State s, PolicyUploaded e) {
    Version v = new Version("1", e.bundleJson(), e.digest(), e.at(), e.principal());
    return s.with(new PolicyView(e.policyId(), e.name(), e.description(), e.tags(), PolicyStatus.DRAFT, List.of(v),
        e.at(), e.principal(), e.at(), e.principal()), e.hash());
  }

  private State applyRevised(State s, PolicyRevised e) {
    PolicyView p = s.policies().get(e.policyId());
    List<Version> versions = new ArrayList<>(p.versions());
    long next = Long.parseLong(p.current().version()) + 1;
    versions.add(new Version(Long.toString(next), e.bundleJson(), e.digest(), e.at(), e.principal()));
    while (versions.size() > settings.maxVersions()) versions.remove(0);
    return s.with(new PolicyView(p.id(), e.name(), e.description(), e.tags(), p.status(), versions, p.createdAt(),
        p.createdBy(), e.at(), e.principal()), e.hash());
  }

  private static State applySigned(State s, PolicySigned e) {
    PolicyView p = s.policies().get(e.policyId());
    List<Version> versions = new ArrayList<>(p.versions());
    Version c = p.current();
    versions.set(versions.size() - 1, new Version(c.version(), e.bundleJson(), c.digest(), c.createdAt(),
        c.createdBy()));
    return s.with(new PolicyView(p.id(), p.name(), p.description(), p.tags(), p.status(), versions, p.createdAt(),
        p.createdBy(), e.at(), e.principal()), e.hash());
  }

  private static State applyActivated(State s, PolicyActivated e) {
    Map<String, PolicyView> m = new LinkedHashMap<>(s.policies());
    if (e.previousPolicyId() != null) {
      m.put(e.previousPolicyId(), withStatus(m.get(e.previousPolicyId()), PolicyStatus.DEPRECATED, e.at(),
          e.principal()));
    }
    m.put(e.policyId(), withStatus(m.get(e.policyId()), PolicyStatus.ACTIVE, e.at(), e.principal()));
    List<Activation> history = new ArrayList<>(s.history());
    history.add(new Activation(e.policyId(), e.digest()));
    return new State(m, history, s.generation() + 1, e.hash());
  }

  private static State applyRolledBack(State s, PolicyRolledBack e) {
    Map<String, PolicyView> m = new LinkedHashMap<>(s.policies());
    m.put(e.fromPolicyId(), withStatus(m.get(e.fromPolicyId()), PolicyStatus.DEPRECATED, e.at(), e.principal()));
    m.put(e.toPolicyId(), withStatus(m.get(e.toPolicyId()), PolicyStatus.ACTIVE, e.at(), e.principal()));
    List<Activation> history = new ArrayList<>(s.history().subList(0, e.keptHistory()));
    return new State(m, history, s.generation() + 1, e.hash());
  }

  private static PolicyView withStatus(PolicyView p, PolicyStatus status, Instant at, String who) {
    return new PolicyView(p.id(), p.name(), p.description(), p.tags(), status, p.versions(), p.createdAt(),
        p.createdBy(), at, who);
  }

  // ---- signals ----

  @Override
  public SignalHandler<State> signalHandler() {
    // after a crash between persisting an activation and publishing it, or a restart of the whole cluster
    // (Distributed Data is in memory), the active bundle is published again
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), s -> {
          if (s.generation() > 0) publisher.publish(s.active());
        })
        .build();
  }
}
