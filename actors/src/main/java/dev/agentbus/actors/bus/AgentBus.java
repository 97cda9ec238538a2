package dev.agentbus.actors.bus;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentbus.actors.Stages;
import dev.agentbus.actors.agent.AgentEntity;
import dev.agentbus.actors.agent.AgentErrors;
import dev.agentbus.actors.agent.DirectoryPublisher;
import dev.agentbus.actors.agent.InboxBudget;
import dev.agentbus.actors.agent.InboxItem;
import dev.agentbus.actors.agent.InboxPage;
import dev.agentbus.actors.agent.InboxQuery;
import dev.agentbus.actors.deliberation.Deliberation;
import dev.agentbus.actors.deliberation.DeliberationCodes;
import dev.agentbus.actors.deliberation.DeliberationQueue;
import dev.agentbus.actors.deliberation.DeliberationSettings;
import dev.agentbus.actors.deliberation.OpaGuard;
import dev.agentbus.actors.deliberation.VoteChoice;
import dev.agentbus.actors.directory.AgentDirectory;
import dev.agentbus.actors.directory.DirectoryView;
import dev.agentbus.actors.governance.Decision;
import dev.agentbus.actors.governance.DecisionCache;
import dev.agentbus.actors.governance.GovernancePipeline;
import dev.agentbus.actors.governance.GovernanceRequest;
import dev.agentbus.actors.governance.GovernanceSettings;
import dev.agentbus.actors.governance.GovernanceStep;
import dev.agentbus.actors.governance.OutputRegistry;
import dev.agentbus.actors.governance.Reason;
import dev.agentbus.actors.ledger.LedgerEntry;
import dev.agentbus.actors.ledger.LedgerPartition;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageStatus;
import dev.agentbus.actors.policy.ActivePolicy;
import dev.agentbus.actors.policy.OpaPolicy;
import dev.agentbus.actors.policy.OpaSettings;
import dev.agentbus.actors.policy.Policies;
import dev.agentbus.actors.policy.PolicySettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.HashCodeMessageExtractor;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.pattern.StatusReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-cluster Java API of the bus, and the gateway every edge (HTTP, CLI, benchmark) goes through:
 * register agents, send (governance pipeline, then a durable ledger write, then delivery), read and
 * acknowledge inboxes, subscribe to deliveries. Asks happen only here, each with the configured timeout.
 */
public final class AgentBus implements Extension {

  private static final Logger log = LoggerFactory.getLogger(AgentBus.class);

  public static final class Id extends ExtensionId<AgentBus> {
    private static final Id INSTANCE = new Id();

    @Override
    public AgentBus createExtension(ActorSystem<?> system) {
      return new AgentBus(system, Clock.systemUTC());
    }
  }

  public static AgentBus get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  /** The bus of this system if it was started already (nothing is started by asking). */
  public static Optional<AgentBus> ifStarted(ActorSystem<?> system) {
    return system.hasExtension(Id.INSTANCE) ? Optional.of(get(system)) : Optional.empty();
  }

  private final ActorSystem<?> system;
  private final BusSettings settings;
  private final GovernanceSettings governanceSettings;
  private final Clock clock;
  private final ClusterSharding sharding;
  private volatile CompletableFuture<Done> ledgerWake;
  private final DirectoryView directory = new DirectoryView();
  private final OutputRegistry outputs;
  private final GovernancePipeline pipeline;
  private final Duration askTimeout;
  private final java.util.concurrent.Semaphore admission;
  private final InboxBudget inboxBudget;
  // which nodes' inboxes are full and which agent shards they and this node host (InboxPressure)
  private final AtomicReference<FullInboxes> fullInboxes = new AtomicReference<>(FullInboxes.NONE);
  private final HashCodeMessageExtractor<AgentEntity.Command> agentShards;
  private final org.apache.pekko.cluster.sharding.ClusterSharding classicSharding;
  private final DeliberationSettings deliberationSettings;
  private final OpaGuard guard;
  private final ActivePolicy activePolicy;
  private final Policies policies;
  private final OpaPolicy opa;

