package dev.agentbus.actors.deliberation;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.agentbus.actors.CborSerializable;
import dev.agentbus.actors.agent.AgentErrors;
import dev.agentbus.actors.chain.ChainedRecord;
import dev.agentbus.actors.chain.HashChain;
import dev.agentbus.actors.governance.Reason;
import dev.agentbus.actors.ledger.LedgerEntry;
import dev.agentbus.actors.ledger.LedgerPartition;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.MessageStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.BiFunction;
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
 * The deliberation of one held message (sharded, entity id = the message id), from collecting to
 * decided. Every step is a hash-chained event: {@link Opened}, {@link VoteCast}, {@link Escalated},
 * {@link HumanDecided}, {@link Decided} and, once the ledger confirmed the outcome, {@link OutcomeRecorded}.
 *
 * <p>The {@link OpaGuard} decided before it opened: a denial rejects the message at once; signatures and a
 * critic review become {@link Requirement}s of the votes; a critic review that asks for humans, or has no
 * consensus by the proposal's review deadline, escalates it: from then on only humans may approve it.
 *
 * <p>Votes decide by the proposal's {@link VotingRule} and risk {@link Requirement}s ({@link Consensus});
 * a human decision settles it whatever the votes; the deadline is an instant in the {@code Opened} event,
 * so a restart re-arms the timer for what is left and neither loses nor extends it.
 *
 * <p>The outcome goes through the ledger (an outbox: re-sent until confirmed, then {@link OutcomeRecorded}):
 * approved, the original message is appended as accepted for each recipient, which is the normal
 * delivery path; rejected or expired, the message is appended with that status and its reasons, and the
 * sender gets a {@code governance_response}. Every append is keyed by message id and recipient, so a
 * replayed or repeated decision is de-duplicated by the ledger and delivers nothing twice. Voters get
 * their vote request the same way, as a {@code governance_request}.
 */
