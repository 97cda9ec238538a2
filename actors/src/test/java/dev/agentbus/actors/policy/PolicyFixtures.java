package dev.agentbus.actors.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentbus.actors.governance.GovernanceRequest;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.AgentStatus;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.model.Priority;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Messages, profiles and counters for the policy tests. Monday noon UTC unless a test says otherwise. */
final class PolicyFixtures {
  private PolicyFixtures() {}

  static final String HASH = "cdd01ef066bc6cf2";
  static final Instant MONDAY_NOON = Instant.parse("2025-06-02T12:00:00Z");
  static final Clock MONDAY = Clock.fixed(MONDAY_NOON, ZoneOffset.UTC);
  private static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  static AgentProfile agent(String id, MaciRole role, String tenant, Map<String, String> metadata) {
    return new AgentProfile(id, id, "worker", tenant, role, List.of(), metadata, AgentStatus.ACTIVE,
        MONDAY_NOON, MONDAY_NOON);
  }

  static AgentProfile agent(String id, Map<String, String> metadata) {
    return agent(id, MaciRole.EXECUTIVE, null, metadata);
  }

  static Msg msg() {
    return new Msg();
  }

  static PolicyRule rule(String id, String expression) {
    return PolicyRule.deny(id, "rule " + id, expression);
  }

  static ConstitutionBundle bundle(PolicyRule... rules) {
    return ConstitutionBundle.of("test", "1", HASH, List.of(rules));
  }

  /** A counter that reports whatever a test sets, and remembers what was counted. */
  static final class FakeRates implements RateCounter {
    final Map<String, Long> counts = new HashMap<>();
    final Map<String, Long> increments = new HashMap<>();

    FakeRates set(String key, long count) {
      counts.put(key, count);
      return this;
    }

    @Override
    public Duration window() {
      return Duration.ofSeconds(60);
    }

    @Override
    public long increment(String key, Instant now) {
      increments.merge(key, 1L, Long::sum);
      return counts.merge(key, 1L, Long::sum);
    }

    @Override
    public long count(String key, Instant now) {
      return counts.getOrDefault(key, 0L);
    }
  }

  /** A mutable builder; every field valid by default: exec -> target, a command, no tenant. */
  static final class Msg {
    UUID id = UUID.randomUUID();
    MessageType type = MessageType.COMMAND;
    Priority priority = Priority.NORMAL;
    String from = "exec";
    String to = "target";
    String tenant;
    JsonNode payload = json("{\"command\":\"status\"}");
    String hash = HASH;
    Map<String, String> metadata = Map.of();
    AgentProfile sender;
    AgentProfile recipient;

    Msg id(UUID v) { id = v; return this; }
    Msg type(MessageType v) { type = v; return this; }
    Msg priority(Priority v) { priority = v; return this; }
    Msg from(String v) { from = v; return this; }
    Msg to(String v) { to = v; return this; }
    Msg tenant(String v) { tenant = v; return this; }
    Msg payload(String v) { payload = json(v); return this; }
    Msg payload(JsonNode v) { payload = v; return this; }
    Msg hash(String v) { hash = v; return this; }
    Msg metadata(Map<String, String> v) { metadata = v; return this; }
    Msg sender(AgentProfile v) { sender = v; return this; }
    Msg recipient(AgentProfile v) { recipient = v; return this; }

    AgentMessage build() {
      return new AgentMessage(id, type, priority, from, to, tenant, payload, null, null, hash, MONDAY_NOON,
          null, null, metadata);
    }

    GovernanceRequest request() {
      return GovernanceRequest.of(build(), sender, recipient);
    }
  }
}
