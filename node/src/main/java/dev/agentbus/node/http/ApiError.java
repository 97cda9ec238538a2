package dev.agentbus.node.http;

import java.util.List;
import java.util.Map;

/**
 * A refusal with the HTTP status, the stable {@code error.code} and the optional {@code error.details}
 * that go into the error envelope. Thrown or returned anywhere in a route; {@link ErrorMapping} turns
 * every other exception into one of these.
 */
public final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Seconds a client should wait before retrying a 503 (the SDKs need an integer). */
  static final int RETRY_AFTER_SECONDS = 2;

  private final int status;
  private final String code;
  private final Map<String, List<String>> details;
  private final Integer retryAfterSeconds;

  private ApiError(int status, String code, String message, Map<String, List<String>> details, Integer retryAfter) {
    // no stack trace: these are answers, not bugs, and the trace would never be shown anyway
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.details = details == null || details.isEmpty() ? null : Map.copyOf(details);
    this.retryAfterSeconds = retryAfter;
  }

  public static ApiError of(int status, String code, String message, Map<String, List<String>> details) {
    return new ApiError(status, code, message, details, null);
  }

  /** The request cannot be read at all (not JSON, a bad query parameter, a malformed path id). */
  public static ApiError badRequest(String code, String message) {
    return of(400, code, message, null);
  }

  /** The body is JSON but its fields are invalid; {@code details} is {@code {field: [messages]}}. */
  public static ApiError invalidFields(Map<String, List<String>> details) {
    StringBuilder text = new StringBuilder("Request validation failed");
    String sep = ": ";
    for (Map.Entry<String, List<String>> e : details.entrySet()) {
      text.append(sep).append(e.getKey()).append(' ').append(String.join("; ", e.getValue()));
      sep = ", ";
    }
    return of(422, "validation_failed", text.toString(), details);
  }

  public static ApiError invalidField(String field, String message) {
    return invalidFields(Map.of(field, List.of(message)));
  }

  public static ApiError unauthorized(String code, String message) {
    return of(401, code, message, null);
  }

  public static ApiError forbidden(String code, String message) {
    return of(403, code, message, null);
  }

  public static ApiError notFound(String code, String message) {
    return of(404, code, message, null);
  }

  public static ApiError conflict(String code, String message) {
    return of(409, code, message, null);
  }

  public static ApiError bodyTooLarge(long limit) {
    return of(413, "body_too_large", "Request body is larger than " + limit + " bytes", null);
  }

  public static ApiError unavailable(String code, String message) {
    return new ApiError(503, code, message, null, RETRY_AFTER_SECONDS);
  }

  public static ApiError internal() {
    return of(500, "internal_error", "The request failed inside the server", null);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  /** Null when there are none. */
  public Map<String, List<String>> details() {
    return details;
  }

  /** Null unless the client should retry later. */
  public Integer retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