public final class Deliberation
    extends EventSourcedBehaviorWithEnforcedReplies<Deliberation.Command, Deliberation.Event, Deliberation.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "Deliberation");

  /**
   * The ledger records a held message for the pseudo recipient {@code deliberation:<target>} (its
   * message keeps the real target), so that the final entry for the real recipient, accepted or rejected,
   * is a separate ledger key: the held record cannot de-duplicate the delivery away.
   */
  public static final String HELD_PREFIX = "deliberation:";

  private static final String DEADLINE_TIMER = "deadline";
  private static final String RECORD_TIMER = "record";

  public static String heldRecipient(String targetOrEmpty) {
    return HELD_PREFIX + (targetOrEmpty == null ? "" : targetOrEmpty);
  }

  // ---- protocol ----

  public sealed interface Command extends CborSerializable {}

  /**
   * Everything a deliberation is opened with, decided by the gateway when the message is held.
   *
   * @param recipients the agents the message goes to if approved (a broadcast's, as of the hold)
   * @param reasons why the message was held (governance reasons)
   * @param voters listed voters; the sender is never eligible
   * @param voterRoles the requirement roles each voter holds
   * @param threshold the super-majority share
   * @param deadline votes and decisions are refused from this instant on; the message then expires
   * @param guard the {@link OpaGuard}'s decision for the message (null: allowed, as before the guard existed);
   *     a denial rejects the message as soon as the deliberation opens
   * @param reviewDeadline when a critic review without consensus escalates to humans (null: no such time-out)
   */
  public record Proposal(
      AgentMessage message, List<String> recipients, List<Reason> reasons, double impactScore,
      List<String> voters, Map<String, List<String>> voterRoles, VotingStrategy strategy, double threshold,
      int requiredVotes, List<Requirement> requirements, Instant deadline, OpaGuard.Result guard,
      Instant reviewDeadline) implements CborSerializable {

    /** A proposal without a guard decision or a review time-out. */
    public Proposal(
        AgentMessage message, List<String> recipients, List<Reason> reasons, double impactScore,
        List<String> voters, Map<String, List<String>> voterRoles, VotingStrategy strategy, double threshold,
        int requiredVotes, List<Requirement> requirements, Instant deadline) {
      this(message, recipients, reasons, impactScore, voters, voterRoles, strategy, threshold, requiredVotes,
          requirements, deadline, null, null);
    }

    public Proposal {
      Objects.requireNonNull(message, "message");
      Objects.requireNonNull(message.id(), "message id");
      Objects.requireNonNull(strategy, "strategy");
      Objects.requireNonNull(deadline, "deadline");
      recipients = List.copyOf(recipients);
      reasons = reasons == null ? List.of() : List.copyOf(reasons);
      voters = List.copyOf(voters);
      Map<String, List<String>> roles = new LinkedHashMap<>();
      if (voterRoles != null) voterRoles.forEach((v, r) -> roles.put(v, List.copyOf(r)));
      voterRoles = Collections.unmodifiableMap(roles);
      requirements = requirements == null ? List.of() : List.copyOf(requirements);
    }
  }

  /** Opens the deliberation; idempotent (an open or decided one answers its summary). */
  public record Open(Proposal proposal, ActorRef<StatusReply<Summary>> replyTo) implements Command {}

  /** An agent's vote; a second vote of the same voter replaces its first. */
  public record CastVote(String voterId, VoteChoice choice, String reason, ActorRef<StatusReply<Summary>> replyTo)
      implements Command {}

  /** A human approver's decision: it settles the deliberation whatever the votes. */
  public record Decide(String approverId, boolean approve, String reason, ActorRef<StatusReply<Summary>> replyTo)
      implements Command {}

  public record Get(ActorRef<StatusReply<Summary>> replyTo) implements Command {}

  /** Expires the deliberation if its deadline has passed (by the injected clock); the deadline timer sends it. */
  public enum CheckDeadline implements Command {
    INSTANCE
  }

  private record LedgerAnswered(LedgerPartition.Appended appended) implements Command {}

  private enum RetryRecording implements Command {
    INSTANCE
  }

  public enum Phase {
    COLLECTING,
    DECIDED;

    @JsonValue
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public enum Outcome {
    APPROVED,
    REJECTED,
    EXPIRED;

    @JsonValue
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The status of the held message after this outcome. */
    public MessageStatus status() {
      return switch (this) {
        case APPROVED -> MessageStatus.ACCEPTED;
        case REJECTED -> MessageStatus.REJECTED;
        case EXPIRED -> MessageStatus.EXPIRED;
      };
    }
  }

  public record HumanDecision(String approverId, boolean approved, String reason, Instant at) {
    public HumanDecision {
      reason = reason == null ? "" : reason;
    }
  }

  /**
   * A deliberation as its API shows it.
   *
   * @param outcome null while collecting
   * @param decisionReasons why it was decided (empty while collecting)
   * @param heldFor why the message was held
   * @param votesCanDecide false when there are fewer eligible voters than required votes: only a human can approve
   * @param unmetRequirements the risk requirements no approving vote has met yet
   * @param human null unless a human decided
   * @param guard the guard's verdict (null for a deliberation opened without one)
   * @param escalation why only humans may approve it now (null unless escalated)
   */
  public record Summary(
      UUID messageId, String tenantId, String senderId, List<String> recipients, Phase phase, Outcome outcome,
      List<Reason> decisionReasons, List<Reason> heldFor, double impactScore, VotingStrategy strategy,
      double threshold, int requiredVotes, boolean votesCanDecide, List<String> voters, List<Ballot> votes,
      int approvals, int rejections, int abstentions, List<Requirement> requirements,
      List<Requirement> unmetRequirements, HumanDecision human, Instant openedAt, Instant deadline,
      Instant decidedAt, AgentMessage message, OpaGuard.Verdict guard, Reason escalation, Instant reviewDeadline)
      implements CborSerializable {

    public boolean escalated() {
      return escalation != null;
    }
  }

  // ---- events: every one is a link of this deliberation's hash chain ----

  public sealed interface Event extends CborSerializable, ChainedRecord {}

  /** What an event's hash covers: its kind and its data. */
  public record Body(String event, Object data) {}

  public record Opened(Proposal proposal, Instant at, String prevHash, String hash) implements Event {
    @Override
    public Object content() {
      return new Body("Opened", Map.of("proposal", proposal, "at", at.toString()));
    }
  }

  public record VoteCast(Ballot ballot, String prevHash, String hash) implements Event {
    @Override
    public Object content() {
      return new Body("VoteCast", ballot);
    }
  }

  /** Only humans may approve from now on: the critics asked for them, or their review timed out. */
  public record Escalated(Reason reason, Instant at, String prevHash, String hash) implements Event {
    @Override
    public Object content() {
      return new Body("Escalated", Map.of("reason", reason, "at", at.toString()));
    }
  }

  public record HumanDecided(HumanDecision decision, String prevHash, String hash) implements Event {
    @Override
    public Object content() {
      return new Body("HumanDecided", decision);
    }
  }

  public record Decided(Outcome outcome, List<Reason> reasons, Instant at, String prevHash, String hash)
      implements Event {
    @Override
    public Object content() {
      return new Body("Decided", Map.of("outcome", outcome.wire(), "reasons", reasons, "at", at.toString()));
    }
  }

  /** The ledger holds every entry of the outcome (and the notification): nothing is re-sent after this. */
  public record OutcomeRecorded(Instant at, String prevHash, String hash) implements Event {
    @Override
    public Object content() {
      return new Body("OutcomeRecorded", at.toString());
    }
  }

  // ---- state: one record per phase ----

  public sealed interface State extends CborSerializable {
    String lastHash();
  }

  public record Unopened(String lastHash) implements State {}

  /**
   * @param human set only between a HumanDecided event and its Decided event
   * @param escalation set once escalated to humans
   */
  public record Collecting(
      Proposal proposal, Instant openedAt, Tally tally, HumanDecision human, Reason escalation, String lastHash)
      implements State {}

  /** @param recorded true once the ledger confirmed every entry of the outcome */
  public record Settled(
      Proposal proposal, Instant openedAt, Tally tally, HumanDecision human, Reason escalation, Outcome outcome,
      List<Reason> reasons, Instant decidedAt, boolean recorded, String lastHash) implements State {}

  /**
   * @param recordRetry how often an unconfirmed outcome is re-sent to the ledger
   * @param systemSender the sender id of vote requests and notifications
   */
  public record Settings(Duration recordRetry, String systemSender) {
    public static Settings from(DeliberationSettings s) {
      return new Settings(s.recordRetry(), s.systemSender());
    }
  }

  /** Where a deliberation's outcome goes: the ledger, and the tenant's queue. */
  public interface Ports {
    /** Appends to the ledger partition of the entry's recipient; the answer goes to {@code replyTo}. */
    void append(LedgerEntry entry, ActorRef<LedgerPartition.Appended> replyTo);

    /** Frees the message's place in its tenant's {@link DeliberationQueue}. */
    void release(String tenantId, UUID messageId);

    /** The cluster's ledger partitions and queues, through sharding. */
    static Ports sharded(ClusterSharding sharding, int ledgerPartitions) {
      return new ShardedPorts(sharding, ledgerPartitions);
    }
  }

  private record ShardedPorts(ClusterSharding sharding, int ledgerPartitions) implements Ports {
    @Override
    public void append(LedgerEntry entry, ActorRef<LedgerPartition.Appended> replyTo) {
      String partition = LedgerPartition.entityIdFor(entry.recipientId(), ledgerPartitions);
      sharding.entityRefFor(LedgerPartition.ENTITY_KEY, partition).tell(new LedgerPartition.Append(entry, replyTo));
    }

    @Override
    public void release(String tenantId, UUID messageId) {
      sharding.entityRefFor(DeliberationQueue.ENTITY_KEY, DeliberationQueue.entityIdFor(tenantId))
          .tell(new DeliberationQueue.Release(messageId, DeliberationQueue.DECIDED));
    }
  }

  /** A deliberation outside sharding (tests, tools): it never passivates itself. */
  public static Behavior<Command> create(
      String messageId, Settings settings, Ports ports, Clock clock, BackoffSupervisorStrategy restart) {
    return create(messageId, settings, ports, clock, restart, null);
  }

  /** A sharded deliberation: it asks its shard to passivate it once its outcome is recorded. */
  public static Behavior<Command> sharded(
      EntityContext<Command> entity, Settings settings, Ports ports, Clock clock, BackoffSupervisorStrategy restart) {
    return create(entity.getEntityId(), settings, ports, clock, restart, entity.getShard());
  }

  private static Behavior<Command> create(
      String messageId, Settings settings, Ports ports, Clock clock, BackoffSupervisorStrategy restart,
      ActorRef<ClusterSharding.ShardCommand> shard) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(
        timers -> new Deliberation(ctx, timers, messageId, settings, ports, clock, restart, shard)));
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final String messageId;
  private final Settings settings;
  private final Ports ports;
  private final Clock clock;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final ActorRef<LedgerPartition.Appended> ledgerAnswers;
  // Not event-sourced: the outcome entries the ledger has not confirmed yet, by recipient.
  private final Map<String, Integer> awaiting = new HashMap<>();

  private Deliberation(
      ActorContext<Command> context, TimerScheduler<Command> timers, String messageId, Settings settings, Ports ports,
      Clock clock, BackoffSupervisorStrategy restart, ActorRef<ClusterSharding.ShardCommand> shard) {
    super(PersistenceId.of(ENTITY_KEY.name(), messageId), restart);
    this.context = context;
    this.timers = timers;
    this.messageId = messageId;
    this.settings = settings;
    this.ports = ports;
    this.clock = clock;
    this.shard = shard;
    this.ledgerAnswers = context.messageAdapter(LedgerPartition.Appended.class, LedgerAnswered::new);
  }

  @Override
  public State emptyState() {
    return new Unopened(HashChain.GENESIS);
  }

  // ---- commands ----

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, Event, State> b = newCommandHandlerWithReplyBuilder();
    b.forStateType(Unopened.class)
        .onCommand(Open.class, this::onOpen)
        .onCommand(Get.class, c -> notFound(c.replyTo()))
        .onCommand(CastVote.class, c -> notFound(c.replyTo()))
        .onCommand(Decide.class, c -> notFound(c.replyTo()))
        .onCommand(CheckDeadline.class, c -> Effect().none().thenRun(this::passivate).thenNoReply());
    b.forStateType(Collecting.class)
        .onCommand(Open.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(summary(s))))
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(summary(s))))
        .onCommand(CastVote.class, this::onVote)
        .onCommand(Decide.class, this::onDecide)
        .onCommand(CheckDeadline.class, this::onCheckDeadline);
    b.forStateType(Settled.class)
        .onCommand(Open.class, this::onOpenWhenDecided)
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(summary(s))))
        .onCommand(CastVote.class, (s, c) -> Effect().reply(c.replyTo(), closed(s)))
        .onCommand(Decide.class, (s, c) -> Effect().reply(c.replyTo(), closed(s)))
        .onCommand(LedgerAnswered.class, this::onLedgerAnswered)
        .onCommand(RetryRecording.class, this::onRetryRecording);
    // whatever is left (a deadline check when there is no deadline, a late ledger answer) changes nothing
    b.forAnyState()
        .onCommand(CheckDeadline.class, c -> Effect().noReply())
        .onCommand(LedgerAnswered.class, c -> Effect().noReply())
        .onCommand(RetryRecording.class, c -> Effect().noReply());
    return b.build();
  }

  private ReplyEffect<Event, State> onOpen(Unopened state, Open cmd) {
    Proposal p = cmd.proposal();
    if (!p.message().id().toString().equals(messageId)) {
      return Effect().reply(cmd.replyTo(),
          AgentErrors.error("invalid_proposal", "the proposal is for message " + p.message().id()));
    }
    Instant now = clock.instant();
    if (p.guard() != null && p.guard().denied()) {
      // the guard denied it (fail closed): rejected at once, through the usual outcome path
      List<Reason> why = new ArrayList<>();
      why.add(new Reason(DeliberationCodes.REJECTED_BY_GUARD, "the guard denied the message"));
      why.addAll(p.guard().reasons());
      return Effect()
          .persist(chain(state, List.of(
              (prev, hash) -> new Opened(p, now, prev, hash),
              (prev, hash) -> new Decided(Outcome.REJECTED, why, now, prev, hash))))
          .thenRun(this::afterDecided)
          .thenReply(cmd.replyTo(), s -> StatusReply.success(summary(s)));
    }
    return Effect()
        .persist(chain(state, List.of((prev, hash) -> new Opened(p, now, prev, hash))))
        .thenRun(this::afterOpened)
        .thenReply(cmd.replyTo(), s -> StatusReply.success(summary(s)));
  }

  private ReplyEffect<Event, State> onOpenWhenDecided(Settled state, Open cmd) {
    // a re-sent message took a queue place again on its way here: give it back
    ports.release(tenantOf(state.proposal()), state.proposal().message().id());
    return Effect().reply(cmd.replyTo(), StatusReply.success(summary(state)));
  }

  private ReplyEffect<Event, State> onVote(Collecting state, CastVote cmd) {
    if (cmd.voterId() == null || cmd.voterId().isBlank() || cmd.choice() == null) {
      return Effect().reply(cmd.replyTo(),
          AgentErrors.error(DeliberationCodes.INVALID_VOTE, "a vote needs a voter and approve, reject or abstain"));
    }
    Instant now = clock.instant();
    if (!now.isBefore(state.proposal().deadline())) return expire(state, now, cmd.replyTo());
    Ballot ballot = new Ballot(cmd.voterId(), cmd.choice(), cmd.reason(), now);
    Tally.Cast cast = state.tally().cast(ballot);
    if (cast instanceof Tally.Refused refused) {
      return Effect().reply(cmd.replyTo(), AgentErrors.error(refused.code(), refused.message()));
    }
    Tally next = ((Tally.Counted) cast).tally();
    Proposal p = state.proposal();
    Consensus.Result result = Consensus.evaluate(VotingRule.of(p.strategy(), p.threshold()), next,
        p.requiredVotes(), p.requirements(), p.voterRoles(), state.escalation() != null);
    List<BiFunction<String, String, Event>> events = new ArrayList<>();
    events.add((prev, hash) -> new VoteCast(ballot, prev, hash));
    if (result.verdict() == VotingRule.Verdict.APPROVED) {
      Reason why = new Reason(DeliberationCodes.APPROVED_BY_VOTES, "approved by votes (" + describe(next, p) + ")");
      events.add((prev, hash) -> new Decided(Outcome.APPROVED, List.of(why), now, prev, hash));
    } else if (result.verdict() == VotingRule.Verdict.REJECTED) {
      Reason why = rejection(result, next, p);
      events.add((prev, hash) -> new Decided(Outcome.REJECTED, List.of(why), now, prev, hash));
    } else if (result.escalatedBy() != null && state.escalation() == null) {
      Reason why = new Reason(DeliberationCodes.ESCALATED, "the critics (" + result.escalatedBy().role()
          + ") asked for human approvers; votes can no longer approve the message");
      events.add((prev, hash) -> new Escalated(why, now, prev, hash));
    }
    return Effect()
        .persist(chain(state, events))
        .thenRun(this::afterDecided)
        .thenReply(cmd.replyTo(), s -> StatusReply.success(summary(s)));
  }

  private ReplyEffect<Event, State> onDecide(Collecting state, Decide cmd) {
    if (cmd.approverId() == null || cmd.approverId().isBlank()) {
      return Effect().reply(cmd.replyTo(),
          AgentErrors.error(DeliberationCodes.INVALID_APPROVER, "an approver is required"));
    }
    if (cmd.approverId().equals(state.proposal().message().sourceAgentId())) {
      return Effect().reply(cmd.replyTo(), AgentErrors.error(DeliberationCodes.SELF_APPROVAL,
          "the sender of a message may not decide on it"));
    }
    Instant now = clock.instant();
    if (!now.isBefore(state.proposal().deadline())) return expire(state, now, cmd.replyTo());
    HumanDecision decision = new HumanDecision(cmd.approverId(), cmd.approve(), cmd.reason(), now);
    Reason why = cmd.approve()
        ? new Reason(DeliberationCodes.APPROVED_BY_HUMAN, "approved by " + cmd.approverId() + detail(cmd.reason()))
        : new Reason(DeliberationCodes.REJECTED_BY_HUMAN, "rejected by " + cmd.approverId() + detail(cmd.reason()));
    Outcome outcome = cmd.approve() ? Outcome.APPROVED : Outcome.REJECTED;
    return Effect()
        .persist(chain(state, List.of(
            (prev, hash) -> new HumanDecided(decision, prev, hash),
            (prev, hash) -> new Decided(outcome, List.of(why), now, prev, hash))))
        .thenRun(this::afterDecided)
        .thenReply(cmd.replyTo(), s -> StatusReply.success(summary(s)));
  }

  private static Reason rejection(Consensus.Result result, Tally t, Proposal p) {
    Requirement r = result.rejectedBy();
    if (r == null) return new Reason(DeliberationCodes.REJECTED_BY_VOTES, "rejected by votes (" + describe(t, p) + ")");
    return r.kind() == Requirement.Kind.SIGNATURE
        ? new Reason(DeliberationCodes.REJECTED_BY_SIGNER, "a holder of the signature role '" + r.role()
            + "' refused to sign (" + describe(t, p) + ")")
        : new Reason(DeliberationCodes.REJECTED_BY_CRITICS, "the critic review (" + r.role()
            + ") rejected the message (" + describe(t, p) + ")");
  }

  private ReplyEffect<Event, State> onCheckDeadline(Collecting state, CheckDeadline cmd) {
    Instant now = clock.instant();
    if (now.isBefore(state.proposal().deadline())) {
      if (reviewPending(state) && !now.isBefore(state.proposal().reviewDeadline())) {
        Reason why = new Reason(DeliberationCodes.ESCALATED, "the critic review had no consensus by "
            + state.proposal().reviewDeadline() + "; only human approvers may approve the message now");
        return Effect()
            .persist(chain(state, List.of((prev, hash) -> new Escalated(why, now, prev, hash))))
            .thenRun(s -> {
              if (s instanceof Collecting c) armDeadline(c);
            })
            .thenNoReply();
      }
      armDeadline(state); // woken early (a manual check, or a clock that lags the timer): wait for the rest
      return Effect().noReply();
    }
    return Effect()
        .persist(chain(state, List.of(expiry(state, now))))
        .thenRun(this::afterDecided)
        .thenNoReply();
  }

  private ReplyEffect<Event, State> expire(Collecting state, Instant now, ActorRef<StatusReply<Summary>> replyTo) {
    return Effect()
        .persist(chain(state, List.of(expiry(state, now))))
        .thenRun(this::afterDecided)
        .thenReply(replyTo, s -> AgentErrors.error(DeliberationCodes.CLOSED,
            "the deadline " + state.proposal().deadline() + " has passed; the message expired"));
  }

  private static BiFunction<String, String, Event> expiry(Collecting state, Instant now) {
    Reason why = new Reason(DeliberationCodes.EXPIRED,
        "no decision before the deadline " + state.proposal().deadline() + "; the message is not delivered");
    return (prev, hash) -> new Decided(Outcome.EXPIRED, List.of(why), now, prev, hash);
  }

  private ReplyEffect<Event, State> onLedgerAnswered(Settled state, LedgerAnswered msg) {
    LedgerPartition.Outcome o = msg.appended().outcome();
    if (state.recorded() || awaiting.isEmpty()) return Effect().noReply();
    // vote requests are answered too; only the outcome's entries count
    if (SystemMessages.voteRequestId(state.proposal().message().id(), o.recipientId()).equals(o.messageId())) {
      return Effect().noReply();
    }
    Integer left = awaiting.get(o.recipientId());
    if (left == null) return Effect().noReply();
    if (left > 1) awaiting.put(o.recipientId(), left - 1);
    else awaiting.remove(o.recipientId());
    if (!awaiting.isEmpty()) return Effect().noReply();
    Instant now = clock.instant();
    return Effect()
        .persist(chain(state, List.of((prev, hash) -> new OutcomeRecorded(now, prev, hash))))
        .thenRun(s -> {
          timers.cancel(RECORD_TIMER);
          passivate();
        })
        .thenNoReply();
  }

  private ReplyEffect<Event, State> onRetryRecording(Settled state, RetryRecording msg) {
    if (!state.recorded()) recordOutcome(state);
    return Effect().noReply();
  }

  // ---- side effects (after persisting, and after recovery) ----

  /** After an Opened event or the recovery of an open deliberation: arm the deadline, ask the voters. */
  private void afterOpened(State state) {
    if (state instanceof Collecting c) {
      armDeadline(c);
      sendVoteRequests(c);
    }
  }

  /** After a Decided event or the recovery of an unconfirmed outcome: free the queue place, record the outcome. */
  private void afterDecided(State state) {
    if (state instanceof Settled s && !s.recorded()) {
      timers.cancel(DEADLINE_TIMER);
      ports.release(tenantOf(s.proposal()), s.proposal().message().id());
      recordOutcome(s);
    }
  }

  /** A critic review with a time-out of its own that has no consensus yet, and no escalation so far. */
  private static boolean reviewPending(Collecting c) {
    Proposal p = c.proposal();
    if (p.reviewDeadline() == null || c.escalation() != null || !p.reviewDeadline().isBefore(p.deadline())) {
      return false;
    }
    return p.requirements().stream().anyMatch(r -> r.kind() == Requirement.Kind.CRITIC_REVIEW
        && r.status(c.tally(), p.voterRoles()) == Requirement.Status.PENDING);
  }

  private void armDeadline(Collecting c) {
    Instant next = reviewPending(c) ? c.proposal().reviewDeadline() : c.proposal().deadline();
    Duration left = Duration.between(clock.instant(), next);
    timers.startSingleTimer(DEADLINE_TIMER, CheckDeadline.INSTANCE, left.isNegative() ? Duration.ZERO : left);
  }

  private void sendVoteRequests(Collecting c) {
    // ids derive from the message and voter: a re-send after a restart is de-duplicated by the ledger
    for (String voter : c.tally().voters()) {
      if (c.tally().choiceOf(voter) != null) continue;
      AgentMessage request = SystemMessages.voteRequest(settings.systemSender(), c.proposal(), voter, c.openedAt());
      ports.append(LedgerEntry.unlinked(request, voter, MessageStatus.ACCEPTED, List.of(), 0.0, c.openedAt()),
          ledgerAnswers);
    }
  }

  /** Sends every entry of the outcome to the ledger and waits (with retries) for all confirmations. */
  private void recordOutcome(Settled s) {
    List<LedgerEntry> entries = outcomeEntries(s);
    awaiting.clear();
    for (LedgerEntry e : entries) awaiting.merge(e.recipientId(), 1, Integer::sum);
    entries.forEach(e -> ports.append(e, ledgerAnswers));
    timers.startSingleTimer(RECORD_TIMER, RetryRecording.INSTANCE, settings.recordRetry());
  }

  private List<LedgerEntry> outcomeEntries(Settled s) {
    Proposal p = s.proposal();
    AgentMessage m = p.message();
    Instant at = s.decidedAt();
    List<LedgerEntry> out = new ArrayList<>();
    if (s.outcome() == Outcome.APPROVED) {
      if (p.recipients().isEmpty()) {
        // a broadcast nobody could receive: recorded for the audit trail only, as a plain send would be
        out.add(LedgerEntry.unlinked(m, "", MessageStatus.ACCEPTED, s.reasons(), p.impactScore(), at));
      }
      for (String r : p.recipients()) {
        AgentMessage copy = m.isBroadcast() ? m.withTarget(r) : m;
        out.add(LedgerEntry.unlinked(copy, r, MessageStatus.ACCEPTED, s.reasons(), p.impactScore(), at));
      }
      return out;
    }
    String target = m.isBroadcast() ? "" : m.targetAgentId();
    out.add(LedgerEntry.unlinked(m, target, s.outcome().status(), s.reasons(), p.impactScore(), at));
    AgentMessage notice = SystemMessages.outcomeNotice(settings.systemSender(), p, s.outcome(), s.reasons(), at);
    out.add(LedgerEntry.unlinked(notice, m.sourceAgentId(), MessageStatus.ACCEPTED, List.of(), 0.0, at));
    return out;
  }

  private void passivate() {
    if (shard != null) shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
  }

  // ---- events ----

  @Override
  public EventHandler<State, Event> eventHandler() {
    EventHandlerBuilder<State, Event> b = newEventHandlerBuilder();
    b.forStateType(Unopened.class)
        .onEvent(Opened.class, (s, e) -> new Collecting(e.proposal(), e.at(),
            Tally.open(e.proposal().message().sourceAgentId(), e.proposal().voters()), null, null, e.hash()));
    b.forStateType(Collecting.class)
        .onEvent(VoteCast.class, (s, e) -> new Collecting(s.proposal(), s.openedAt(), s.tally().with(e.ballot()),
            s.human(), s.escalation(), e.hash()))
        .onEvent(Escalated.class, (s, e) -> new Collecting(s.proposal(), s.openedAt(), s.tally(), s.human(),
            e.reason(), e.hash()))
        .onEvent(HumanDecided.class, (s, e) -> new Collecting(s.proposal(), s.openedAt(), s.tally(), e.decision(),
            s.escalation(), e.hash()))
        .onEvent(Decided.class, (s, e) -> new Settled(s.proposal(), s.openedAt(), s.tally(), s.human(),
            s.escalation(), e.outcome(), e.reasons(), e.at(), false, e.hash()));
    b.forStateType(Settled.class)
        .onEvent(OutcomeRecorded.class, (s, e) -> new Settled(s.proposal(), s.openedAt(), s.tally(), s.human(),
            s.escalation(), s.outcome(), s.reasons(), s.decidedAt(), true, e.hash()));
    return b.build();
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
          // re-arm what is left of the deadline and re-ask the voters, or re-send an unconfirmed outcome
          if (state instanceof Settled s && s.recorded()) passivate();
          afterOpened(state);
          afterDecided(state);
        })
        .build();
  }

  // ---- views ----

  private Summary summary(State state) {
    if (state instanceof Collecting c) {
      return summary(c.proposal(), c.openedAt(), c.tally(), c.human(), c.escalation(), Phase.COLLECTING, null,
          List.of(), null);
    }
    if (state instanceof Settled s) {
      return summary(s.proposal(), s.openedAt(), s.tally(), s.human(), s.escalation(), Phase.DECIDED, s.outcome(),
          s.reasons(), s.decidedAt());
    }
    throw new IllegalStateException("no summary of an unopened deliberation");
  }

  private static Summary summary(
      Proposal p, Instant openedAt, Tally tally, HumanDecision human, Reason escalation, Phase phase,
      Outcome outcome, List<Reason> reasons, Instant decidedAt) {
    AgentMessage m = p.message();
    List<Requirement> unmet = Consensus.evaluate(VotingRule.of(p.strategy(), p.threshold()), tally,
        p.requiredVotes(), p.requirements(), p.voterRoles()).unmet();
    return new Summary(m.id(), m.tenantId(), m.sourceAgentId(), p.recipients(), phase, outcome, reasons, p.reasons(),
        p.impactScore(), p.strategy(), p.threshold(), p.requiredVotes(),
        VotingRule.votesCanDecide(tally, p.requiredVotes()), tally.voters(), List.copyOf(tally.ballots().values()),
        tally.approvals(), tally.rejections(), tally.abstentions(), p.requirements(), unmet, human, openedAt,
        p.deadline(), decidedAt, m, p.guard() == null ? null : p.guard().verdict(), escalation, p.reviewDeadline());
  }

  private static String describe(Tally t, Proposal p) {
    return t.votes() + " of " + t.eligible() + " voters: " + t.approvals() + " approve, " + t.rejections()
        + " reject, " + t.abstentions() + " abstain; " + p.strategy().wire() + ", " + p.requiredVotes() + " required";
  }

  private static String detail(String reason) {
    return reason == null || reason.isBlank() ? "" : ": " + reason;
  }

  private static String tenantOf(Proposal p) {
    return p.message().tenantId();
  }

  /** Nothing to keep in memory (a sharded deliberation is remembered until it passivates). */
  private ReplyEffect<Event, State> notFound(ActorRef<StatusReply<Summary>> replyTo) {
    return Effect().none()
        .thenRun(this::passivate)
        .thenReply(replyTo,
            s -> AgentErrors.error(DeliberationCodes.NOT_FOUND, "no deliberation for message " + messageId));
  }

  private static <T> StatusReply<T> closed(Settled s) {
    return AgentErrors.error(DeliberationCodes.CLOSED, "the deliberation is already decided: " + s.outcome().wire());
  }
}
