package dev.agentbus.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.actors.bus.BusException;
import dev.agentbus.actors.governance.Reason;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.junit.jupiter.api.Test;

/** The status table of contract 1.6, for the cases a live node cannot easily produce (503, 500). */
class ErrorMappingTest {

  private static int statusOf(String reasonCode) {
    return ErrorMapping.denial(List.of(new Reason(reasonCode, "because"))).status();
  }

  @Test
  void governanceDenialsMapByTheirFirstReason() {
    assertEquals(422, statusOf("constitutional_hash_mismatch"));
    assertEquals(422, statusOf("constitutional_hash_missing"));
    assertEquals(422, statusOf("prompt_injection"));
    assertEquals(422, statusOf("invalid_payload"));
    assertEquals(422, statusOf("payload_too_large"));
    assertEquals(403, statusOf("tenant_mismatch"));
    assertEquals(403, statusOf("maci_role_violation"));
    assertEquals(403, statusOf("maci_self_validation"));
    assertEquals(403, statusOf("some_future_policy"));
    assertEquals(404, statusOf("unknown_recipient"));
    assertEquals(503, statusOf("ledger_unavailable"));
  }

  @Test
  void aDenialCarriesEveryReasonCode() {
    ApiError e = ErrorMapping.denial(List.of(new Reason("tenant_mismatch", "sender"),
        new Reason("tenant_mismatch", "recipient")));

    assertEquals("tenant_mismatch", e.code());
    assertEquals(List.of("tenant_mismatch"), e.details().get("reasons"));
  }

  @Test
  void busRefusalsMapToTheirStatus() {
    assertEquals(404, ErrorMapping.toApiError(new BusException("agent_not_found", "x")).status());
    assertEquals(404, ErrorMapping.toApiError(new BusException("message_not_found", "x")).status());
    assertEquals(409, ErrorMapping.toApiError(new BusException("agent_already_registered", "x")).status());
    assertEquals(503, ErrorMapping.toApiError(
        new CompletionException(new BusException("timeout", "the bus did not answer in time"))).status());
    assertEquals(503, ErrorMapping.toApiError(new TimeoutException()).status());
  }

  @Test
  void unavailableAnswersCarryAnIntegerRetryAfter() {
    HttpResponse r = Responses.error(ErrorMapping.toApiError(new BusException("ledger_unavailable", "down")), "id");

    assertEquals(503, r.status().intValue());
    String retryAfter = r.getHeader("Retry-After").map(HttpHeader::value).orElse("");
    assertTrue(retryAfter.matches("[0-9]+"), retryAfter);
  }

  @Test
  void anOverloadedNodeAsksTheClientToRetryLater() {
    ApiError e = ErrorMapping.denial(List.of(new Reason("overloaded", "inbox budget full")));

    assertEquals(503, e.status());
    assertEquals("overloaded", e.code());
    assertTrue(e.retryAfterSeconds() != null && e.retryAfterSeconds() > 0);
  }

  @Test
  void anUnexpectedFailureIsA500WithoutItsMessage() {
    ApiError e = ErrorMapping.toApiError(new IllegalStateException("secret internals"));

    assertEquals(500, e.status());
    assertEquals("internal_error", e.code());
    assertFalse(e.getMessage().contains("secret"));
  }
}
