package dev.agentbus.node.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * W7: sends over the HTTP API (SDK contract 4.1) on {@code --connections} HTTP/1.1 keep-alive
 * connections ({@link KeepAliveHttpClient}, one request in flight on each; the closed loop keeps that many
 * in flight). Set-up and the loss check use the JDK's {@link HttpClient}. Agents are registered over HTTP too ({@code agentId} and
 * {@code metadata.maciRole} in the body, the tenant in {@code X-Tenant-ID}); the recipients' inboxes are
 * read back over HTTP for the loss check.
 *
 * <p>A 201 (or 200 for a replay) answer counts by its {@code governance.status}: accepted or held. Any 4xx
 * is a rejection (429 and 503 are the bus's backpressure), a 5xx or an I/O error a failure.
 */
final class HttpWorkload implements AutoCloseable {

  private static final int BATCH = 64;
  /** Room for one answer of the send endpoint (about 1 KB) on each load connection. */
  private static final int ANSWER_BUFFER_BYTES = 64 * 1024;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final URI base;
  private final String hash;
  private final String apiKey;
  private final Duration timeout;
  private final ExecutorService executor;
  private final HttpClient client;
  private final int connections;
  private KeepAliveHttpClient load;

  HttpWorkload(URI base, String hash, String apiKey, Duration timeout, int connections) {
    String text = base.toString();
    this.base = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
    this.hash = hash;
    this.apiKey = apiKey;
    this.timeout = timeout;
    this.executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "bench-http-client");
      t.setDaemon(true);
      return t;
    });
    this.client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .executor(executor)
        .build();
    this.connections = connections;
  }

  URI base() {
    return base;
  }

  void register(AgentSet set) {
    inBatches(set.size(), i -> {
      String body = "{\"agentId\":\"" + set.ids[i] + "\",\"name\":\"" + set.ids[i]
          + "\",\"type\":\"bench\",\"capabilities\":[],\"metadata\":{\"maciRole\":\"" + set.roles[i].wire()
          + "\"},\"constitutionalHash\":\"" + hash + "\"}";
      return client.sendAsync(post("/api/v1/agents/register", set.tenants[i], body),
              HttpResponse.BodyHandlers.ofString())
          .thenAccept(r -> {
            if (r.statusCode() != 201) {
              throw new IllegalStateException("registering " + set.ids[i] + " answered " + r.statusCode() + ": "
                  + r.body());
            }
          });
    });
  }

  Operation operation(AgentSet set) {
    KeepAliveHttpClient keepAlive = loadClient();
    int n = set.size();
    String host = base.getHost() + ":" + port();
    return (seq, random) -> {
      int sender = random.nextInt(n);
      int recipient = set.recipientFor(sender, random);
      String type = switch (set.roles[sender]) {
        case EXECUTIVE -> "command";
        case LEGISLATIVE, JUDICIAL -> "query";
      };
      String body = "{\"type\":\"" + type + "\",\"priority\":\"normal\",\"sourceAgentId\":\"" + set.ids[sender]
          + "\",\"targetAgentId\":\"" + set.ids[recipient] + "\",\"payload\":{\"content\":\"status report " + seq
          + " from " + sender + "\"},\"constitutionalHash\":\"" + hash + "\"}";
      byte[] request = KeepAliveHttpClient.post(host, base.getRawPath() + "/api/v1/agents/" + set.ids[sender]
          + "/messages", headers(set.tenants[sender]), body);
      return keepAlive.send(request)
          .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .handle((r, error) -> {
            if (error != null) {
              Throwable cause = error.getCause() != null ? error.getCause() : error;
              return Outcome.failed("http_" + cause.getClass().getSimpleName());
            }
            Outcome o = classify(r.status(), r.body());
            if (o.kind() == Outcome.Kind.ACCEPTED) set.acceptedTo.incrementAndGet(recipient);
            return o;
          });
    };
  }

  private KeepAliveHttpClient loadClient() {
    if (load == null) {
      try {
        if (!"http".equals(base.getScheme())) {
          throw new IllegalStateException("W7 sends over plain http://, not " + base.getScheme());
        }
        load = new KeepAliveHttpClient(new InetSocketAddress(base.getHost(), port()), connections,
            ANSWER_BUFFER_BYTES);
      } catch (IOException e) {
        throw new IllegalStateException("cannot open " + connections + " connections to " + base + ": " + e, e);
      }
    }
    return load;
  }

  private int port() {
    return base.getPort() >= 0 ? base.getPort() : 80;
  }

  /** The headers of every request: the SDK's content type and hash, the tenant, the API key. */
  private Map<String, String> headers(String tenant) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", "application/json");
    h.put("X-Constitutional-Hash", hash);
    if (tenant != null) h.put("X-Tenant-ID", tenant);
    if (apiKey != null) h.put("X-API-Key", apiKey);
    return h;
  }

  static Outcome classify(int status, String body) {
    if (status == 200 || status == 201) {
      String governance = stringField(body, "governance.status");
      if ("accepted".equals(governance)) return Outcome.accepted();
      if ("pending_deliberation".equals(governance)) return Outcome.held();
      return Outcome.failed("http_" + status + "_without_governance_status");
    }
    if (status == 429 || status == 503) return Outcome.rejected("http_" + status);
    if (status >= 400 && status < 500) {
      String code = stringField(body, "code");
      return Outcome.rejected(code == null ? "http_" + status : code);
    }
    return Outcome.failed("http_" + status);
  }

  /** The string value of the first {@code "key": "value"} in a JSON text, without parsing all of it. */
  static String stringField(String json, String key) {
    if (json == null) return null;
    int at = json.indexOf("\"" + key + "\"");
    if (at < 0) return null;
    int i = json.indexOf(':', at + key.length() + 2);
    if (i < 0) return null;
    i++;
    while (i < json.length() && Character.isWhitespace(json.charAt(i))) i++;
    if (i >= json.length() || json.charAt(i) != '"') return null;
    int end = json.indexOf('"', i + 1);
    return end < 0 ? null : json.substring(i + 1, end);
  }

  /**
   * Messages of the workload's types readable per agent, from
   * {@code GET /api/v1/agents/{id}/messages?pageSize=1&type=...} ({@code data.total}).
   */
  long[] inboxTotals(AgentSet set) {
    long[] totals = new long[set.size()];
    for (var type : set.types()) inboxTotals(set, type.wire(), totals);
    return totals;
  }

  private void inboxTotals(AgentSet set, String type, long[] totals) {
    inBatches(set.size(), i -> client.sendAsync(get("/api/v1/agents/" + set.ids[i] + "/messages?pageSize=1&type="
            + type, set.tenants[i]), HttpResponse.BodyHandlers.ofString())
        .thenAccept(r -> {
          if (r.statusCode() != 200) {
            throw new IllegalStateException("reading the inbox of " + set.ids[i] + " answered " + r.statusCode());
          }
          try {
            JsonNode total = MAPPER.readTree(r.body()).path("data").path("total");
            if (!total.isNumber()) throw new IllegalStateException("no data.total in " + r.body());
            totals[i] += total.asLong();
          } catch (java.io.IOException e) {
            throw new IllegalStateException("unreadable inbox answer: " + e.getMessage(), e);
          }
        }));
  }

  private HttpRequest post(String path, String tenant, String body) {
    return request(path, tenant).POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  private HttpRequest get(String path, String tenant) {
    return request(path, tenant).GET().build();
  }

  private HttpRequest.Builder request(String path, String tenant) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
    headers(tenant).forEach(b::header);
    return b;
  }

  private void inBatches(int n, IntFunction<CompletableFuture<?>> call) {
    for (int from = 0; from < n; from += BATCH) {
      List<CompletableFuture<?>> batch = new ArrayList<>(BATCH);
      for (int i = from; i < Math.min(n, from + BATCH); i++) batch.add(call.apply(i));
      try {
        CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new))
            .get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      } catch (Exception e) {
        throw new IllegalStateException("HTTP setup failed against " + base + ": " + e, e);
      }
    }
  }

  @Override
  public void close() {
    if (load != null) load.close();
    executor.shutdownNow();
  }
}
