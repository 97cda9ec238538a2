package dev.agentbus.node.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.agentbus.actors.bus.BusException;
import dev.agentbus.actors.governance.Reason;
import dev.agentbus.actors.governance.ReasonCodes;
import dev.agentbus.actors.policy.OpaPolicy;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamException;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.pattern.AskTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps everything that can go wrong to a status and an error code (SDK contract 1.6): bus refusals,
 * governance denials, timeouts, unmatched routes, and, as a last resort, any exception, which becomes a
 * 500 envelope without its message or stack trace.
 */
final class ErrorMapping {
  private ErrorMapping() {}

  private static final Logger log = LoggerFactory.getLogger(ErrorMapping.class);

  /** Denials about the message itself: the client must change it (TS surfaces 422 as ValidationError). */
  private static final Set<String> UNPROCESSABLE = Set.of(
      ReasonCodes.MISSING_MESSAGE_ID, ReasonCodes.UNKNOWN_MESSAGE_TYPE, ReasonCodes.INVALID_PAYLOAD,
      ReasonCodes.PAYLOAD_TOO_LARGE, ReasonCodes.MESSAGE_EXPIRED, ReasonCodes.MISSING_SOURCE,
      ReasonCodes.CONSTITUTIONAL_HASH_MISSING, ReasonCodes.CONSTITUTIONAL_HASH_MISMATCH,
      ReasonCodes.PROMPT_INJECTION,
      // a step failed on this message's content (e.g. nesting too deep); retrying it would fail again
      ReasonCodes.GOVERNANCE_ERROR);

  /** The status of a governance denial, by its first reason code. */
  static int statusForReason(String code) {
    if (UNPROCESSABLE.contains(code)) return 422;
    return switch (code) {
      case "unknown_recipient" -> 404;
      // the recipient exists but cannot take messages now
      case "recipient_inactive" -> 409;
      // nothing was recorded, or the tenant's deliberation queue is full: try again later
      // (opa_unavailable: the external policy could not decide, so the message was refused; fail closed)
      case "ledger_unavailable", "timeout", "overloaded", "deliberation_queue_full", OpaPolicy.UNAVAILABLE -> 503;
      // tenant_mismatch, maci_*, and any policy step's code: the caller is not allowed to do this
      default -> 403;
    };
  }

  /** A governance denial as an error answer: the first reason is the error, all codes go in details. */
  static ApiError denial(List<Reason> reasons) {
    Reason first = reasons.isEmpty() ? new Reason(ReasonCodes.GOVERNANCE_ERROR, "Message refused") : reasons.get(0);
    List<String> codes = reasons.stream().map(Reason::code).distinct().toList();
    int status = statusForReason(first.code());
    if (status == 503) return ApiError.unavailable(first.code(), first.message());
    return ApiError.of(status, first.code(), first.message(), Map.of("reasons", codes));
  }

  static ApiError toApiError(Throwable failure) {
    Throwable e = unwrap(failure);
    if (e instanceof ApiError api) return api;
    if (e instanceof BusException bus) return fromBus(bus);
    if (e instanceof EntityStreamSizeException size) return ApiError.bodyTooLarge(size.limit());
    if (e instanceof EntityStreamException stream) {
      // Pekko's other way of saying the body went over a limit; anything else is a broken upload
      String text = String.valueOf(stream.getMessage());
      return text.contains("too large")
          ? ApiError.of(413, "body_too_large", "Request body is too large", null)
          : ApiError.badRequest("bad_request", "Request body could not be read");
    }
    if (e instanceof TimeoutException || e instanceof AskTimeoutException) {
      return ApiError.unavailable("timeout", "The bus did not answer in time");
    }
    if (e instanceof JsonProcessingException) return ApiError.badRequest("invalid_json", "Request body is not valid JSON");
    log.error("Unexpected failure in the HTTP API", e);
    return ApiError.internal();
  }

  static ApiError fromBus(BusException e) {
    String code = e.code();
    return switch (code) {
      case "agent_not_found", "message_not_found", "key_not_found" -> ApiError.notFound(code, e.getMessage());
      case "agent_already_registered", "tenant_exists", "key_exists", "last_admin_key" ->
          ApiError.conflict(code, e.getMessage());
      // the body names a tenant that does not exist: a field to fix, not a missing resource
      case "tenant_not_found" -> ApiError.of(422, code, e.getMessage(), Map.of("tenantId", List.of("no such tenant")));
      case "timeout", "ledger_unavailable" -> ApiError.unavailable(code, e.getMessage());
      case "invalid_agent_id" -> ApiError.badRequest(code, e.getMessage());
      case "internal_error" -> ApiError.internal();
      // any other refusal the bus adds later: a refusal, not a crash
      default -> ApiError.of(422, code, e.getMessage(), null);
    };
  }

  private static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Anything thrown while routing, as an envelope. */
  static ExceptionHandler exceptionHandler() {
    return ExceptionHandler.newBuilder()
        .matchAny(e -> Directives.extractRequest(req ->
            Directives.complete(Responses.error(toApiError(e), Responses.requestId(req)))))
        .build();
  }

  /** Unmatched paths and methods, and any other rejection, as envelopes instead of Pekko's plain text. */
  static RejectionHandler rejectionHandler() {
    return RejectionHandler.newBuilder()
        .handleAll(MethodRejection.class, rejections -> Directives.extractRequest(req -> {
          String allowed = rejections.stream().map(r -> r.supported().name()).distinct()
              .collect(Collectors.joining(", "));
          HttpResponse response = Responses.error(
              ApiError.of(405, "method_not_allowed", req.method().name() + " is not allowed here; use " + allowed,
                  null),
              Responses.requestId(req));
          return Directives.complete(response.addHeader(RawHeader.create("Allow", allowed)));
        }))
        .handleNotFound(notFound())
        .build()
        .withFallback(RejectionHandler.defaultHandler())
        .mapRejectionResponse(ErrorMapping::envelopeIfPlain);
  }

  private static Route notFound() {
    return Directives.extractRequest(req -> Directives.complete(Responses.error(
        ApiError.notFound("not_found", "No endpoint " + req.method().name() + " " + req.getUri().path()),
        Responses.requestId(req))));
  }

  /** Pekko's default rejection answers are text; wrap them, keeping their status and message. */
  private static HttpResponse envelopeIfPlain(HttpResponse response) {
    if (response.entity().getContentType().mediaType().toString().startsWith("application/json")) return response;
    String text = response.entity() instanceof org.apache.pekko.http.javadsl.model.HttpEntity.Strict strict
        ? strict.getData().utf8String()
        : "Request refused";
    int status = response.status().intValue();
    String code = status == 400 ? "bad_request" : "http_" + status;
    return Responses.error(ApiError.of(status, code, text, null), java.util.UUID.randomUUID().toString());
  }
}
