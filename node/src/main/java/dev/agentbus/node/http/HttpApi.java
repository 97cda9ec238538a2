package dev.agentbus.node.http;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.handleExceptions;
import static org.apache.pekko.http.javadsl.server.Directives.handleRejections;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefixTest;
import static org.apache.pekko.http.javadsl.server.Directives.reject;

import dev.agentbus.actors.approval.Approvals;
import dev.agentbus.actors.bus.AgentBus;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API that ACGS-2 SDK clients use unchanged (see {@code docs/openapi.yaml}): {@code /health},
 * {@code /api/v1/agents/...}, WebSocket push on {@code /ws} and {@code /api/v1/ws}, and, with API keys on,
 * {@code /api/v1/admin/...}. Every JSON answer, errors and unmatched routes included, is the SDK's
 * envelope. With keys on, everything under {@code /api/v1} needs a key; {@code /health} and
 * {@code /openapi.yaml} never do.
 */
public final class HttpApi {
  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

  /** Idle WebSocket subscribers get a ping this often, so proxies and the idle timeout keep them open. */
  private static final Duration WEBSOCKET_KEEP_ALIVE = Duration.ofSeconds(20);
  /** How long in-flight requests may finish when the node shuts down. */
  private static final Duration UNBIND_DEADLINE = Duration.ofSeconds(5);

  private HttpApi() {}

  /**
   * Binds the API with the tenancy the configuration asks for: API keys when
   * {@code agentbus.http.auth.enabled} is on (the default), else the tenant from {@code X-Tenant-ID}.
   */
  public static CompletionStage<ServerBinding> start(ActorSystem<?> system, AgentBus bus, HttpSettings settings) {
    return start(system, bus, settings, tenancy(system, bus));
  }

  static Tenancy tenancy(ActorSystem<?> system, AgentBus bus) {
    AuthSettings auth = AuthSettings.fromConfig(system.settings().config());
    if (!auth.enabled()) {
      log.warn("API keys are off (agentbus.http.auth.enabled): the X-Tenant-ID header is trusted as is");
      return Tenancy.fromTenantHeader();
    }
    return KeyTenancy.create(system, bus, auth);
  }

  public static CompletionStage<ServerBinding> start(
      ActorSystem<?> system, AgentBus bus, HttpSettings settings, Tenancy tenancy) {
    String configured = bus.governanceSettings().constitutionalHash();
    if (!Hashes.matches(configured)) {
      // the SDKs hard-code the hash: they would refuse every answer and every message would be denied
      log.warn("agentbus.governance.constitutional-hash is not the SDKs' {}; SDK clients will not work",
          Responses.CONSTITUTIONAL_HASH);
    }
    Route route = route(system, bus, settings, tenancy);
    return Http.get(system).newServerAt(settings.iface(), settings.port())
        .adaptSettings(s -> s.withWebsocketSettings(
            s.getWebsocketSettings().withPeriodicKeepAliveMaxIdle(WEBSOCKET_KEEP_ALIVE)))
        .bind(route)
        .thenApply(binding -> {
          log.info("HTTP API listening on {}", binding.localAddress());
          return binding.addToCoordinatedShutdown(UNBIND_DEADLINE, system);
        });
  }

  /** The whole API as one route (the server binds it; tests could too). */
  static Route route(ActorSystem<?> system, AgentBus bus, HttpSettings settings, Tenancy tenancy) {
    Clock clock = Clock.systemUTC();
    AgentAccess access = new AgentAccess(bus);
    Endpoint endpoint = new Endpoint(tenancy);
    Bodies bodies = new Bodies(settings.maxBodyBytes(), system);
    AgentRoutes agents = new AgentRoutes(bus, access, bodies, endpoint, clock);
    DeliberationRoutes deliberations = new DeliberationRoutes(bus, access, bodies, endpoint);
    PolicyRoutes policies = new PolicyRoutes(bus, bodies, endpoint);
    ApprovalRoutes approvals = new ApprovalRoutes(bus, Approvals.get(system), bodies, endpoint);
    PushRoute push = new PushRoute(bus, access, tenancy, system);
    SystemRoutes root = new SystemRoutes(SystemRoutes.version(system.settings().config()), clock);
    Route admin = adminRoute(bus, tenancy, bodies, endpoint);
    return handleExceptions(ErrorMapping.exceptionHandler(), () ->
        handleRejections(ErrorMapping.rejectionHandler(), () -> concat(
            root.route(),
            path("ws", () -> get(() -> tenancy.authenticatePush(push::route))),
            pathPrefix("api", () -> pathPrefix("v1", () -> concat(
                path("ws", () -> get(() -> tenancy.authenticatePush(push::route))),
                tenancy.authenticate(() -> concat(
                    pathPrefixTest("agents", () -> tenancy.requireScope(KeyTenancy.AGENT_SCOPES, agents::route)),
                    pathPrefixTest("deliberations",
                        () -> tenancy.requireScope(KeyTenancy.AGENT_SCOPES, deliberations::route)),
                    pathPrefixTest("policies", () -> tenancy.requireScope(KeyTenancy.AGENT_SCOPES, policies::route)),
                    // the approvals API is mounted twice, as the SDK's two services expect
                    pathPrefixTest("hitl-approvals",
                        () -> tenancy.requireScope(KeyTenancy.AGENT_SCOPES, approvals::route)),
                    pathPrefixTest("governance", () -> tenancy.requireScope(KeyTenancy.AGENT_SCOPES, approvals::route)),
                    admin))))))));
  }

  /** The admin endpoints exist only with keys on: without keys there is nobody to call them. */
  private static Route adminRoute(AgentBus bus, Tenancy tenancy, Bodies bodies, Endpoint endpoint) {
    if (!(tenancy instanceof KeyTenancy keys)) return reject();
    AdminRoutes admin = new AdminRoutes(keys.keys(), bodies, endpoint, bus.settings().defaultPageSize(),
        bus.settings().maxPageSize());
    return pathPrefixTest("admin", () -> tenancy.requireScope(KeyTenancy.ADMIN_SCOPES, admin::route));
  }
}
