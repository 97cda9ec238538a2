package dev.agentbus.node.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.util.ByteString;

/**
 * Reads request bodies under the size limit. Whatever is not a JSON object is a 400 {@code invalid_json}
 * (it cannot be read at all); a JSON object with bad fields is a 422 later, in {@link Fields}.
 */
final class Bodies {
  /** How long a client may take to send a body within the limit. */
  private static final long READ_TIMEOUT_MILLIS = 10_000;

  private final long maxBytes;
  private final ClassicActorSystemProvider system;

  Bodies(long maxBytes, ClassicActorSystemProvider system) {
    this.maxBytes = maxBytes;
    this.system = system;
  }

  /** The body as a JSON object; 413 when it is too large, 400 when it is empty or not an object. */
  CompletionStage<ObjectNode> object(HttpRequest request) {
    return optionalObject(request).thenApply(o ->
        o.orElseThrow(() -> ApiError.badRequest("invalid_json", "A JSON object body is required")));
  }

  /** Like {@link #object}, but an empty body (e.g. a heartbeat sent without one) is allowed. */
  CompletionStage<Optional<ObjectNode>> optionalObject(HttpRequest request) {
    var entity = request.entity();
    // a declared length is refused before a byte is read; a chunked body is cut off at the limit
    if (entity.getContentLengthOption().orElse(0L) > maxBytes) {
      return CompletableFuture.failedFuture(ApiError.bodyTooLarge(maxBytes));
    }
    return entity.withSizeLimit(maxBytes).toStrict(READ_TIMEOUT_MILLIS, system)
        .thenApply(strict -> parse(strict.getData()));
  }

  static Optional<ObjectNode> parse(ByteString data) {
    if (data.isEmpty() || data.utf8String().isBlank()) return Optional.empty();
    JsonNode node;
    try {
      node = Json.MAPPER.readTree(data.toArray());
    } catch (JsonProcessingException e) {
      throw ApiError.badRequest("invalid_json", "Request body is not valid JSON: " + brief(e));
    } catch (IOException e) {
      throw ApiError.badRequest("invalid_json", "Request body could not be read");
    }
    if (node == null || node.isMissingNode()) return Optional.empty();
    if (!node.isObject()) {
      throw ApiError.badRequest("invalid_json", "Request body must be a JSON object, not " + kind(node));
    }
    return Optional.of((ObjectNode) node);
  }

  private static String brief(JsonProcessingException e) {
    // the original message without the echo of the body Jackson appends
    String m = e.getOriginalMessage();
    if (m == null) return "syntax error";
    m = m.replaceAll("[\\r\\n\\t]", " ");
    return m.length() > 200 ? m.substring(0, 200) + "..." : m;
  }

  private static String kind(JsonNode node) {
    return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }
}