  private AgentBus(ActorSystem<?> system, Clock clock) {
    this.system = system;
    this.clock = clock;
    this.settings = BusSettings.create(system.settings().config());
    this.governanceSettings = GovernanceSettings.fromConfig(system.settings().config().getConfig("agentbus.governance"));
    this.askTimeout = settings.askTimeout();
    this.admission = new java.util.concurrent.Semaphore(settings.maxSendsInFlight());
    this.inboxBudget = InboxBudget.of(settings.nodeInboxBudgetBytes(), settings.inboxEntryOverheadBytes());
    this.outputs = OutputRegistry.bounded(settings.outputsMaxEntries());
    PolicySettings policySettings = PolicySettings.fromConfig(system.settings().config().getConfig("agentbus.policy"));
    // step 6: whatever constitution bundle the registry has made active (none: the step passes)
    this.activePolicy = ActivePolicy.create(policySettings, clock);
    // then, when configured, the external decision point (OPA), failing closed behind a circuit breaker
    OpaSettings opaSettings = OpaSettings.fromConfig(system.settings().config().getConfig("agentbus.policy.opa"));
    this.opa = opaSettings.enabled() ? OpaPolicy.create(opaSettings, system.classicSystem().scheduler()) : null;
    List<GovernanceStep> policySteps = opa == null ? List.of(activePolicy) : List.of(activePolicy, opa);
    // decisions of the stateless checks and a cacheable bundle, under every input they read; OPA is always asked
    this.pipeline = policySettings.decisionCache()
        .map(cache -> {
          activePolicy.onChange(cache::clear);
          return GovernancePipeline.create(governanceSettings, clock, outputs, policySteps, cache);
        })
        .orElseGet(() -> GovernancePipeline.create(governanceSettings, clock, outputs, policySteps));
    this.sharding = ClusterSharding.get(system);
    this.agentShards = new HashCodeMessageExtractor<>(settings.agentShards());
    this.classicSharding = org.apache.pekko.cluster.sharding.ClusterSharding.get(system.classicSystem());
    this.deliberationSettings =
        DeliberationSettings.fromConfig(system.settings().config().getConfig("agentbus.deliberation"));
    this.guard = OpaGuard.create(deliberationSettings.risk());

    ActorRef<AgentDirectory.Command> directoryActor = system.systemActorOf(
        AgentDirectory.create(directory, settings.directoryShards(), settings.directoryWriteTimeout()),
        "agent-directory", Props.empty());
    double resumeBelow = settings.inboxBudgetResumeBelow();
    system.systemActorOf(InboxPressure.create(inboxBudget::full,
        () -> inboxBudget.unacknowledgedBytes() < inboxBudget.limitBytes() * resumeBelow, this::hostedAgentShards,
        fullInboxes, settings.inboxBudgetCheckInterval(), settings.inboxBudgetWriteTimeout()), "inbox-pressure",
        Props.empty());
    DirectoryPublisher publisher = new DirectoryPublisher() {
      @Override
      public void publish(AgentProfile profile) {
        // Visible here before the registration is answered; other nodes learn it by replication.
        directory.put(profile);
        directoryActor.tell(new AgentDirectory.Publish(profile));
      }

      @Override
      public void withdraw(String agentId) {
        directory.remove(agentId);
        directoryActor.tell(new AgentDirectory.Withdraw(agentId));
      }
    };
    String readJournal = system.settings().config().getString("agentbus.read-journal-plugin-id");
    var inboxSource = new LedgerInboxSource(system, readJournal, settings.ledgerPartitions());
    BackoffSupervisorStrategy restart = SupervisorStrategy.restartWithBackoff(
        settings.backoffMin(), settings.backoffMax(), settings.backoffRandomFactor());
    var agentSettings = new AgentEntity.Settings(
        settings.inboxMaxRetained(), settings.defaultPageSize(), settings.maxPageSize(),
        settings.inboxAcknowledgedOnRebuild(), settings.agentSnapshotEvery());
    sharding.init(Entity.of(AgentEntity.ENTITY_KEY,
        ctx -> AgentEntity.create(ctx.getEntityId(), agentSettings, inboxBudget, inboxSource, publisher, clock,
            restart))
        .withMessageExtractor(agentShards));
    var ledgerSettings = new LedgerPartition.Settings(
        settings.ledgerMaxBatch(), settings.ledgerDedupWindow(), settings.ledgerSnapshotEvery(),
        settings.ledgerSnapshotEveryEntries());
    sharding.init(Entity.of(LedgerPartition.ENTITY_KEY,
        ctx -> LedgerPartition.create(ctx.getEntityId(), ledgerSettings, this::deliver, restart)));
    var deliberationEntity = Deliberation.Settings.from(deliberationSettings);
    var deliberationPorts = Deliberation.Ports.sharded(sharding, settings.ledgerPartitions());
    // Remembered: an open deliberation keeps running (its deadline timer too) across passivation,
    // rebalancing and restarts until it is decided; it passivates itself once its outcome is recorded.
    sharding.init(Entity.of(Deliberation.ENTITY_KEY,
            ctx -> Deliberation.sharded(ctx, deliberationEntity, deliberationPorts, clock, restart))
        .withSettings(ClusterShardingSettings.create(system)
            .withRememberEntities(true)
            .withRememberEntitiesStoreMode(ClusterShardingSettings.rememberEntitiesStoreModeEventSourced())));
    var queueSettings = new DeliberationQueue.Settings(
        deliberationSettings.queueCapacity(), deliberationSettings.queueStaleAfter(),
        deliberationSettings.queueDecidedHistory());
    sharding.init(Entity.of(DeliberationQueue.ENTITY_KEY,
        ctx -> DeliberationQueue.create(ctx.getEntityId(), queueSettings, clock, restart)));
    DirectoryRebuild.start(system, readJournal, this::agent, settings.directoryRebuildParallelism(),
        settings.directoryRebuildWakeTimeout());
    this.policies = Policies.init(system, sharding, activePolicy, policySettings, clock, restart);
    this.ledgerWake = wakeLedger();
  }

