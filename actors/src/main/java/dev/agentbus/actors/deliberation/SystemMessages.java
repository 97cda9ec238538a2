package dev.agentbus.actors.deliberation;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentbus.actors.governance.Reason;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.MessageType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The messages a deliberation sends through the ledger: a {@code governance_request} asking a voter
 * for its vote, and a {@code governance_response} telling the sender that its message was rejected or
 * expired. Their ids are derived from the held message's id, so re-sending one after a restart is
 * recognised by the ledger's de-duplication.
 */
final class SystemMessages {
  private SystemMessages() {}

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  static UUID voteRequestId(UUID messageId, String voterId) {
    return nameBased("agentbus.deliberation.vote-request\0" + messageId + "\0" + voterId);
  }

  static UUID outcomeNoticeId(UUID messageId) {
    return nameBased("agentbus.deliberation.outcome\0" + messageId);
  }

  static AgentMessage voteRequest(String systemSender, Deliberation.Proposal p, String voterId, Instant at) {
    AgentMessage m = p.message();
    ObjectNode payload = JSON.objectNode();
    payload.put("kind", "deliberation_vote_request");
    payload.put("content", "Vote on held message " + m.id() + " from " + m.sourceAgentId()
        + ": approve, reject or abstain before " + p.deadline());
    payload.put("messageId", m.id().toString());
    payload.put("senderId", m.sourceAgentId());
    payload.set("recipients", strings(p.recipients()));
    payload.put("impactScore", p.impactScore());
    payload.set("reasons", reasons(p.reasons()));
    payload.put("strategy", p.strategy().wire());
    payload.put("threshold", p.threshold());
    payload.put("requiredVotes", p.requiredVotes());
    payload.put("deadline", p.deadline().toString());
    ArrayNode requirements = payload.putArray("requirements");
    for (Requirement r : p.requirements()) requirements.addObject().put("kind", r.kind().wire()).put("role", r.role());
    payload.set("yourRoles", strings(p.voterRoles().getOrDefault(voterId, List.of())));
    ObjectNode held = payload.putObject("message");
    held.put("type", m.type() == null ? null : m.type().wire());
    held.put("priority", m.priority().wire());
    held.set("payload", m.payload() == null ? JSON.nullNode() : m.payload().deepCopy());
    return new AgentMessage(voteRequestId(m.id(), voterId), MessageType.GOVERNANCE_REQUEST, m.priority(), systemSender,
        voterId, m.tenantId(), payload, m.conversationId(), m.id().toString(), m.constitutionalHash(), at,
        p.deadline(), null, Map.of("deliberation.messageId", m.id().toString()));
  }

  static AgentMessage outcomeNotice(
      String systemSender, Deliberation.Proposal p, Deliberation.Outcome outcome, List<Reason> why, Instant at) {
    AgentMessage m = p.message();
    ObjectNode payload = JSON.objectNode();
    payload.put("kind", "deliberation_outcome");
    payload.put("content", "Your message " + m.id() + " was " + outcome.wire() + " by deliberation and not delivered");
    payload.put("messageId", m.id().toString());
    payload.put("outcome", outcome.wire());
    payload.put("status", outcome.status().wire());
    payload.set("reasons", reasons(why));
    payload.set("recipients", strings(p.recipients()));
    return new AgentMessage(outcomeNoticeId(m.id()), MessageType.GOVERNANCE_RESPONSE, m.priority(), systemSender,
        m.sourceAgentId(), m.tenantId(), payload, m.conversationId(), m.id().toString(), m.constitutionalHash(), at,
        null, null, Map.of("deliberation.messageId", m.id().toString(), "deliberation.outcome", outcome.wire()));
  }

  private static ArrayNode strings(List<String> values) {
    ArrayNode a = JSON.arrayNode();
    values.forEach(a::add);
    return a;
  }

  private static ArrayNode reasons(List<Reason> reasons) {
    ArrayNode a = JSON.arrayNode();
    for (Reason r : reasons) a.addObject().put("code", r.code()).put("message", r.message());
    return a;
  }

  private static UUID nameBased(String name) {
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
  }
}
