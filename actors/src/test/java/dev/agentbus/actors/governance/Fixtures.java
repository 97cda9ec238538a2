package dev.agentbus.actors.governance;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.AgentStatus;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.model.Priority;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Messages, profiles and pipelines for the governance tests. Daytime UTC unless a test says otherwise. */
final class Fixtures {
  private Fixtures() {}

  static final String HASH = "cdd01ef066bc6cf2";
  static final Instant NOON = Instant.parse("2025-06-02T12:00:00Z");
  static final Clock DAYTIME = Clock.fixed(NOON, ZoneOffset.UTC);
  static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static AgentProfile agent(String id, MaciRole role) {
    return agent(id, role, null);
  }

  static AgentProfile agent(String id, MaciRole role, String tenant) {
    return new AgentProfile(id, id, "test", tenant, role, List.of(), Map.of(), AgentStatus.ACTIVE, NOON, NOON);
  }

  static Msg msg(MessageType type, String from, String to) {
    return new Msg().type(type).from(from).to(to);
  }

  static GovernancePipeline pipeline() {
    return pipeline(GovernanceSettings.defaults());
  }

  static GovernancePipeline pipeline(GovernanceSettings settings) {
    return GovernancePipeline.create(settings, DAYTIME, OutputRegistry.bounded(1000));
  }

  static GovernanceSettings nonStrict() {
    GovernanceSettings d = GovernanceSettings.defaults();
    return d.withMaci(d.maci().withStrict(false));
  }

  static GovernanceSettings withRoles(Map<String, MaciRole> roles) {
    GovernanceSettings d = GovernanceSettings.defaults();
    return d.withMaci(d.maci().withAssignedRoles(roles));
  }

  /** A mutable builder: every field valid by default. */
  static final class Msg {
    UUID id = UUID.randomUUID();
    MessageType type = MessageType.COMMAND;
    Priority priority = Priority.NORMAL;
    String from = "exec";
    String to = "target";
    String tenant;
    JsonNode payload = json("{\"action\":\"read\"}");
    String hash = HASH;
    Instant expiresAt;

    Msg id(UUID v) { id = v; return this; }
    Msg type(MessageType v) { type = v; return this; }
    Msg priority(Priority v) { priority = v; return this; }
    Msg from(String v) { from = v; return this; }
    Msg to(String v) { to = v; return this; }
    Msg tenant(String v) { tenant = v; return this; }
    Msg payload(JsonNode v) { payload = v; return this; }
    Msg payload(String v) { payload = json(v); return this; }
    Msg hash(String v) { hash = v; return this; }
    Msg expiresAt(Instant v) { expiresAt = v; return this; }

    AgentMessage build() {
      return new AgentMessage(id, type, priority, from, to, tenant, payload, null, null, hash, NOON,
          expiresAt, null, Map.of());
    }

    /** Evaluates with the given profiles (null = not registered), registry not empty. */
    Decision through(GovernancePipeline pipeline, AgentProfile sender, AgentProfile recipient) {
      return pipeline.evaluate(GovernanceRequest.of(build(), sender, recipient));
    }
  }
}
