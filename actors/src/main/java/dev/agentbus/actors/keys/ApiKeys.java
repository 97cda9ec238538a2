package dev.agentbus.actors.keys;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.agentbus.actors.CborSerializable;
import dev.agentbus.actors.Stages;
import dev.agentbus.actors.agent.AgentErrors;
import dev.agentbus.actors.bus.BusException;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.pattern.StatusReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's view of the key store: registers the {@link ApiKeyStore} entity and answers key lookups
 * from a bounded per-node cache with a short TTL ({@code agentbus.keys.cache-ttl}), so the request path
 * does not ask the entity every time. A revocation drops the cached entry on this node at once and is
 * broadcast on a cluster topic so other nodes drop theirs too; a node that misses the broadcast (e.g.
 * during a partition) still honours the revocation when its entry expires, within the TTL.
 */
public final class ApiKeys implements Extension {

  private static final Logger log = LoggerFactory.getLogger(ApiKeys.class);

  public static final class Id extends ExtensionId<ApiKeys> {
    private static final Id INSTANCE = new Id();

    @Override
    public ApiKeys createExtension(ActorSystem<?> system) {
      return new ApiKeys(system, Clock.systemUTC());
    }
  }

  public static ApiKeys get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  /** Broadcast after a revocation: every node drops this key from its lookup cache. */
  public record Revoked(String keyHash) implements CborSerializable {}

  static final String REVOCATION_TOPIC = "agentbus-api-key-revocations";

  private final KeySettings settings;
  private final EntityRef<ApiKeyStore.Command> store;
  private final AsyncLoadingCache<String, Optional<ApiKey>> cache;
  private final ActorRef<Topic.Command<Revoked>> revocations;

  private ApiKeys(ActorSystem<?> system, Clock clock) {
    this.settings = KeySettings.create(system.settings().config());
    ClusterSharding sharding = ClusterSharding.get(system);
    var storeSettings = new ApiKeyStore.Settings(settings.snapshotEvery());
    var restart = SupervisorStrategy.restartWithBackoff(
        settings.backoffMin(), settings.backoffMax(), settings.backoffRandomFactor());
    sharding.init(Entity.of(ApiKeyStore.ENTITY_KEY,
        ctx -> ApiKeyStore.create(ctx.getEntityId(), storeSettings, clock, restart)));
    this.store = sharding.entityRefFor(ApiKeyStore.ENTITY_KEY, ApiKeyStore.ENTITY_ID);
    // negative answers are cached too, so random keys cannot make every request ask the entity
    this.cache = Caffeine.newBuilder()
        .maximumSize(settings.cacheMaxEntries())
        .expireAfterWrite(settings.cacheTtl())
        .buildAsync(this::load);
    this.revocations = system.systemActorOf(Topic.create(Revoked.class, REVOCATION_TOPIC),
        "api-key-revocations", Props.empty());
    ActorRef<Revoked> listener = system.systemActorOf(revocationListener(), "api-key-revocation-listener",
        Props.empty());
    revocations.tell(Topic.subscribe(listener));
  }

  public KeySettings settings() {
    return settings;
  }

  // ---- the request path ----

  /** The stored key for a presented secret (revoked keys included), from the cache when possible. */
  public CompletionStage<Optional<ApiKey>> lookup(String presentedKey) {
    if (presentedKey == null || presentedKey.isBlank()) return CompletableFuture.completedFuture(Optional.empty());
    return cache.get(ApiKeySecrets.hash(presentedKey));
  }

  private CompletableFuture<Optional<ApiKey>> load(String keyHash, Executor executor) {
    return Stages.plain(store.<ApiKeyStore.KeyLookup>ask(
            replyTo -> new ApiKeyStore.Lookup(keyHash, replyTo), settings.askTimeout()))
        .thenApply(r -> Optional.ofNullable(r.key()));
  }

  // ---- administration ----

  public CompletionStage<IssuedKey> issue(String tenantId, String principal, Collection<Scope> scopes) {
    return issue(tenantId, principal, scopes, List.of());
  }

  /** @param roles the principal's approver roles (approval policies name the roles they need) */
  public CompletionStage<IssuedKey> issue(
      String tenantId, String principal, Collection<Scope> scopes, Collection<String> roles) {
    String secret = ApiKeySecrets.generate();
    String keyId = UUID.randomUUID().toString();
    String keyHash = ApiKeySecrets.hash(secret);
    return this.<ApiKey>askStore(replyTo -> new ApiKeyStore.IssueKey(keyId, keyHash, tenantId, principal,
            List.copyOf(scopes), List.copyOf(roles), replyTo))
        .thenApply(key -> new IssuedKey(key, secret));
  }

