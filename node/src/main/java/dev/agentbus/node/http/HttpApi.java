package dev.agentbus.node.http;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.handleExceptions;
import static org.apache.pekko.http.javadsl.server.Directives.handleRejections;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;

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
 * {@code /api/v1/agents/...}, and WebSocket push on {@code /ws} and {@code /api/v1/ws}. Every JSON answer,
 * errors and unmatched routes included, is the SDK's envelope.
 */
public final class HttpApi {
  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

  /** Idle WebSocket subscribers get a ping this often, so proxies and the idle timeout keep them open. */
  private static final Duration WEBSOCKET_KEEP_ALIVE = Duration.ofSeconds(20);
  /** How long in-flight requests may finish when the node shuts down. */
  private static final Duration UNBIND_DEADLINE = Duration.ofSeconds(5);

  private HttpApi() {}

  /** Binds the API with the tenant taken from {@code X-Tenant-ID}. */
  public static CompletionStage<ServerBinding> start(ActorSystem<?> system, AgentBus bus, HttpSettings settings) {
    return start(system, bus, settings, Tenancy.fromTenantHeader());
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
    PushRoute push = new PushRoute(bus, access, tenancy, system);
    SystemRoutes root = new SystemRoutes(SystemRoutes.version(system.settings().config()), clock);
    return handleExceptions(ErrorMapping.exceptionHandler(), () ->
        handleRejections(ErrorMapping.rejectionHandler(), () -> concat(
            root.route(),
            path("ws", () -> get(push::route)),
            pathPrefix("api", () -> pathPrefix("v1", () -> concat(
                agents.route(),
                path("ws", () -> get(push::route))))))));
  }
}
