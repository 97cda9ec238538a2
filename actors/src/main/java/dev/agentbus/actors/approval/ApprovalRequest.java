package dev.agentbus.actors.approval;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.agentbus.actors.CborSerializable;
import dev.agentbus.actors.agent.AgentErrors;
import dev.agentbus.actors.chain.ChainedRecord;
import dev.agentbus.actors.chain.HashChain;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityContext;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandlerBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One approval request (sharded, entity id = the request id): created directly through the API, or the
 * human side of a held message (entity id = the message id, opened on the first human action).
 *
 * <p>Rules ({@link ApprovalRules}): the approver is the caller's principal; the requester may not decide (no
 * self-approval); one decision per approver; when the request names roles (an {@link ApprovalPolicy}), only
 * holders of one of them decide; one rejection rejects; {@code requiredApprovers} approvals with the required
 * roles (all, or at least one) approve; a policy's automatic approval approves on creation. A request is
 * open while pending or escalated; an escalation raises its level (explicitly, or by itself after each
 * {@code escalationStep} when auto-escalation is on) and it stays decidable. At {@code expiresAt} an open
 * request expires. Approved, rejected, expired and cancelled are final. Every step is a hash-chained event.
 *
 * <p>A held message's final human outcome is handed to its deliberation through {@link HeldPort} (an outbox:
 * re-sent until confirmed, then {@link HeldSettled}); the deliberation and the ledger deliver it exactly once.
 */
