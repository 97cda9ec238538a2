package dev.agentbus.node.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Root paths: {@code GET /health} (never authenticated; {@code version} also at the top level, where the
 * Python SDK reads it) and {@code GET /openapi.yaml} (the API description, from the classpath).
 */
final class SystemRoutes {
  static final String OPENAPI_RESOURCE = "openapi.yaml";

  private final String version;
  private final Clock clock;
  private final byte[] openApi;

  SystemRoutes(String version, Clock clock) {
    this.version = version;
    this.clock = clock;
    this.openApi = readResource(OPENAPI_RESOURCE);
  }

  /** {@code agentbus.version} when the build sets it, else the jar's manifest version. */
  static String version(Config config) {
    if (config.hasPath("agentbus.version")) return config.getString("agentbus.version");
    String manifest = SystemRoutes.class.getPackage().getImplementationVersion();
    return manifest != null ? manifest : "unknown";
  }

  Route route() {
    return concat(
        path("health", () -> get(() -> extractRequest(req -> complete(Responses.success(200,
            new HealthView("healthy", version, clock.instant(), Responses.CONSTITUTIONAL_HASH),
            Responses.requestId(req), version))))),
        path("openapi.yaml", () -> get(() -> extractRequest(req -> complete(openApi(req))))));
  }

  private HttpResponse openApi(org.apache.pekko.http.javadsl.model.HttpRequest req) {
    if (openApi == null) {
      return Responses.error(ApiError.notFound("not_found", "The API description is not packaged"),
          Responses.requestId(req));
    }
    return HttpResponse.create().withEntity(HttpEntities.create(
        ContentTypes.create(MediaTypes.applicationWithFixedCharset("yaml", HttpCharsets.UTF_8, "yaml")), openApi));
  }

  private static byte[] readResource(String name) {
    try (InputStream in = SystemRoutes.class.getClassLoader().getResourceAsStream(name)) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