  /**
   * Whether every ledger partition has recovered. They are woken when the bus starts: a partition replays its
   * snapshot and the events after it (5.6 s for about 70,000 entries on PostgreSQL), and a send that waited
   * for it answered 503 timeout. A node reports ready only after this (its readiness check asks it). A round in
   * which a partition did not answer within {@code ledger.start-timeout} is started again by the next call.
   */
  public boolean ledgerStarted() {
    CompletableFuture<Done> round = ledgerWake;
    if (!round.isDone()) return false;
    if (round.isCompletedExceptionally()) {
      ledgerWake = wakeLedger();
      return false;
    }
    return true;
  }

  private CompletableFuture<Done> wakeLedger() {
    long started = System.nanoTime();
    CompletableFuture<?>[] wakes = new CompletableFuture<?>[settings.ledgerPartitions()];
    for (int p = 0; p < wakes.length; p++) {
      EntityRef<LedgerPartition.Command> partition = sharding.entityRefFor(LedgerPartition.ENTITY_KEY,
          Integer.toString(p));
      wakes[p] = partition.ask(LedgerPartition.Wake::new, settings.ledgerStartTimeout()).toCompletableFuture();
    }
    return CompletableFuture.allOf(wakes).handle((done, error) -> {
      if (error != null) {
        log.warn("Ledger partitions not all recovered within {}: {}", settings.ledgerStartTimeout(), error.toString());
        throw new CompletionException(error);
      }
      log.info("Ledger partitions ({}) recovered in {} ms", wakes.length, (System.nanoTime() - started) / 1_000_000);
      return Done.getInstance();
    });
  }

  /** This node's decision cache counts (zeros when the cache is off). */
  public DecisionCache.Stats decisionCacheStats() {
    return pipeline.cacheStats().orElse(new DecisionCache.Stats(0, 0, 0, 0));
  }

  /** The external policy decision point, when {@code agentbus.policy.opa.enabled} is on. */
  public Optional<OpaPolicy> opa() {
    return Optional.ofNullable(opa);
  }

  /** The policy registry (cluster-wide) and this node's active bundle. */
  public Policies policies() {
    return policies;
  }

  /** What the inboxes of the agents on this node hold in memory, against the node's budget. */
  public InboxBudget inboxBudget() {
    return inboxBudget;
  }

  public DirectoryView directory() {
    return directory;
  }

  public BusSettings settings() {
    return settings;
  }

  public GovernanceSettings governanceSettings() {
    return governanceSettings;
  }

  public DeliberationSettings deliberationSettings() {
    return deliberationSettings;
  }

  // ---- agents ----

  public CompletionStage<AgentProfile> register(Registration r) {
    String id = r.agentId() == null || r.agentId().isBlank() ? UUID.randomUUID().toString() : r.agentId();
    MaciRole role = r.maciRole() != null ? r.maciRole() : governanceSettings.maci().defaultRole();
    // The entity may live on another node: this node's view learns the profile at once as well, so a
    // send through this node right after the registration finds it (others learn it by replication).
    return askAgent(id, (ActorRef<StatusReply<AgentProfile>> replyTo) -> new AgentEntity.Register(
        r.name(), r.type(), r.tenantId(), role, r.capabilities(), r.metadata(), replyTo))
        .thenApply(profile -> {
          directory.put(profile);
          return profile;
        });
  }

