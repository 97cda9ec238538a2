package dev.agentbus.node.http;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/** Builds every JSON answer of the API inside the envelope, with the request id and the hash headers. */
final class Responses {
  private Responses() {}

  /** The SDKs hard-code this value and reject an envelope that carries another one. */
  static final String CONSTITUTIONAL_HASH = "cdd01ef066bc6cf2";
  static final String REQUEST_ID_HEADER = "X-Request-ID";
  static final String HASH_HEADER = "X-Constitutional-Hash";

  private static final Pattern UUID_TEXT =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final Clock CLOCK = Clock.systemUTC();

  /** The client's {@code X-Request-ID} when it is a UUID (so logs on both sides match), else a new one. */
  static String requestId(HttpRequest request) {
    Optional<String> given = request.getHeader(REQUEST_ID_HEADER).map(HttpHeader::value).map(String::trim);
    return given.filter(Responses::isUuid).orElseGet(() -> UUID.randomUUID().toString());
  }

  static boolean isUuid(String text) {
    return text != null && UUID_TEXT.matcher(text).matches();
  }

  static HttpResponse ok(Object data, String requestId) {
    return success(200, data, requestId, null);
  }

  static HttpResponse created(Object data, String requestId) {
    return success(201, data, requestId, null);
  }

  static HttpResponse success(int status, Object data, String requestId, String version) {
    Envelope body = new Envelope(true, data, null, CONSTITUTIONAL_HASH, requestId, CLOCK.instant(), version);
    return json(status, body, requestId, null);
  }

  static HttpResponse error(ApiError e, String requestId) {
    Envelope.ErrorBody error = new Envelope.ErrorBody(e.code(), e.getMessage(), e.details(), CONSTITUTIONAL_HASH);
    Envelope body = new Envelope(false, null, error, CONSTITUTIONAL_HASH, requestId, CLOCK.instant(), null);
    return json(e.status(), body, requestId, e.retryAfterSeconds());
  }

  private static HttpResponse json(int status, Envelope body, String requestId, Integer retryAfter) {
    List<HttpHeader> headers = new ArrayList<>(3);
    headers.add(RawHeader.create(REQUEST_ID_HEADER, requestId));
    headers.add(RawHeader.create(HASH_HEADER, CONSTITUTIONAL_HASH));
    if (retryAfter != null) headers.add(RawHeader.create("Retry-After", Integer.toString(retryAfter)));
    return HttpResponse.create()
        .withStatus(StatusCodes.get(status))
        .addHeaders(headers)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, Json.bytes(body)));
  }
}
