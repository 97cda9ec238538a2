package dev.agentbus.actors.bus;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentbus.actors.agent.AgentEntity;
import dev.agentbus.actors.agent.AgentErrors;
import dev.agentbus.actors.agent.DirectoryPublisher;
import dev.agentbus.actors.agent.InboxItem;
import dev.agentbus.actors.agent.InboxPage;
import dev.agentbus.actors.agent.InboxQuery;
import dev.agentbus.actors.directory.AgentDirectory;
import dev.agentbus.actors.directory.DirectoryView;
import dev.agentbus.actors.governance.Decision;
import dev.agentbus.actors.governance.GovernancePipeline;
import dev.agentbus.actors.governance.GovernanceRequest;
import dev.agentbus.actors.governance.GovernanceSettings;
import dev.agentbus.actors.governance.OutputRegistry;
import dev.agentbus.actors.governance.Reason;
import dev.agentbus.actors.ledger.LedgerEntry;
import dev.agentbus.actors.ledger.LedgerPartition;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.SupervisorStrategy;
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

  private final ActorSystem<?> system;
  private final BusSettings settings;
  private final GovernanceSettings governanceSettings;
  private final Clock clock;
  private final ClusterSharding sharding;
  private final DirectoryView directory = new DirectoryView();
  private final OutputRegistry outputs;
  private final GovernancePipeline pipeline;
  private final Duration askTimeout;

  private AgentBus(ActorSystem<?> system, Clock clock) {
    this.system = system;
    this.clock = clock;
    this.settings = BusSettings.create(system.settings().config());
    this.governanceSettings = GovernanceSettings.fromConfig(system.settings().config().getConfig("agentbus.governance"));
    this.askTimeout = settings.askTimeout();
    this.outputs = OutputRegistry.bounded(settings.outputsMaxEntries());
    this.pipeline = GovernancePipeline.create(governanceSettings, clock, outputs);
    this.sharding = ClusterSharding.get(system);

    ActorRef<AgentDirectory.Command> directoryActor = system.systemActorOf(
        AgentDirectory.create(directory, settings.directoryShards(), settings.directoryWriteTimeout()),
        "agent-directory", Props.empty());
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
        settings.inboxMaxRetained(), settings.defaultPageSize(), settings.maxPageSize());
    sharding.init(Entity.of(AgentEntity.ENTITY_KEY,
        ctx -> AgentEntity.create(ctx.getEntityId(), agentSettings, inboxSource, publisher, clock, restart)));
    var ledgerSettings = new LedgerPartition.Settings(
        settings.ledgerMaxBatch(), settings.ledgerDedupWindow(), settings.ledgerSnapshotEvery());
    sharding.init(Entity.of(LedgerPartition.ENTITY_KEY,
        ctx -> LedgerPartition.create(ctx.getEntityId(), ledgerSettings, this::deliver, restart)));
    DirectoryRebuild.start(system, readJournal, this::agent);
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

  // ---- agents ----

  public CompletionStage<AgentProfile> register(Registration r) {
    String id = r.agentId() == null || r.agentId().isBlank() ? UUID.randomUUID().toString() : r.agentId();
    MaciRole role = r.maciRole() != null ? r.maciRole() : governanceSettings.maci().defaultRole();
    return askAgent(id, replyTo -> new AgentEntity.Register(
        r.name(), r.type(), r.tenantId(), role, r.capabilities(), r.metadata(), replyTo));
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
    try {
      return governAndRecord(message).exceptionally(e -> notRecorded(message, e));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(notRecorded(message, e));
    }
  }

  private CompletionStage<SendResult> governAndRecord(AgentMessage m) {
    AgentProfile sender = directory.find(m.sourceAgentId()).orElse(null);
    AgentProfile recipient = m.isBroadcast() ? null : directory.find(m.targetAgentId()).orElse(null);
    Decision decision = pipeline.evaluate(new GovernanceRequest(m, sender, recipient, directory.isEmpty()));
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
      case DELIBERATE -> recordOne(m, target(m), MessageStatus.PENDING_DELIBERATION, decision.reasons(), score, now);
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
   * Writes the entry, then (for a new accepted entry) waits until the recipient holds it, so that the
   * sender's acknowledgement implies the message is readable. The ledger also hands it over on its
   * own; if the recipient does not confirm in time the message is still durable and the inbox picks
   * it up when it is next rebuilt, so the send still counts as accepted.
   */
  private CompletionStage<LedgerPartition.Appended> appendAndConfirm(LedgerEntry entry) {
    return append(entry).thenCompose(appended -> {
      if (appended.duplicate() || appended.outcome().status() != MessageStatus.ACCEPTED
          || entry.recipientId().isEmpty()) {
        return CompletableFuture.completedFuture(appended);
      }
      return agent(entry.recipientId())
          .<Done>ask(replyTo -> new AgentEntity.DeliverAndConfirm(entry, replyTo), askTimeout)
          .handle((done, error) -> {
            if (error != null) log.warn("Recipient {} did not confirm {}: {}", entry.recipientId(),
                entry.message().id(), error.toString());
            return appended;
          });
    });
  }

  private CompletionStage<LedgerPartition.Appended> append(LedgerEntry entry) {
    String partition = LedgerPartition.entityIdFor(entry.recipientId(), settings.ledgerPartitions());
    EntityRef<LedgerPartition.Command> ledger = sharding.entityRefFor(LedgerPartition.ENTITY_KEY, partition);
    return ledger.ask(replyTo -> new LedgerPartition.Append(entry, replyTo), askTimeout);
  }

  private SendResult notRecorded(AgentMessage m, Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    log.warn("Send of {} could not be recorded: {}", m == null ? null : m.id(), cause.toString());
    return new SendResult(m, MessageStatus.REJECTED,
        List.of(new Reason("ledger_unavailable", "the message could not be recorded; it was not delivered")),
        0.0, 0, false, false);
  }

  private void deliver(LedgerEntry entry) {
    if (!entry.recipientId().isEmpty()) agent(entry.recipientId()).tell(new AgentEntity.Deliver(entry));
  }

  EntityRef<AgentEntity.Command> agent(String agentId) {
    return sharding.entityRefFor(AgentEntity.ENTITY_KEY, agentId);
  }

  private <T> CompletionStage<T> askAgent(
      String agentId, Function<ActorRef<StatusReply<T>>, AgentEntity.Command> command) {
    if (agentId == null || agentId.isBlank()) {
      return CompletableFuture.failedFuture(new BusException("invalid_agent_id", "agent id is required"));
    }
    return agent(agentId).askWithStatus(command::apply, askTimeout)
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(toBusException(e)));
  }

  private static Throwable toBusException(Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof StatusReply.ErrorMessage) {
      return new BusException(AgentErrors.code(cause), AgentErrors.message(cause));
    }
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return new BusException("timeout", "the bus did not answer in time");
    }
    return cause;
  }
}