  public CompletionStage<AgentProfile> profile(String agentId) {
    return askAgent(agentId, AgentEntity.GetProfile::new);
  }

  public CompletionStage<AgentProfile> heartbeat(String agentId) {
    return askAgent(agentId, AgentEntity.Heartbeat::new);
  }

  public CompletionStage<AgentProfile> updateMetadata(String agentId, Map<String, String> metadata) {
    return askAgent(agentId, replyTo -> new AgentEntity.UpdateMetadata(metadata, replyTo));
  }

  public CompletionStage<Done> unregister(String agentId) {
    return askAgent(agentId, AgentEntity.Unregister::new);
  }

  // ---- inbox ----

  public CompletionStage<InboxPage> readInbox(String agentId, InboxQuery query) {
    return askAgent(agentId, replyTo -> new AgentEntity.ReadInbox(query, replyTo));
  }

  public CompletionStage<InboxItem> ack(String agentId, UUID messageId) {
    return askAgent(agentId, replyTo -> new AgentEntity.Ack(messageId, replyTo));
  }

  /** Push: the subscriber receives every unacknowledged message of the agent, then each new delivery. */
  public void subscribe(String agentId, ActorRef<InboxItem> subscriber) {
    agent(agentId).tell(new AgentEntity.Subscribe(subscriber));
  }

  public void unsubscribe(String agentId, ActorRef<InboxItem> subscriber) {
    agent(agentId).tell(new AgentEntity.Unsubscribe(subscriber));
  }

  // ---- send ----

  /**
   * Governs and, if allowed, durably records and delivers one message. Never fails: bad input, denials
   * and internal errors all come back as a {@link SendResult} with reason codes.
   */
  public CompletionStage<SendResult> send(AgentMessage message) {
    // Admission: while the inboxes that would hold the message (its recipient's shard's node; for a broadcast,
    // any node) hold their memory budget in unacknowledged messages, or beyond the configured number of sends in
    // flight, refuse fast rather than run out of heap or let the ledger's stash overflow; nothing is recorded, the
    // caller may retry (503). Sends accepted before are all delivered.
    String shard = message.isBroadcast() ? null : agentShards.shardId(message.targetAgentId());
    if (fullInboxes.get().refuses(shard, inboxBudget.full())) {
      return CompletableFuture.completedFuture(overloaded(message,
          "the inboxes that would hold this message are full of unacknowledged messages; retry shortly"));
    }
    if (!admission.tryAcquire()) {
      return CompletableFuture.completedFuture(
          overloaded(message, "too many sends in flight on this node; retry shortly"));
    }
    try {
      return profiles(message)
          .thenCompose(p -> governAndRecord(message, p.sender(), p.recipient()))
          .exceptionally(e -> notRecorded(message, e))
          .whenComplete((r, e) -> admission.release());
    } catch (RuntimeException e) {
      admission.release();
      return CompletableFuture.completedFuture(notRecorded(message, e));
    }
  }

  private record Profiles(AgentProfile sender, AgentProfile recipient) {}

  /**
   * Sender and recipient from this node's directory view; an agent the view does not know yet (it
   * registered on another node a moment ago) is asked for directly, since the entity is authoritative.
   */
  private CompletionStage<Profiles> profiles(AgentMessage m) {
    CompletionStage<AgentProfile> sender = profileOf(m.sourceAgentId());
    CompletionStage<AgentProfile> recipient = m.isBroadcast()
        ? CompletableFuture.completedFuture(null) : profileOf(m.targetAgentId());
    return sender.thenCombine(recipient, Profiles::new);
  }

  /**
   * The agent shards this node's region hosts now (for {@link InboxPressure}, every check interval). Asked as the
   * region's stats, an entity count per shard: the region's state would copy every entity id of the node each time.
   */
  private CompletionStage<Set<String>> hostedAgentShards() {
    return Patterns.ask(classicSharding.shardRegion(AgentEntity.ENTITY_KEY.name()),
            ShardRegion.getRegionStatsInstance(), askTimeout)
        .thenApply(reply -> {
          ShardRegion.ShardRegionStats stats = (ShardRegion.ShardRegionStats) reply;
          Set<String> shards = new HashSet<>(stats.getStats().keySet());
          shards.addAll(stats.getFailed()); // hosted here, only slow to answer
          return shards;
        });
  }

