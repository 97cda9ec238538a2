package dev.agentbus.node.http;

import static org.apache.pekko.http.javadsl.server.Directives.handleExceptions;
import static org.apache.pekko.http.javadsl.server.Directives.handleRejections;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.agentbus.actors.bus.AgentBus;
import dev.agentbus.actors.bus.Registration;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageStatus;
import dev.agentbus.actors.model.Priority;
import dev.agentbus.persistence.Database;
import dev.agentbus.persistence.SchemaMigrations;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.server.Route;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The deliberation endpoints bound alone (tenant from X-Tenant-ID) on a one-node bus with in-memory H2. */
class DeliberationEndpointsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HASH = "cdd01ef066bc6cf2";
  private static ActorSystem<Void> system;
  private static AgentBus bus;
  private static int port;
  private static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void start() throws Exception {
    Database db = Database.h2Memory("deliberation-" + UUID.randomUUID());
    SchemaMigrations.migrate(db);
    Config cfg = ConfigFactory.parseString("""
            pekko.remote.artery.canonical.port = 0
            pekko.management.http.port = 0
            pekko.loglevel = WARNING
            pekko.coordinated-shutdown.exit-jvm = off
            """)
        .withFallback(db.toConfig())
        .withFallback(ConfigFactory.parseResources("agentbus-node.conf"))
        .withFallback(ConfigFactory.load())
        .resolve();
    system = ActorSystem.create(Behaviors.empty(), "AgentBus", cfg);
    Cluster cluster = Cluster.get(system);
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    bus = AgentBus.get(system);
    Endpoint endpoint = new Endpoint(Tenancy.fromTenantHeader());
    DeliberationRoutes routes =
        new DeliberationRoutes(bus, new AgentAccess(bus), new Bodies(256 * 1024, system), endpoint);
    Route route = handleExceptions(ErrorMapping.exceptionHandler(), () ->
        handleRejections(ErrorMapping.rejectionHandler(), () ->
            pathPrefix("api", () -> pathPrefix("v1", routes::route))));
    port = Http.get(system).newServerAt("127.0.0.1", 0).bind(route).toCompletableFuture()
        .get(30, TimeUnit.SECONDS).localAddress().getPort();
  }

  @AfterAll
  static void stop() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static <T> T await(CompletionStage<T> stage) {
    return stage.toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
  }

  private static String agent(String tenant, MaciRole role, String... capabilities) {
    return await(bus.register(new Registration(null, "a", "llm", tenant, role, List.of(capabilities), Map.of()))).id();
  }

  private record Answer(int status, JsonNode body) {
    JsonNode data() {
      return body.get("data");
    }

    String errorCode() {
      return body.path("error").path("code").asText(null);
    }
  }

  private static Answer call(String method, String path, String tenant, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(20))
        .header("X-Tenant-ID", tenant)
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), JSON.readTree(r.body()));
  }

  private static String vote(String agentId, String vote) {
    return "{\"agentId\":\"" + agentId + "\",\"vote\":\"" + vote + "\",\"reason\":\"checked\"}";
  }

  @Test
  void listsShowsAndTakesVotesOnTheTenantsDeliberations() throws Exception {
    String tenant = "t-" + UUID.randomUUID();
    String sender = agent(tenant, MaciRole.EXECUTIVE);
    String recipient = agent(tenant, MaciRole.EXECUTIVE);
    String supervisor = agent(tenant, MaciRole.JUDICIAL, "supervisor");
    String compliance = agent(tenant, MaciRole.JUDICIAL, "compliance");
    String judge = agent(tenant, MaciRole.JUDICIAL);
    AgentMessage m = new AgentMessage(UUID.randomUUID(), dev.agentbus.actors.model.MessageType.QUERY,
        Priority.CRITICAL, sender, recipient, tenant, JSON.readTree("{\"query\":\"status\"}"), null, null, HASH,
        Instant.now(), null, null, Map.of());
    assertEquals(MessageStatus.PENDING_DELIBERATION, await(bus.send(m)).status());
    String id = m.id().toString();

    Answer list = call("GET", "/api/v1/deliberations", tenant, null);
    assertEquals(200, list.status(), list.body()::toString);
    assertEquals(id, list.data().get("items").get(0).get("messageId").asText());
    assertEquals("critical", list.data().get("items").get(0).get("priority").asText());

    Answer one = call("GET", "/api/v1/deliberations/" + id, tenant, null);
    assertEquals(200, one.status(), one.body()::toString);
    assertEquals("collecting", one.data().get("status").asText());
    assertEquals("pending_deliberation", one.data().get("messageStatus").asText());
    assertEquals(3, one.data().get("voters").size());
    assertEquals(id, one.data().get("message").get("id").asText());

    assertEquals(404, call("GET", "/api/v1/deliberations/" + id, "other-tenant", null).status());
    assertEquals(400, call("GET", "/api/v1/deliberations/not-a-uuid", tenant, null).status());

    Answer self = call("POST", "/api/v1/deliberations/" + id + "/votes", tenant, vote(sender, "approve"));
    assertEquals(403, self.status(), self.body()::toString);
    assertEquals("self_vote", self.errorCode());
    Answer invalid = call("POST", "/api/v1/deliberations/" + id + "/votes", tenant, vote(judge, "maybe"));
    assertEquals(422, invalid.status(), invalid.body()::toString);

    Answer first = call("POST", "/api/v1/deliberations/" + id + "/votes", tenant, vote(judge, "approve"));
    assertEquals(200, first.status(), first.body()::toString);
    assertEquals(judge, first.data().get("votes").get(0).get("agentId").asText());
    call("POST", "/api/v1/deliberations/" + id + "/votes", tenant, vote(supervisor, "approve"));
    Answer decided = call("POST", "/api/v1/deliberations/" + id + "/votes", tenant, vote(compliance, "approve"));
    assertEquals("decided", decided.data().get("status").asText());
    assertEquals("approved", decided.data().get("outcome").asText());
    assertEquals("accepted", decided.data().get("messageStatus").asText());

    Answer late = call("POST", "/api/v1/deliberations/" + id + "/votes", tenant, vote(judge, "reject"));
    assertEquals(409, late.status(), late.body()::toString);
    assertEquals("deliberation_closed", late.errorCode());
  }
}
