package dev.agentbus.node.http;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Runs one API handler: assigns the request id, checks the constitutional-hash header, identifies the
 * caller, and wraps the handler's {@link Reply} or failure in the envelope. A handler may throw or fail
 * its stage; either way the client gets an envelope with a mapped status.
 */
final class Endpoint {
  private final Tenancy tenancy;

  Endpoint(Tenancy tenancy) {
    this.tenancy = tenancy;
  }

  Route respond(Function<Exchange, CompletionStage<Reply>> handler) {
    return Directives.extractRequest(request -> {
      String requestId = Responses.requestId(request);
      CompletionStage<Reply> reply;
      try {
        Hashes.checkGiven(request.getHeader(Responses.HASH_HEADER).map(HttpHeader::value), Responses.HASH_HEADER);
        Exchange exchange = new Exchange(request, requestId, tenancy.identify(request));
        reply = handler.apply(exchange);
      } catch (RuntimeException e) {
        reply = CompletableFuture.failedFuture(e);
      }
      CompletionStage<HttpResponse> response = reply.handle((r, e) -> e == null
          ? Responses.success(r.status(), r.data(), requestId, null)
          : Responses.error(ErrorMapping.toApiError(e), requestId));
      return Directives.completeWithFuture(response);
    });
  }
}