  private CompletionStage<AgentProfile> profileOf(String agentId) {
    if (agentId == null || agentId.isBlank()) return CompletableFuture.completedFuture(null);
    var known = directory.find(agentId);
    if (known.isPresent()) return CompletableFuture.completedFuture(known.get());
    return profile(agentId).handle((p, e) -> e == null ? p : null);
  }

  private static SendResult overloaded(AgentMessage m, String why) {
    return new SendResult(m, MessageStatus.REJECTED, List.of(new Reason("overloaded", why)), 0.0, 0, false, false);
  }

  private CompletionStage<SendResult> governAndRecord(AgentMessage m, AgentProfile sender, AgentProfile recipient) {
    // async: an external policy decision point (OPA) answers later; without one this completes at once
    return pipeline.evaluateAsync(new GovernanceRequest(m, sender, recipient, directory.isEmpty()))
        .thenCompose(decision -> {
          // Every decision names the bundle that made it (when one is active).
          String digest = decision.annotations().get("policy.digest");
          CompletionStage<SendResult> result = record(m, recipient, decision);
          return digest == null ? result : result.thenApply(r -> r.withBundleDigest(digest));
        });
  }

  private CompletionStage<SendResult> record(AgentMessage m, AgentProfile recipient, Decision decision) {
    Instant now = clock.instant();

    if (decision.outcome() == Decision.Outcome.ALLOW && !m.isBroadcast()) {
      if (recipient == null) {
        decision = denied(decision, "unknown_recipient", "no agent '" + m.targetAgentId() + "' is registered");
      } else if (!recipient.isActive()) {
        decision = denied(decision, "recipient_inactive", "agent '" + m.targetAgentId() + "' is not active");
      }
    }
    double score = decision.impactScore();
    return switch (decision.outcome()) {
      case DENY -> recordOne(m, target(m), MessageStatus.REJECTED, decision.reasons(), score, now);
      case DELIBERATE -> hold(m, recipient, decision, now);
      case ALLOW -> m.isBroadcast()
          ? recordBroadcast(m, score, now)
          : recordOne(m, m.targetAgentId(), MessageStatus.ACCEPTED, List.of(), score, now)
              .thenApply(r -> recorded(m, r));
    };
  }

  private static String target(AgentMessage m) {
    return m.isBroadcast() ? "" : m.targetAgentId();
  }

  private static Decision denied(Decision d, String code, String text) {
    return new Decision(Decision.Outcome.DENY, List.of(new Reason(code, text)), d.impactScore(), d.annotations());
  }

  private SendResult recorded(AgentMessage m, SendResult r) {
    if (r.accepted() && m.id() != null) outputs.record(m.id().toString(), m.sourceAgentId());
    return r;
  }

  private CompletionStage<SendResult> recordOne(
      AgentMessage m, String recipientId, MessageStatus status, List<Reason> reasons, double score, Instant now) {
    LedgerEntry entry = LedgerEntry.unlinked(m, recipientId, status, reasons, score, now);
    return appendAndConfirm(entry).thenApply(appended -> {
      LedgerPartition.Outcome o = appended.outcome();
      int recipients = o.status() == MessageStatus.ACCEPTED && !recipientId.isEmpty() ? 1 : 0;
      // A replayed idempotency key answers with the message that was stored the first time.
      AgentMessage stored = o.messageId() != null && !o.messageId().equals(m.id()) ? m.withId(o.messageId()) : m;
      return new SendResult(stored, o.status(), o.reasons(), o.impactScore(), recipients, appended.duplicate(), true);
    });
  }