public final class ApprovalRequest
    extends EventSourcedBehaviorWithEnforcedReplies<ApprovalRequest.Command, ApprovalRequest.Event,
        ApprovalRequest.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "ApprovalRequest");

  private static final String TICK_TIMER = "tick";
  private static final String HELD_TIMER = "held";

  /** The id of the one governance decision of a request's final outcome. */
  public static UUID decisionIdFor(UUID requestId) {
    return UUID.nameUUIDFromBytes(("governance-decision:" + requestId).getBytes(StandardCharsets.UTF_8));
  }

  // ---- protocol ----

  public sealed interface Command extends CborSerializable {}

  public enum Kind {
    /** Created through the approvals API. */
    DIRECT,
    /** The human side of a held message's deliberation. */
    HELD;

    @JsonValue
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * What a request is created with.
   *
   * @param payloadJson the request's payload, a JSON object as text
   * @param riskScore 0..100
   * @param expiresAt null: the configured time-out from creation
   * @param policy the {@link ApprovalPolicy} it follows, or null for none
   * @param requiredRoles approver roles the request needs (empty: anyone but the requester)
   * @param requireAllRoles every required role among the approvers, or at least one
   * @param escalationStep the time-out of each escalation level; null: the configured one
   * @param autoApprove approved on creation (the policy's automatic approval below a risk)
   */
  public record Spec(
      UUID id, Kind kind, String tenantId, String requestType, String requesterId, String payloadJson,
      double riskScore, int requiredApprovers, Instant expiresAt, String policy, List<String> requiredRoles,
      boolean requireAllRoles, Duration escalationStep, boolean autoApprove) implements CborSerializable {
    public Spec {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(requestType, "requestType");
      Objects.requireNonNull(requesterId, "requesterId");
      payloadJson = payloadJson == null ? "{}" : payloadJson;
      requiredRoles = requiredRoles == null ? List.of() : List.copyOf(requiredRoles);
    }

    /** A request without a policy: any approvers but the requester. */
    public Spec(
        UUID id, Kind kind, String tenantId, String requestType, String requesterId, String payloadJson,
        double riskScore, int requiredApprovers, Instant expiresAt) {
      this(id, kind, tenantId, requestType, requesterId, payloadJson, riskScore, requiredApprovers, expiresAt, null,
          List.of(), false, null, false);
    }
  }

  /** Creates the request; idempotent (an existing one answers its view). */
  public record Create(Spec spec, ActorRef<StatusReply<View>> replyTo) implements Command {}

  /** @param approverRoles the roles of the approver's credential */
  public record Decide(
      String approverId, List<String> approverRoles, boolean approve, String reasoning,
      ActorRef<StatusReply<View>> replyTo) implements Command {

    public Decide {
      approverRoles = approverRoles == null ? List.of() : List.copyOf(approverRoles);
    }

    /** An approver without roles. */
    public Decide(String approverId, boolean approve, String reasoning, ActorRef<StatusReply<View>> replyTo) {
      this(approverId, List.of(), approve, reasoning, replyTo);
    }
  }

  public record Escalate(String by, String reason, ActorRef<StatusReply<View>> replyTo) implements Command {}

  public record Cancel(String by, String reason, ActorRef<StatusReply<View>> replyTo) implements Command {}

  public record Get(ActorRef<StatusReply<View>> replyTo) implements Command {}

  /** Expires or auto-escalates by the injected clock; the timer sends it (tests may too). */
  public enum Tick implements Command {
    INSTANCE
  }

  private record HeldAnswered(boolean confirmed, String problem) implements Command {}

  private enum RetryHeld implements Command {
    INSTANCE
  }

  /**
   * One approver's decision; {@code approved} false means rejected.
   *
   * @param roles the approver's roles when deciding (empty for decisions recorded before roles existed)
   */
  public record Decision(String approverId, boolean approved, String reasoning, Instant at, List<String> roles) {
    public Decision {
      reasoning = reasoning == null ? "" : reasoning;
      roles = roles == null ? List.of() : List.copyOf(roles);
    }

    public Decision(String approverId, boolean approved, String reasoning, Instant at) {
      this(approverId, approved, reasoning, at, List.of());
    }

    ApprovalRules.Vote vote() {
      return new ApprovalRules.Vote(approverId, roles, approved);
    }
  }

  /** @param by the principal, or {@code auto} for a time-out */
  public record Escalation(int level, String by, String reason, Instant at) {}

  /**
   * A request as its API shows it.
   *
   * @param finalReason null while open
   * @param finalizedAt null while open
   * @param heldSettled for a held message: its deliberation has the human outcome
   */
  public record View(
      Spec spec, ApprovalStatus status, Instant createdAt, List<Decision> decisions, int approvals, int level,
      List<Escalation> escalations, String finalReason, Instant finalizedAt, boolean heldSettled, String lastHash)
      implements CborSerializable {}

  // ---- events: every one is a link of this request's hash chain ----

  public sealed interface Event extends CborSerializable, ChainedRecord {}

  /** What an event's hash covers: its kind and its data. */
  public record Body(String event, Object data) {}

  public record Created(Spec spec, Instant at, String prevHash, String hash) implements Event {
    @Override
    public Object content() {
      return new Body("Created", Map.of("spec", spec, "at", at.toString()));
    }
  }

  public record DecisionRecorded(Decision decision, String prevHash, String hash) implements Event {
    @Override
    public Object content() {
      return new Body("DecisionRecorded", decision);
    }
  }

  public record Escalated(Escalation escalation, String prevHash, String hash) implements Event {
    @Override
    public Object content() {
      return new Body("Escalated", escalation);
    }
  }

  /** The final outcome: approved, rejected, expired or cancelled. */
  public record Finalized(ApprovalStatus status, String reason, Instant at, String prevHash, String hash)
      implements Event {
    @Override
    public Object content() {
      return new Body("Finalized", Map.of("status", status.wire(), "reason", reason, "at", at.toString()));
    }
  }

  /** The held message's deliberation confirmed the human outcome: nothing is re-sent after this. */
  public record HeldSettled(Instant at, String prevHash, String hash) implements Event {
    @Override
    public Object content() {
      return new Body("HeldSettled", at.toString());
    }
  }

  // ---- state ----

  public sealed interface State extends CborSerializable {
    String lastHash();
  }

  public record Absent(String lastHash) implements State {}

  public record Present(
      Spec spec, Instant createdAt, List<Decision> decisions, List<Escalation> escalations, ApprovalStatus status,
      String finalReason, Instant finalizedAt, boolean heldSettled, String lastHash) implements State {

    public Present {
      decisions = List.copyOf(decisions);
      escalations = List.copyOf(escalations);
    }

    int approvals() {
      return (int) decisions.stream().filter(Decision::approved).count();
    }

    int level() {
      return escalations.isEmpty() ? 1 : escalations.get(escalations.size() - 1).level();
    }

    List<ApprovalRules.Vote> votes() {
      return decisions.stream().map(Decision::vote).toList();
    }

    View view() {
      return new View(spec, status, createdAt, decisions, approvals(), level(), escalations, finalReason, finalizedAt,
          heldSettled, lastHash);
    }

    Present with(ApprovalStatus next, String hash) {
      return new Present(spec, createdAt, decisions, escalations, next, finalReason, finalizedAt, heldSettled, hash);
    }
  }

  /**
   * @param escalationStep time-out of each level
   * @param maxEscalationLevel the highest level
   * @param autoEscalate whether time-outs escalate by themselves
   * @param heldRetry re-send interval of a held message's outcome
   */
  public record Settings(Duration escalationStep, int maxEscalationLevel, boolean autoEscalate, Duration heldRetry) {
    public static Settings from(ApprovalSettings s) {
      return new Settings(s.escalationStep(), s.maxEscalationLevel(), s.autoEscalate(), s.heldRetry());
    }
  }

  /** Where a held message's human outcome goes: its deliberation. */
  @FunctionalInterface
  public interface HeldPort {
    /**
     * Settles the deliberation of {@code messageId}; completes when the deliberation has an outcome (this
     * one, or one it already had), fails when it could not be reached.
     */
    CompletionStage<Done> settle(UUID messageId, String approverId, boolean approve, String reason);
  }

  /** A request outside sharding (tests, tools): it never passivates itself. */
  public static Behavior<Command> create(
      String requestId, Settings settings, HeldPort held, Clock clock, BackoffSupervisorStrategy restart) {
    return create(requestId, settings, held, clock, restart, null);
  }

  /** A sharded request: it asks its shard to passivate it once it is final (and settled). */
  public static Behavior<Command> sharded(
      EntityContext<Command> entity, Settings settings, HeldPort held, Clock clock, BackoffSupervisorStrategy restart) {
    return create(entity.getEntityId(), settings, held, clock, restart, entity.getShard());
  }

  private static Behavior<Command> create(
      String requestId, Settings settings, HeldPort held, Clock clock, BackoffSupervisorStrategy restart,
      ActorRef<ClusterSharding.ShardCommand> shard) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(
        timers -> new ApprovalRequest(ctx, timers, requestId, settings, held, clock, restart, shard)));
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final String requestId;
  private final Settings settings;
  private final HeldPort held;
  private final Clock clock;
  private final ActorRef<ClusterSharding.ShardCommand> shard;

  private ApprovalRequest(
      ActorContext<Command> context, TimerScheduler<Command> timers, String requestId, Settings settings,
      HeldPort held, Clock clock, BackoffSupervisorStrategy restart, ActorRef<ClusterSharding.ShardCommand> shard) {
    super(PersistenceId.of(ENTITY_KEY.name(), requestId), restart);
    this.context = context;
    this.timers = timers;
    this.requestId = requestId;
    this.settings = settings;
    this.held = held;
    this.clock = clock;
    this.shard = shard;
  }

  @Override
  public State emptyState() {
    return new Absent(HashChain.GENESIS);
  }

  // ---- commands ----

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, Event, State> b = newCommandHandlerWithReplyBuilder();
    b.forStateType(Absent.class)
        .onCommand(Create.class, this::onCreate)
        .onCommand(Get.class, c -> notFound(c.replyTo()))
        .onCommand(Decide.class, c -> notFound(c.replyTo()))
        .onCommand(Escalate.class, c -> notFound(c.replyTo()))
        .onCommand(Cancel.class, c -> notFound(c.replyTo()));
    b.forStateType(Present.class)
        .onCommand(Create.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(s.view())))
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(s.view())))
        .onCommand(Decide.class, this::onDecide)
        .onCommand(Escalate.class, this::onEscalate)
        .onCommand(Cancel.class, this::onCancel)
        .onCommand(Tick.class, this::onTick)
        .onCommand(HeldAnswered.class, this::onHeldAnswered)
        .onCommand(RetryHeld.class, this::onRetryHeld);
    // whatever is left (a tick or a late answer without a request) changes nothing
    b.forAnyState()
        .onCommand(Tick.class, c -> Effect().noReply())
        .onCommand(HeldAnswered.class, c -> Effect().noReply())
        .onCommand(RetryHeld.class, c -> Effect().noReply());
    return b.build();
  }

  private ReplyEffect<Event, State> onCreate(Absent state, Create cmd) {
    Spec spec = cmd.spec();
    String problem = invalid(spec);
    if (problem != null) {
      return Effect().reply(cmd.replyTo(), AgentErrors.error(ApprovalCodes.INVALID_REQUEST, problem));
    }
    Instant now = clock.instant();
    List<BiFunction<String, String, Event>> events = new ArrayList<>();
    events.add((prev, hash) -> new Created(spec, now, prev, hash));
    if (spec.autoApprove()) {
      String why = "approved automatically: risk " + spec.riskScore() + " is below the automatic approval of policy "
          + spec.policy();
      events.add((prev, hash) -> new Finalized(ApprovalStatus.APPROVED, why, now, prev, hash));
    }
    return Effect()
        .persist(chain(state, events))
        .thenRun(s -> {
          arm(s);
          afterFinal(s);
        })
        .thenReply(cmd.replyTo(), s -> StatusReply.success(((Present) s).view()));
  }

  private String invalid(Spec spec) {
    if (!spec.id().toString().equals(requestId)) return "the request is for id " + spec.id();
    if (spec.requestType().isBlank()) return "a request type is required";
    if (spec.requesterId().isBlank()) return "a requester is required";
    if (!(spec.riskScore() >= 0 && spec.riskScore() <= 100)) return "riskScore must be between 0 and 100";
    if (spec.requiredApprovers() < 1) return "requiredApprovers must be at least 1";
    if (spec.expiresAt() == null) return "an expiry is required";
    return null;
  }

  private ReplyEffect<Event, State> onDecide(Present state, Decide cmd) {
    if (cmd.approverId() == null || cmd.approverId().isBlank()) {
      return Effect().reply(cmd.replyTo(), AgentErrors.error(ApprovalCodes.INVALID_APPROVER, "an approver is required"));
    }
    if (!state.status().open()) return Effect().reply(cmd.replyTo(), closed(state));
    if (cmd.approverId().equals(state.spec().requesterId())) {
      return Effect().reply(cmd.replyTo(), AgentErrors.error(ApprovalCodes.SELF_APPROVAL,
          "the requester may not decide on its own request"));
    }
    Instant now = clock.instant();
    if (!now.isBefore(state.spec().expiresAt())) {
      return Effect()
          .persist(chain(state, List.of(expiry(state, now))))
          .thenRun(this::afterFinal)
          .thenReply(cmd.replyTo(), s -> closed((Present) s));
    }
    Spec spec = state.spec();
    var refusal = ApprovalRules.refusal(spec.requesterId(), spec.requiredRoles(), state.votes(), cmd.approverId(),
        cmd.approverRoles());
    if (refusal.isPresent()) {
      return Effect().reply(cmd.replyTo(), AgentErrors.error(refusal.get().code(), refusal.get().message()));
    }
    Decision decision = new Decision(cmd.approverId(), cmd.approve(), cmd.reasoning(), now, cmd.approverRoles());
    List<BiFunction<String, String, Event>> events = new ArrayList<>();
    events.add((prev, hash) -> new DecisionRecorded(decision, prev, hash));
    List<ApprovalRules.Vote> votes = new ArrayList<>(state.votes());
    votes.add(decision.vote());
    int approvals = state.approvals() + (cmd.approve() ? 1 : 0);
    switch (ApprovalRules.outcome(spec.requiredApprovers(), spec.requiredRoles(), spec.requireAllRoles(), votes)) {
      case REJECTED -> {
        String why = "rejected by " + cmd.approverId() + detail(cmd.reasoning());
        events.add((prev, hash) -> new Finalized(ApprovalStatus.REJECTED, why, now, prev, hash));
      }
      case APPROVED -> {
        String why = "approved by " + approvals + " of " + spec.requiredApprovers() + " required approvers"
            + (spec.requiredRoles().isEmpty() ? ""
                : " with " + (spec.requireAllRoles() ? "all" : "one") + " of the roles " + spec.requiredRoles());
        events.add((prev, hash) -> new Finalized(ApprovalStatus.APPROVED, why, now, prev, hash));
      }
      case PENDING -> { }
    }
    return Effect()
        .persist(chain(state, events))
        .thenRun(this::afterFinal)
        .thenReply(cmd.replyTo(), s -> StatusReply.success(((Present) s).view()));
  }

  private ReplyEffect<Event, State> onEscalate(Present state, Escalate cmd) {
    if (!state.status().open()) return Effect().reply(cmd.replyTo(), closed(state));
    if (state.level() >= settings.maxEscalationLevel()) {
      return Effect().reply(cmd.replyTo(), AgentErrors.error(ApprovalCodes.MAX_ESCALATION,
          "the request is at the highest escalation level (" + settings.maxEscalationLevel() + ")"));
    }
    Instant now = clock.instant();
    Escalation e = new Escalation(state.level() + 1, cmd.by(), cmd.reason() == null ? "" : cmd.reason(), now);
    return Effect()
        .persist(chain(state, List.of((prev, hash) -> new Escalated(e, prev, hash))))
        .thenRun(this::arm)
        .thenReply(cmd.replyTo(), s -> StatusReply.success(((Present) s).view()));
  }

  private ReplyEffect<Event, State> onCancel(Present state, Cancel cmd) {
    if (state.spec().kind() == Kind.HELD) {
      return Effect().reply(cmd.replyTo(), AgentErrors.error(ApprovalCodes.NOT_CANCELLABLE,
          "a held message is decided, not cancelled: reject it instead"));
    }
    if (!state.status().open()) return Effect().reply(cmd.replyTo(), closed(state));
    if (cmd.by() == null || !cmd.by().equals(state.spec().requesterId())) {
      return Effect().reply(cmd.replyTo(), AgentErrors.error(ApprovalCodes.NOT_REQUESTER,
          "only the requester may cancel a request"));
    }
    Instant now = clock.instant();
    String why = "cancelled by " + cmd.by() + detail(cmd.reason());
    return Effect()
        .persist(chain(state, List.of((prev, hash) -> new Finalized(ApprovalStatus.CANCELLED, why, now, prev, hash))))
        .thenRun(this::afterFinal)
        .thenReply(cmd.replyTo(), s -> StatusReply.success(((Present) s).view()));
  }

  private ReplyEffect<Event, State> onTick(Present state, Tick cmd) {
    if (!state.status().open()) return Effect().noReply();
    Instant now = clock.instant();
    if (!now.isBefore(state.spec().expiresAt())) {
      return Effect().persist(chain(state, List.of(expiry(state, now)))).thenRun(this::afterFinal).thenNoReply();
    }
    List<BiFunction<String, String, Event>> events = new ArrayList<>();
    int due = settings.autoEscalate()
        ? ApprovalRules.levelAt(state.createdAt(), step(state.spec()), settings.maxEscalationLevel(), now) : 1;
    for (int level = state.level(); level < due; level++) {
      Escalation e = new Escalation(level + 1, "auto",
          "no decision within " + level + " escalation step(s) of " + step(state.spec()), now);
      events.add((prev, hash) -> new Escalated(e, prev, hash));
    }
    if (events.isEmpty()) {
      arm(state); // woken early: wait for the rest
      return Effect().noReply();
    }
    return Effect().persist(chain(state, events)).thenRun(this::arm).thenNoReply();
  }

  private ReplyEffect<Event, State> onHeldAnswered(Present state, HeldAnswered msg) {
    if (state.heldSettled() || !needsSettling(state)) return Effect().noReply();
    if (!msg.confirmed()) {
      context.getLog().warn("held message {} not settled yet ({}); retrying in {}", requestId, msg.problem(),
          settings.heldRetry());
      return Effect().noReply();
    }
    Instant now = clock.instant();
    return Effect()
        .persist(chain(state, List.of((prev, hash) -> new HeldSettled(now, prev, hash))))
        .thenRun(s -> {
          timers.cancel(HELD_TIMER);
          passivate();
        })
        .thenNoReply();
  }

  private ReplyEffect<Event, State> onRetryHeld(Present state, RetryHeld msg) {
    if (needsSettling(state)) settleHeld(state);
    return Effect().noReply();
  }

  private static BiFunction<String, String, Event> expiry(Present state, Instant now) {
    String why = "no decision before " + state.spec().expiresAt();
    return (prev, hash) -> new Finalized(ApprovalStatus.EXPIRED, why, now, prev, hash);
  }

  /** Level k+1 after k steps: 1x, 2x, 3x the step give levels 2, 3 and 4. */
  private Instant autoEscalationAt(Spec spec, Instant createdAt, int level) {
    return createdAt.plus(step(spec).multipliedBy(level));
  }

  private Duration step(Spec spec) {
    return spec.escalationStep() != null ? spec.escalationStep() : settings.escalationStep();
  }

  // ---- side effects (after persisting, and after recovery) ----

  /** Arms the timer for the next expiry or auto-escalation of an open request. */
  private void arm(State state) {
    if (!(state instanceof Present p) || !p.status().open()) return;
    Instant next = p.spec().expiresAt();
    if (settings.autoEscalate() && p.level() < settings.maxEscalationLevel()) {
      Instant esc = autoEscalationAt(p.spec(), p.createdAt(), p.level());
      if (esc.isBefore(next)) next = esc;
    }
    Duration left = Duration.between(clock.instant(), next);
    timers.startSingleTimer(TICK_TIMER, Tick.INSTANCE, left.isNegative() ? Duration.ZERO : left);
  }

  private void afterFinal(State state) {
    if (!(state instanceof Present p) || p.status().open()) return;
    timers.cancel(TICK_TIMER);
    if (needsSettling(p)) settleHeld(p);
    else passivate();
  }

  private static boolean needsSettling(Present p) {
    return p.spec().kind() == Kind.HELD && !p.heldSettled()
        && (p.status() == ApprovalStatus.APPROVED || p.status() == ApprovalStatus.REJECTED);
  }

  private void settleHeld(Present p) {
    Decision last = p.decisions().get(p.decisions().size() - 1);
    boolean approve = p.status() == ApprovalStatus.APPROVED;
    context.pipeToSelf(held.settle(p.spec().id(), last.approverId(), approve, p.finalReason()),
        (done, failure) -> failure == null ? new HeldAnswered(true, null) : new HeldAnswered(false, String.valueOf(
            failure.getMessage())));
    timers.startSingleTimer(HELD_TIMER, RetryHeld.INSTANCE, settings.heldRetry());
  }

  private void passivate() {
    if (shard != null) shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
  }

  // ---- events ----

  @Override
  public EventHandler<State, Event> eventHandler() {
    EventHandlerBuilder<State, Event> b = newEventHandlerBuilder();
    b.forStateType(Absent.class)
        .onEvent(Created.class, (s, e) -> new Present(e.spec(), e.at(), List.of(), List.of(), ApprovalStatus.PENDING,
            null, null, false, e.hash()));
    b.forStateType(Present.class)
        .onEvent(DecisionRecorded.class, (s, e) -> new Present(s.spec(), s.createdAt(), append(s.decisions(),
            e.decision()), s.escalations(), s.status(), null, null, false, e.hash()))
        .onEvent(Escalated.class, (s, e) -> new Present(s.spec(), s.createdAt(), s.decisions(),
            append(s.escalations(), e.escalation()), ApprovalStatus.ESCALATED, null, null, false, e.hash()))
        .onEvent(Finalized.class, (s, e) -> new Present(s.spec(), s.createdAt(), s.decisions(), s.escalations(),
            e.status(), e.reason(), e.at(), false, e.hash()))
        .onEvent(HeldSettled.class, (s, e) -> new Present(s.spec(), s.createdAt(), s.decisions(), s.escalations(),
            s.status(), s.finalReason(), s.finalizedAt(), true, e.hash()));
    return b.build();
  }

  private static <T> List<T> append(List<T> list, T item) {
    List<T> out = new ArrayList<>(list);
    out.add(item);
    return out;
  }

  /** Links each new event to the one before it (the chain continues across the events of one persist). */
  private List<Event> chain(State state, List<BiFunction<String, String, Event>> events) {
    return HashChain.nextAll(state.lastHash(), persistenceId().id(), lastSequenceNumber(context) + 1, events);
  }

  // ---- signals ----

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          // re-arm the time-outs of an open request, or re-send an unconfirmed held outcome
          arm(state);
          afterFinal(state);
        })
        .build();
  }

  // ---- replies ----

  private static String detail(String reason) {
    return reason == null || reason.isBlank() ? "" : ": " + reason;
  }

  private ReplyEffect<Event, State> notFound(ActorRef<StatusReply<View>> replyTo) {
    return Effect().none()
        .thenRun(s -> passivate())
        .thenReply(replyTo, s -> AgentErrors.error(ApprovalCodes.NOT_FOUND, "no approval request " + requestId));
  }

  private static StatusReply<View> closed(Present s) {
    return AgentErrors.error(ApprovalCodes.CLOSED, "the request is already " + s.status().wire());
  }
}
