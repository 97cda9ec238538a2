package dev.agentbus.actors.approval;

import dev.agentbus.actors.agent.AgentErrors;
import dev.agentbus.actors.bus.AgentBus;
import dev.agentbus.actors.bus.BusException;
import dev.agentbus.actors.bus.BusSettings;
import dev.agentbus.actors.deliberation.DeliberationCodes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * The cluster's approval requests ({@link ApprovalRequest}, sharded and remembered while open) and their
 * per-tenant {@link ApprovalIndex}. A held message's final human outcome is settled through
 * {@link AgentBus#decide}. Asks happen only here, each with the bus's ask timeout; refusals come back as
 * {@link BusException}s with the {@link ApprovalCodes}.
 */
public final class Approvals implements Extension {

  public static final class Id extends ExtensionId<Approvals> {
    private static final Id INSTANCE = new Id();

    @Override
    public Approvals createExtension(ActorSystem<?> system) {
      return new Approvals(system, Clock.systemUTC());
    }
  }

  public static Approvals get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  private final ApprovalSettings settings;
  private final ApprovalPolicies policies;
  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final Clock clock;

  private Approvals(ActorSystem<?> system, Clock clock) {
    this.clock = clock;
    this.settings = ApprovalSettings.fromConfig(system.settings().config().getConfig("agentbus.approvals"));
    this.policies = ApprovalPolicies.fromConfig(system.settings().config().getConfig("agentbus.approvals"));
    BusSettings bus = BusSettings.create(system.settings().config());
    this.askTimeout = bus.askTimeout();
    this.sharding = ClusterSharding.get(system);
    BackoffSupervisorStrategy restart =
        SupervisorStrategy.restartWithBackoff(bus.backoffMin(), bus.backoffMax(), bus.backoffRandomFactor());
    ApprovalRequest.Settings entity = ApprovalRequest.Settings.from(settings);
    ApprovalRequest.HeldPort held = (messageId, approverId, approve, reason) -> settleHeld(
        AgentBus.get(system), messageId, approverId, approve, reason);
    // Remembered: an open request keeps its expiry and escalation timers across passivation and
    // rebalancing; it passivates itself once it is final (and, when held, settled).
    sharding.init(Entity.of(ApprovalRequest.ENTITY_KEY,
            ctx -> ApprovalRequest.sharded(ctx, entity, held, clock, restart))
        .withSettings(ClusterShardingSettings.create(system)
            .withRememberEntities(true)
            .withRememberEntitiesStoreMode(ClusterShardingSettings.rememberEntitiesStoreModeEventSourced())));
    sharding.init(Entity.of(ApprovalIndex.ENTITY_KEY, ctx -> ApprovalIndex.create(ctx.getEntityId(),
        settings.indexMaxEntries(), settings.indexSnapshotEvery(), restart)));
  }

  /** A deliberation that already has an outcome (this one or another) needs nothing more. */
  private static CompletionStage<Done> settleHeld(
      AgentBus bus, UUID messageId, String approverId, boolean approve, String reason) {
    return bus.decide(messageId, approverId, approve, reason)
        .<Done>thenApply(s -> Done.getInstance())
        .exceptionallyCompose(e -> {
          Throwable cause = unwrap(e);
          if (cause instanceof BusException b && b.code().equals(DeliberationCodes.CLOSED)) {
            return CompletableFuture.completedFuture(Done.getInstance());
          }
          return CompletableFuture.failedFuture(cause);
        });
  }

  public ApprovalSettings settings() {
    return settings;
  }

  public ApprovalPolicies policies() {
    return policies;
  }

  public Instant now() {
    return clock.instant();
  }

  /**
   * Creates a request with a new id: listed in the tenant's index first, then created.
   *
   * @param requiredApprovers null for the configured default
   */
  public CompletionStage<ApprovalRequest.View> create(
      String tenantId, String requesterId, String requestType, String payloadJson, double riskScore,
      Integer requiredApprovers) {
    return create(tenantId, requesterId, requestType, payloadJson, riskScore, requiredApprovers, null);
  }

  /**
   * Creates a request that follows an approval policy: its roles, approvers (at least the policy's minimum),
   * time-out, escalation step and automatic approval.
   *
   * @param riskScore 0..100 (the policies' risks are 0..1)
   * @param policyName a policy name, {@link ApprovalPolicies#BY_RISK} to choose by risk, or null for none
   */
  public CompletionStage<ApprovalRequest.View> create(
      String tenantId, String requesterId, String requestType, String payloadJson, double riskScore,
      Integer requiredApprovers, String policyName) {
    UUID id = UUID.randomUUID();
    Instant now = clock.instant();
    if (policyName == null) {
      int required = requiredApprovers == null ? settings.requiredApprovers() : requiredApprovers;
      return open(new ApprovalRequest.Spec(id, ApprovalRequest.Kind.DIRECT, tenantId, requestType, requesterId,
          payloadJson, riskScore, required, now.plus(settings.timeout())));
    }
    double risk = riskScore / 100.0;
    Optional<ApprovalPolicy> found = ApprovalPolicies.BY_RISK.equals(policyName)
        ? Optional.of(policies.forRisk(risk)) : policies.named(policyName);
    if (found.isEmpty()) {
      return CompletableFuture.failedFuture(new BusException(ApprovalCodes.INVALID_REQUEST,
          "no approval policy '" + policyName + "'"));
    }
    ApprovalPolicy p = found.get();
    int required = Math.max(p.minApprovers(), requiredApprovers == null ? 0 : requiredApprovers);
    return open(new ApprovalRequest.Spec(id, ApprovalRequest.Kind.DIRECT, tenantId, requestType, requesterId,
        payloadJson, riskScore, required, now.plus(p.timeout()), p.name(), p.requiredRoles(), p.requireAllRoles(),
        p.escalationStep(), p.autoApproves(risk)));
  }

  /** Opens (or answers) the human side of a held message; idempotent. */
  public CompletionStage<ApprovalRequest.View> openHeld(ApprovalRequest.Spec spec) {
    return open(spec);
  }

  private CompletionStage<ApprovalRequest.View> open(ApprovalRequest.Spec spec) {
    return index(spec.tenantId())
        .<Done>ask(replyTo -> new ApprovalIndex.Add(spec.id(), replyTo), askTimeout)
        .thenCompose(done -> ask(spec.id(), replyTo -> new ApprovalRequest.Create(spec, replyTo)));
  }

  public CompletionStage<ApprovalRequest.View> get(UUID id) {
    return ask(id, ApprovalRequest.Get::new);
  }

  /** The request, or empty when there is none with this id. */
  public CompletionStage<Optional<ApprovalRequest.View>> find(UUID id) {
    return get(id).thenApply(Optional::of).exceptionallyCompose(e -> {
      Throwable cause = unwrap(e);
      if (cause instanceof BusException b && b.code().equals(ApprovalCodes.NOT_FOUND)) {
        return CompletableFuture.completedFuture(Optional.empty());
      }
      return CompletableFuture.failedFuture(cause);
    });
  }

  public CompletionStage<ApprovalRequest.View> decide(UUID id, String approverId, boolean approve, String reasoning) {
    return decide(id, approverId, List.of(), approve, reasoning);
  }

  /** @param approverRoles the roles of the approver's credential */
  public CompletionStage<ApprovalRequest.View> decide(
      UUID id, String approverId, List<String> approverRoles, boolean approve, String reasoning) {
    return ask(id, replyTo -> new ApprovalRequest.Decide(approverId, approverRoles, approve, reasoning, replyTo));
  }

  public CompletionStage<ApprovalRequest.View> escalate(UUID id, String by, String reason) {
    return ask(id, replyTo -> new ApprovalRequest.Escalate(by, reason, replyTo));
  }

  public CompletionStage<ApprovalRequest.View> cancel(UUID id, String by, String reason) {
    return ask(id, replyTo -> new ApprovalRequest.Cancel(by, reason, replyTo));
  }

  /** The tenant's listed requests, oldest first (ids whose creation never happened are skipped). */
  public CompletionStage<List<ApprovalRequest.View>> list(String tenantId) {
    return index(tenantId).<ApprovalIndex.Ids>ask(ApprovalIndex.GetIds::new, askTimeout)
        .thenCompose(ids -> {
          List<CompletableFuture<Optional<ApprovalRequest.View>>> all = new ArrayList<>();
          for (UUID id : ids.ids()) all.add(find(id).toCompletableFuture());
          return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
              .thenApply(v -> all.stream().map(CompletableFuture::join).flatMap(Optional::stream).toList());
        })
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(toBusException(e)));
  }

  private EntityRef<ApprovalIndex.Command> index(String tenantId) {
    return sharding.entityRefFor(ApprovalIndex.ENTITY_KEY, ApprovalIndex.entityIdFor(tenantId));
  }

  private CompletionStage<ApprovalRequest.View> ask(
      UUID id, Function<ActorRef<StatusReply<ApprovalRequest.View>>, ApprovalRequest.Command> command) {
    if (id == null) return CompletableFuture.failedFuture(new BusException("invalid_approval_id", "an id is required"));
    return sharding.entityRefFor(ApprovalRequest.ENTITY_KEY, id.toString())
        .askWithStatus(command::apply, askTimeout)
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(toBusException(e)));
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  private static Throwable toBusException(Throwable e) {
    Throwable cause = unwrap(e);
    if (cause instanceof StatusReply.ErrorMessage) {
      return new BusException(AgentErrors.code(cause), AgentErrors.message(cause));
    }
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return new BusException("timeout", "the approvals did not answer in time");
    }
    return cause;
  }
}