  private CompletionStage<SendResult> recordBroadcast(AgentMessage m, double score, Instant now) {
    List<String> required = requiredCapabilities(m.payload());
    List<String> recipients = new ArrayList<>();
    for (AgentProfile p : directory.activeInTenant(m.tenantId())) {
      if (!p.id().equals(m.sourceAgentId()) && p.hasAllCapabilities(required)) recipients.add(p.id());
    }
    if (recipients.isEmpty()) {
      // Still recorded for the audit trail, with no inbox to go to.
      return recordOne(m, "", MessageStatus.ACCEPTED, List.of(), score, now);
    }
    List<CompletableFuture<LedgerPartition.Appended>> writes = new ArrayList<>(recipients.size());
    for (String r : recipients) {
      writes.add(appendAndConfirm(
          LedgerEntry.unlinked(m.withTarget(r), r, MessageStatus.ACCEPTED, List.of(), score, now))
          .toCompletableFuture());
    }
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).thenApply(v -> {
      boolean duplicate = writes.stream().allMatch(w -> w.join().duplicate());
      return recorded(m, new SendResult(m, MessageStatus.ACCEPTED, List.of(), score, recipients.size(), duplicate,
          true));
    });
  }

  private static List<String> requiredCapabilities(JsonNode payload) {
    if (payload == null || !payload.isObject()) return List.of();
    JsonNode req = payload.get("required_capabilities");
    if (req == null || !req.isArray()) return List.of();
    List<String> out = new ArrayList<>();
    req.forEach(n -> out.add(n.asText()));
    return out;
  }

  /**
   * Writes the entry and answers once it is durable and (when accepted) held by its recipient, which
   * sends the ledger's answer itself, so that the sender's acknowledgement implies the message is
   * readable. If no answer comes in time (the recipient is restarting, say), the entry is appended
   * again: the ledger recognises it by id and answers at once with the stored outcome, and the inbox
   * picks the message up from the ledger when it is next rebuilt.
   */
  private CompletionStage<LedgerPartition.Appended> appendAndConfirm(LedgerEntry entry) {
    return append(entry).exceptionallyCompose(first -> {
      if (!(unwrap(first) instanceof TimeoutException)) return CompletableFuture.failedFuture(first);
      log.warn("No answer for {} to {} in time; asking the ledger again", entry.message().id(), entry.recipientId());
      return append(entry).thenApply(again -> new LedgerPartition.Appended(again.outcome(), false));
    });
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  private CompletionStage<LedgerPartition.Appended> append(LedgerEntry entry) {
    String partition = LedgerPartition.entityIdFor(entry.recipientId(), settings.ledgerPartitions());
    EntityRef<LedgerPartition.Command> ledger = sharding.entityRefFor(LedgerPartition.ENTITY_KEY, partition);
    return Stages.plain(ledger.ask(replyTo -> new LedgerPartition.Append(entry, replyTo), askTimeout));
  }

  private SendResult notRecorded(AgentMessage m, Throwable e) {
    Throwable cause = unwrap(e);
    log.warn("Send of {} could not be recorded: {}", m == null ? null : m.id(), cause.toString());
    return new SendResult(m, MessageStatus.REJECTED,
        List.of(new Reason("ledger_unavailable", "the message could not be recorded; it was not delivered")),
        0.0, 0, false, false);
  }

  // ---- deliberation ----

  /** The deliberation of a held message, with its votes. */
  public CompletionStage<Deliberation.Summary> deliberation(UUID messageId) {
    return askDeliberation(messageId, Deliberation.Get::new);
  }

  /** The tenant's pending deliberations, most urgent first, then oldest first. */
  public CompletionStage<DeliberationQueue.Pending> deliberations(String tenantId) {
    return Stages.plain(deliberationQueue(tenantId).ask(DeliberationQueue.GetPending::new, askTimeout))
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(toBusException(e)));
  }

  /** An agent's vote on a held message; a second vote of the same agent replaces its first. */
  public CompletionStage<Deliberation.Summary> vote(UUID messageId, String voterId, VoteChoice choice, String reason) {
    return askDeliberation(messageId, replyTo -> new Deliberation.CastVote(voterId, choice, reason, replyTo));
  }

  /** A human approver's decision on a held message: it settles the deliberation whatever the votes. */
  public CompletionStage<Deliberation.Summary> decide(
      UUID messageId, String approverId, boolean approve, String reason) {
    return askDeliberation(messageId, replyTo -> new Deliberation.Decide(approverId, approve, reason, replyTo));
  }

  /**
   * A held message takes a place in its tenant's deliberation queue (when the queue is full it is
   * rejected, fail closed), is recorded in the ledger as pending deliberation, then its deliberation
   * opens. Sent again, it answers the state of its deliberation.
   */
  private CompletionStage<SendResult> hold(AgentMessage m, AgentProfile recipient, Decision decision, Instant now) {
    double score = decision.impactScore();
    if (!m.isBroadcast() && (recipient == null || !recipient.isActive())) {
      // nobody to deliver to if approved: refused as a plain send would be, without asking any voter
      Decision refused = recipient == null
          ? denied(decision, "unknown_recipient", "no agent '" + m.targetAgentId() + "' is registered")
          : denied(decision, "recipient_inactive", "agent '" + m.targetAgentId() + "' is not active");
      return recordOne(m, m.targetAgentId(), MessageStatus.REJECTED, refused.reasons(), score, now);
    }
    Instant deadline = now.plus(deliberationSettings.timeout());
    var ticket = new DeliberationQueue.Ticket(m.id(), m.priority(), now, deadline, m.sourceAgentId(), score);
    return Stages.plain(deliberationQueue(m.tenantId())
        .<DeliberationQueue.Admission>ask(replyTo -> new DeliberationQueue.Admit(ticket, replyTo), askTimeout))
        .thenCompose(admission -> {
          boolean full = admission.result() == DeliberationQueue.Result.FULL;
          List<Reason> reasons = full ? queueFull(decision.reasons(), admission) : decision.reasons();
          LedgerEntry held = LedgerEntry.unlinked(m, Deliberation.heldRecipient(target(m)),
              full ? MessageStatus.REJECTED : MessageStatus.PENDING_DELIBERATION, reasons, score, now);
          return append(held).thenCompose(appended -> afterHeld(m, decision, deadline, full, appended, reasons));
        });
  }

  private CompletionStage<SendResult> afterHeld(
      AgentMessage m, Decision decision, Instant deadline, boolean full, LedgerPartition.Appended appended,
      List<Reason> reasons) {
    LedgerPartition.Outcome o = appended.outcome();
    boolean sameMessage = o.messageId() == null || o.messageId().equals(m.id());
    if (o.status() != MessageStatus.PENDING_DELIBERATION || !sameMessage) {
      // refused because the queue is full, or a re-send answered with the first result: nothing to open
      if (!full) deliberationQueue(m.tenantId()).tell(new DeliberationQueue.Release(m.id(), "not_opened"));
      AgentMessage stored = sameMessage ? m : m.withId(o.messageId());
      return CompletableFuture.completedFuture(
          new SendResult(stored, o.status(), o.reasons(), o.impactScore(), 0, appended.duplicate(), true));
    }
    EntityRef<Deliberation.Command> deliberation = deliberationRef(m.id());
    if (full) {
      // held before and no longer queued: answer its state, never open a deliberation beyond capacity
      return Stages.plain(deliberation.<Deliberation.Summary>askWithStatus(Deliberation.Get::new, askTimeout))
          .handle((summary, error) -> error == null
              ? heldResult(m, summary, true)
              : new SendResult(m, MessageStatus.REJECTED, reasons, o.impactScore(), 0, true, true));
    }
    Deliberation.Proposal proposal = proposal(m, decision, deadline);
    return Stages.plain(deliberation.<Deliberation.Summary>askWithStatus(
            replyTo -> new Deliberation.Open(proposal, replyTo), askTimeout))
        .thenApply(summary -> heldResult(m, summary, appended.duplicate()));
  }

  private static List<Reason> queueFull(List<Reason> heldFor, DeliberationQueue.Admission admission) {
    List<Reason> reasons = new ArrayList<>();
    reasons.add(new Reason(DeliberationCodes.QUEUE_FULL,
        "the tenant's deliberation queue is full (" + admission.capacity() + " pending); the message is rejected"));
    reasons.addAll(heldFor);
    return reasons;
  }

  private static SendResult heldResult(AgentMessage m, Deliberation.Summary s, boolean duplicate) {
    if (s.phase() == Deliberation.Phase.COLLECTING) {
      return new SendResult(m, MessageStatus.PENDING_DELIBERATION, s.heldFor(), s.impactScore(), 0, duplicate, true);
    }
    int recipients = s.outcome() == Deliberation.Outcome.APPROVED ? s.recipients().size() : 0;
    return new SendResult(m, s.outcome().status(), s.decisionReasons(), s.impactScore(), recipients, duplicate, true);
  }

  /** Voters: the configured list, else the tenant's active JUDICIAL agents (never the sender). */
  private Deliberation.Proposal proposal(AgentMessage m, Decision decision, Instant deadline) {
    DeliberationSettings ds = deliberationSettings;
    List<String> recipients = m.isBroadcast() ? broadcastRecipients(m) : List.of(m.targetAgentId());
    List<String> roleNames = ds.risk().roleNames();
    List<String> voters = new ArrayList<>(ds.voters());
    if (voters.isEmpty()) {
      List<AgentProfile> judges = new ArrayList<>();
      for (AgentProfile p : directory.activeInTenant(m.tenantId())) {
        if (p.maciRole() == MaciRole.JUDICIAL && !p.id().equals(m.sourceAgentId())) judges.add(p);
      }
      // Holders of the risk roles first (their votes are required), then a per-message spread.
      judges.sort(java.util.Comparator
          .comparing((AgentProfile p) -> roleNames.stream().noneMatch(p.capabilities()::contains))
          .thenComparing(p -> (m.id() + "/" + p.id()).hashCode()));
      for (AgentProfile p : judges.subList(0, Math.min(ds.maxVoters(), judges.size()))) voters.add(p.id());
      voters.sort(null);
    }
    Map<String, List<String>> voterRoles = new LinkedHashMap<>();
    for (String v : voters) {
      directory.find(v).ifPresent(p -> {
        List<String> held = roleNames.stream().filter(p.capabilities()::contains).toList();
        if (!held.isEmpty()) voterRoles.put(v, held);
      });
    }
    double score = decision.impactScore();
    // the guard reads the pipeline's own policy decision; the impact score is the risk
    OpaGuard.Result guarded = guard.verify(OpaGuard.policyOf(decision), score);
    Instant reviewDeadline = guarded.verdict() == OpaGuard.Verdict.REQUIRE_REVIEW && ds.risk().reviewTimeout() != null
        ? clock.instant().plus(ds.risk().reviewTimeout()) : null;
    return new Deliberation.Proposal(m, recipients, decision.reasons(), score, voters, voterRoles, ds.strategy(),
        ds.threshold(), ds.requiredVotesFor(score), guarded.requirements(), deadline, guarded, reviewDeadline);
  }

  /** Who a broadcast would reach now: the tenant's other active agents with the required capabilities. */
  private List<String> broadcastRecipients(AgentMessage m) {
    List<String> required = requiredCapabilities(m.payload());
    List<String> recipients = new ArrayList<>();
    for (AgentProfile p : directory.activeInTenant(m.tenantId())) {
      if (!p.id().equals(m.sourceAgentId()) && p.hasAllCapabilities(required)) recipients.add(p.id());
    }
    recipients.sort(null);
    return recipients;
  }

  private EntityRef<Deliberation.Command> deliberationRef(UUID messageId) {
    return sharding.entityRefFor(Deliberation.ENTITY_KEY, messageId.toString());
  }

  private EntityRef<DeliberationQueue.Command> deliberationQueue(String tenantId) {
    return sharding.entityRefFor(DeliberationQueue.ENTITY_KEY, DeliberationQueue.entityIdFor(tenantId));
  }

  private CompletionStage<Deliberation.Summary> askDeliberation(
      UUID messageId, Function<ActorRef<StatusReply<Deliberation.Summary>>, Deliberation.Command> command) {
    if (messageId == null) {
      return CompletableFuture.failedFuture(new BusException("invalid_message_id", "a message id is required"));
    }
    return Stages.plain(deliberationRef(messageId).askWithStatus(command::apply, askTimeout))
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(toBusException(e)));
  }

  private void deliver(LedgerEntry entry, List<LedgerPartition.Answer> answers) {
    agent(entry.recipientId()).tell(new AgentEntity.Deliver(entry, answers));
  }

  EntityRef<AgentEntity.Command> agent(String agentId) {
    return sharding.entityRefFor(AgentEntity.ENTITY_KEY, agentId);
  }

  private <T> CompletionStage<T> askAgent(
      String agentId, Function<ActorRef<StatusReply<T>>, AgentEntity.Command> command) {
    if (agentId == null || agentId.isBlank()) {
      return CompletableFuture.failedFuture(new BusException("invalid_agent_id", "agent id is required"));
    }
    return Stages.plain(agent(agentId).askWithStatus(command::apply, askTimeout))
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(toBusException(e)));
  }

  private static Throwable toBusException(Throwable e) {
    Throwable cause = unwrap(e);
    if (cause instanceof StatusReply.ErrorMessage) {
      return new BusException(AgentErrors.code(cause), AgentErrors.message(cause));
    }
    if (cause instanceof TimeoutException) {
      return new BusException("timeout", "the bus did not answer in time");
    }
    return cause;
  }
}