  /** Revokes the key; this node stops accepting it at once, the others on the broadcast or within the TTL. */
  public CompletionStage<ApiKey> revoke(String keyId) {
    return this.<ApiKey>askStore(replyTo -> new ApiKeyStore.RevokeKey(keyId, replyTo)).thenApply(key -> {
      cache.synchronous().invalidate(key.keyHash());
      revocations.tell(Topic.publish(new Revoked(key.keyHash())));
      return key;
    });
  }

  public CompletionStage<List<ApiKey>> keys() {
    return store.<ApiKeyStore.KeyList>ask(ApiKeyStore.GetKeys::new, settings.askTimeout())
        .thenApply(ApiKeyStore.KeyList::keys)
        .exceptionallyCompose(ApiKeys::failed);
  }

  public CompletionStage<Tenant> createTenant(String tenantId, String name) {
    return this.<Tenant>askStore(replyTo -> new ApiKeyStore.CreateTenant(tenantId, name, replyTo));
  }

  public CompletionStage<List<Tenant>> tenants() {
    return store.<ApiKeyStore.TenantList>ask(ApiKeyStore.GetTenants::new, settings.askTimeout())
        .thenApply(ApiKeyStore.TenantList::tenants)
        .exceptionallyCompose(ApiKeys::failed);
  }

  // ---- first start ----

  /**
   * Issues the admin key of the default tenant unless an active admin key exists: {@code given} when
   * present (it must be at least {@code min-given-key-length} characters), else a generated one. Empty
   * when nothing was issued. The store decides, so concurrent starts of several nodes issue one key.
   * Retries while the store is not reachable yet (a forming cluster), up to {@code bootstrap-timeout}.
   */
  public CompletionStage<Optional<IssuedKey>> bootstrap(Optional<String> given) {
    Optional<String> trimmed = given.map(String::trim).filter(s -> !s.isEmpty());
    if (trimmed.isPresent() && trimmed.get().length() < settings.minGivenKeyLength()) {
      return CompletableFuture.failedFuture(new IllegalArgumentException(
          "the bootstrap key must be at least " + settings.minGivenKeyLength() + " characters"));
    }
    String secret = trimmed.orElseGet(ApiKeySecrets::generate);
    String keyId = UUID.randomUUID().toString();
    String keyHash = ApiKeySecrets.hash(secret);
    long deadline = System.nanoTime() + settings.bootstrapTimeout().toNanos();
    Supplier<CompletionStage<ApiKeyStore.BootstrapResult>> attempt = () -> store.ask(
        replyTo -> new ApiKeyStore.Bootstrap(settings.defaultTenant(), settings.defaultTenantName(), keyId, keyHash,
            settings.bootstrapPrincipal(), List.of(Scope.ADMIN, Scope.OPERATOR), replyTo),
        settings.askTimeout());
    return retryOnTimeout(attempt, deadline)
        .thenApply(r -> Optional.ofNullable(r.issued()).map(key -> new IssuedKey(key, secret)));
  }

  private static <T> CompletionStage<T> retryOnTimeout(Supplier<CompletionStage<T>> attempt, long deadline) {
    return attempt.get().exceptionallyCompose(e -> {
      if (unwrap(e) instanceof TimeoutException && System.nanoTime() < deadline) {
        log.info("Key store not reachable yet; retrying the bootstrap key");
        return retryOnTimeout(attempt, deadline);
      }
      return CompletableFuture.failedFuture(e);
    });
  }

  // ---- plumbing ----

  private Behavior<Revoked> revocationListener() {
    return Behaviors.receive(Revoked.class)
        .onMessage(Revoked.class, this::onRevoked)
        .build();
  }

  private Behavior<Revoked> onRevoked(Revoked r) {
    cache.synchronous().invalidate(r.keyHash());
    return Behaviors.same();
  }

  private <T> CompletionStage<T> askStore(Function<ActorRef<StatusReply<T>>, ApiKeyStore.Command> command) {
    return store.askWithStatus(command::apply, settings.askTimeout()).exceptionallyCompose(ApiKeys::failed);
  }

  /** Entity refusals become {@link BusException}s with the entity's code; timeouts become code {@code timeout}. */
  private static <T> CompletionStage<T> failed(Throwable e) {
    Throwable cause = unwrap(e);
    if (cause instanceof StatusReply.ErrorMessage) {
      return CompletableFuture.failedFuture(new BusException(AgentErrors.code(cause), AgentErrors.message(cause)));
    }
    if (cause instanceof TimeoutException) {
      return CompletableFuture.failedFuture(new BusException("timeout", "the key store did not answer in time"));
    }
    return CompletableFuture.failedFuture(cause);
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }
}
