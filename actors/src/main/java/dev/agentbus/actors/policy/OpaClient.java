package dev.agentbus.actors.policy;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * The transport to OPA: POST a JSON body to the data API, complete with the body of a 2xx answer.
 * Anything else (connection refused, a timeout, another status) fails the stage.
 */
@FunctionalInterface
public interface OpaClient {

  CompletionStage<String> post(String json);

  /** Over the JDK's asynchronous {@link HttpClient} (no HTTP framework in this module). */
  static OpaClient http(OpaSettings settings) {
    Objects.requireNonNull(settings, "settings");
    HttpClient client = HttpClient.newBuilder().connectTimeout(settings.connectTimeout()).build();
    return json -> client.sendAsync(HttpRequest.newBuilder(settings.dataUri())
            .timeout(settings.callTimeout())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
            .build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
        .thenApply(r -> {
          if (r.statusCode() / 100 != 2) throw new OpaException("OPA answered HTTP " + r.statusCode());
          return r.body();
        });
  }

  /** OPA could not be asked, or its answer could not be read. */
  final class OpaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OpaException(String message) {
      super(message, null, false, false);
    }
  }
}
