package dev.agentbus.actors.policy;

import dev.agentbus.actors.agent.AgentErrors;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * The facade of the policy registry on one node: starts the sharded {@link PolicyRegistry} and this
 * node's {@link PolicyDistribution}, and asks the registry with the configured timeout. Failures come
 * back as {@link PolicyException} with the registry's reason code.
 */
public final class Policies {

  /** A refused registry operation: {@code policy_not_found}, {@code policy_does_not_compile}, ... */
  public static final class PolicyException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String code;

    public PolicyException(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }

    public String code() {
      return code;
    }
  }

  private final ClusterSharding sharding;
  private final ActivePolicy active;
  private final PolicySettings settings;
  private final Duration askTimeout;

  private Policies(ClusterSharding sharding, ActivePolicy active, PolicySettings settings) {
    this.sharding = sharding;
    this.active = active;
    this.settings = settings;
    this.askTimeout = settings.askTimeout();
  }

  /** Starts the registry's sharding and the distribution of the active bundle into {@code active}. */
  public static Policies init(ActorSystem<?> system, ClusterSharding sharding, ActivePolicy active,
      PolicySettings settings, Clock clock, BackoffSupervisorStrategy restart) {
    Policies policies = new Policies(sharding, active, settings);
    // the registry first: the distribution reads from it as soon as it starts
    AtomicReference<ActorRef<PolicyDistribution.Command>> distribution = new AtomicReference<>();
    PolicyRegistry.Settings registrySettings = PolicyRegistry.Settings.from(settings);
    sharding.init(Entity.of(PolicyRegistry.ENTITY_KEY, ctx -> PolicyRegistry.create(ctx.getEntityId(),
        registrySettings, bundle -> {
          ActorRef<PolicyDistribution.Command> d = distribution.get();
          // not yet started: it reads the active bundle from the registry when it starts
          if (d != null) d.tell(new PolicyDistribution.Publish(bundle));
        }, clock, restart)));
    distribution.set(system.systemActorOf(
        PolicyDistribution.create(active, policies::activeInRegistry, settings.writeTimeout(), settings.readRetry()),
        "policy-distribution", Props.empty()));
    return policies;
  }

  public PolicySettings settings() {
    return settings;
  }

  /** This node's active bundle (the pipeline step). */
  public ActivePolicy active() {
    return active;
  }

  /** A new draft; its id is a new UUID. */
  public CompletionStage<PolicyRegistry.PolicyView> upload(String name, String description, List<String> tags,
      ConstitutionBundle bundle, String principal) {
    String id = UUID.randomUUID().toString();
    return upload(id, name, description, tags, bundle, principal);
  }

  public CompletionStage<PolicyRegistry.PolicyView> upload(String policyId, String name, String description,
      List<String> tags, ConstitutionBundle bundle, String principal) {
    return ask(r -> new PolicyRegistry.Upload(policyId, name, description, tags, bundle.toJson(), principal, r));
  }

  /** A new version; null fields (and a null bundle) keep the current ones. */
  public CompletionStage<PolicyRegistry.PolicyView> revise(String policyId, String name, String description,
      List<String> tags, ConstitutionBundle bundle, String principal) {
    return ask(r -> new PolicyRegistry.Revise(policyId, name, description, tags,
        bundle == null ? null : bundle.toJson(), principal, r));
  }

  public CompletionStage<PolicyRegistry.PolicyView> sign(String policyId, ConstitutionBundle.Signature signature,
      String principal) {
    return ask(r -> new PolicyRegistry.Sign(policyId, signature, principal, r));
  }

  public CompletionStage<PolicyRegistry.PolicyView> changeStatus(String policyId, PolicyStatus status,
      String principal) {
    return ask(r -> new PolicyRegistry.ChangeStatus(policyId, status, principal, r));
  }

  public CompletionStage<PolicyRegistry.PolicyView> activate(String policyId, String principal) {
    return changeStatus(policyId, PolicyStatus.ACTIVE, principal);
  }

  public CompletionStage<PolicyRegistry.PolicyView> rollBack(String principal) {
    return ask(r -> new PolicyRegistry.RollBack(principal, r));
  }

  public CompletionStage<PolicyRegistry.PolicyView> get(String policyId) {
    return ask(r -> new PolicyRegistry.Get(policyId, r));
  }

  public CompletionStage<List<PolicyRegistry.PolicyView>> list() {
    return ask(PolicyRegistry.ListPolicies::new);
  }

  /** The active bundle as the registry holds it (not this node's copy: see {@link #active()}). */
  public CompletionStage<ActiveBundle> activeInRegistry() {
    return ask(PolicyRegistry.GetActive::new);
  }

  private EntityRef<PolicyRegistry.Command> registry() {
    return sharding.entityRefFor(PolicyRegistry.ENTITY_KEY, PolicyRegistry.ENTITY_ID);
  }

  private <T> CompletionStage<T> ask(Function<ActorRef<StatusReply<T>>, PolicyRegistry.Command> command) {
    return registry().askWithStatus(command::apply, askTimeout)
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(toPolicyException(e)));
  }

  private static Throwable toPolicyException(Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof StatusReply.ErrorMessage) {
      return new PolicyException(AgentErrors.code(cause), AgentErrors.message(cause));
    }
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return new PolicyException("timeout", "the policy registry did not answer in time");
    }
    return cause;
  }
}
