package dev.agentbus.actors.governance;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.model.Priority;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;

/**
 * Step 6: the impact score of inventory 3.1, in its keyword-fallback form, with the same arithmetic as
 * the original (weighted sum divided by the weight sum, then the two boosts, then a clamp to [0, 1]; no
 * rounding: the worked example 0.09 comes out as 0.09 give or take a double's last bit, and the
 * deliberation test is {@code score >= threshold} as in the original bus).
 *
 * <p>What differs, on purpose: the hour comes from the injected clock in a configured zone, not the host's
 * local time; per-agent state is a bounded cache of fixed-size rings, so one message costs O(1) and an agent
 * costs a few hundred bytes; the message type comes from the message, never from the payload.
 */
final class ImpactScorer {

  /** The 28 keywords of the fallback; a hit is a substring of the lower-cased text. */
  static final List<String> KEYWORDS = List.of(
      "critical", "emergency", "security", "breach", "violation", "danger",
      "risk", "threat", "attack", "exploit", "vulnerability", "compromise",
      "governance", "policy", "regulation", "compliance", "legal", "audit",
      "financial", "transaction", "payment", "transfer", "blockchain", "consensus",
      "unauthorized", "abnormal", "suspicious", "alert");

  /** The payload keys text is gathered from, in this order. */
  static final List<String> TEXT_KEYS = List.of(
      "content", "payload", "description", "reason", "details", "action", "type", "title", "subject");

  private static final List<String> HIGH_RISK_TOOLS =
      List.of("admin", "delete", "transfer", "execute", "blockchain", "payment");

  static final double CRITICAL_PRIORITY_BOOST = 0.9;
  static final double HIGH_SEMANTIC_BOOST = 0.8;
  static final long RATE_WINDOW_MILLIS = 60_000;
  static final double DRIFT_THRESHOLD = 0.3;

  /** The seven features and the final score, for the audit trail of a held message. */
  record Score(
      double semantic, double permission, double volume, double context, double drift, double priority,
      double type, double total) {}

  private final GovernanceSettings.ImpactWeights weights;
  private final ZoneId hourZone;
  private final Cache<String, AgentState> agents;

  ImpactScorer(GovernanceSettings.Impact settings) {
    this.weights = settings.weights();
    this.hourZone = settings.hourZone();
    // an evicted agent restarts as a first sighting: at worst a lower volume and drift score once
    this.agents = Caffeine.newBuilder().maximumSize(settings.maxTrackedAgents()).build();
  }

  /**
   * The features that depend only on the message's payload, priority and type (not on the time or the
   * sender's history): a decision cache may keep them with the decision.
   *
   * @param largeAmount {@code payload.payload.amount > 10,000}, the payload's share of the context score
   */
  record Features(double semantic, double permission, boolean largeAmount, double priority, double type) {}

  Score score(AgentMessage m, Instant now) {
    return score(features(m), m.sourceAgentId(), now);
  }

  Features features(AgentMessage m) {
    JsonNode payload = m.payload();
    return new Features(semantic(payload), permission(payload.get("tools")), largeAmount(payload),
        priority(payload.get("priority"), m.priority()), type(m.type()));
  }

  /** The score from the message's features, the time and the sender's history (which it updates). */
  Score score(Features f, String senderId, Instant now) {
    double semantic = f.semantic();
    double permission = f.permission();
    double context = context(f.largeAmount(), now);
    AgentState state = agents.get(senderId, id -> new AgentState());
    double volume;
    double drift;
    synchronized (state) {
      volume = state.volume(now.toEpochMilli());
      drift = state.drift(context);
    }
    double priority = f.priority();
    double type = f.type();

    double combined = semantic * weights.semantic()
        + permission * weights.permission()
        + volume * weights.volume()
        + context * weights.context()
        + drift * weights.drift()
        + priority * weights.priority()
        + type * weights.type();
    combined = combined / weights.sum();
    if (priority >= 1.0) combined = Math.max(combined, CRITICAL_PRIORITY_BOOST);
    if (semantic > 0.8) combined = Math.max(combined, HIGH_SEMANTIC_BOOST);
    double total = Math.max(0.0, Math.min(1.0, combined));
    return new Score(semantic, permission, volume, context, drift, priority, type, total);
  }

  /** 0.3 per keyword found, at most 0.9 (3 * 0.3 is just under 0.9 in doubles, as in Python). */
  static double semantic(JsonNode payload) {
    StringBuilder text = new StringBuilder();
    gatherText(payload, text);
    if (text.length() == 0) return 0.0;
    String lower = text.toString().toLowerCase(Locale.ROOT);
    int hits = 0;
    for (String k : KEYWORDS) {
      if (lower.contains(k)) hits++;
    }
    return Math.min(0.9, hits * 0.3);
  }

  /**
   * Like the original: for each of {@link #TEXT_KEYS} present in an object, a string value is taken as is
   * and an object value is searched the same way; numbers, booleans and arrays are ignored. Parts are
   * joined with a space. Depth is bounded because the structure step refused payloads Jackson cannot write.
   */
  static void gatherText(JsonNode node, StringBuilder out) {
    for (String key : TEXT_KEYS) {
      JsonNode v = node.get(key);
      if (v == null) continue;
      if (v.isTextual()) {
        out.append(v.textValue()).append(' ');
      } else if (v.isObject()) {
        gatherText(v, out);
      }
    }
  }

  /** From {@code payload.tools}: names, or objects with a {@code name}; the riskiest tool counts. */
  static double permission(JsonNode tools) {
    if (tools == null || tools.isNull() || (tools.isContainerNode() && tools.isEmpty())
        || (tools.isTextual() && tools.textValue().isEmpty())) {
      return 0.1;
    }
    // a single name or object counts as a list of one (the original iterated a string's characters)
    Iterable<JsonNode> list = tools.isArray() ? tools : List.of(tools);
    double max = 0.1;
    for (JsonNode tool : list) {
      String name;
      if (tool.isObject()) {
        JsonNode n = tool.get("name");
        name = n == null || n.isNull() ? "" : n.asText();
      } else {
        name = tool.isTextual() ? tool.textValue() : tool.toString();
      }
      String lower = name.toLowerCase(Locale.ROOT);
      double risk;
      if (HIGH_RISK_TOOLS.stream().anyMatch(lower::contains)) {
        risk = 0.9;
      } else if (lower.contains("read") || lower.contains("get")) {
        risk = 0.2;
      } else {
        risk = 0.5;
      }
      max = Math.max(max, risk);
    }
    return max;
  }

  /** 0.2, +0.3 between 1 and 5 AM (inclusive) in the configured zone, +0.4 for payload.payload.amount > 10,000. */
  private double context(boolean largeAmount, Instant now) {
    double score = 0.2;
    int hour = now.atZone(hourZone).getHour();
    if (hour >= 1 && hour <= 5) score += 0.3;
    if (largeAmount) score += 0.4;
    return Math.min(1.0, score);
  }

  static boolean largeAmount(JsonNode payload) {
    JsonNode inner = payload.get("payload");
    if (inner == null || !inner.isObject()) return false;
    JsonNode amount = inner.get("amount");
    return amount != null && amount.isNumber() && amount.doubleValue() > 10_000;
  }

  /**
   * The higher of the message's priority and {@code payload.priority} (the original let the payload
   * override the message, so a CRITICAL message could claim "low" and escape deliberation). An
   * unrecognised payload value counts as normal; integers 0-3 are LOW..CRITICAL.
   */
  static double priority(JsonNode fromPayload, Priority fromMessage) {
    Priority p = fromMessage == null ? Priority.NORMAL : fromMessage;
    if (fromPayload != null && !fromPayload.isNull()) {
      Priority claimed;
      if (fromPayload.isTextual()) {
        claimed = Priority.parse(fromPayload.textValue()).orElse(Priority.NORMAL);
      } else if (fromPayload.isIntegralNumber() && fromPayload.canConvertToInt()
          && fromPayload.intValue() >= 0 && fromPayload.intValue() < Priority.values().length) {
        claimed = Priority.values()[fromPayload.intValue()];
      } else {
        claimed = Priority.NORMAL;
      }
      if (claimed.ordinal() > p.ordinal()) p = claimed;
    }
    return switch (p) {
      case LOW -> 0.1;
      case NORMAL -> 0.3;
      case HIGH -> 0.7;
      case CRITICAL -> 1.0;
    };
  }

  static double type(MessageType type) {
    return switch (type) {
      case GOVERNANCE_REQUEST, CONSTITUTIONAL_VALIDATION, TASK_REQUEST -> 0.8;
      default -> 0.2;
    };
  }

  /** For tests: the per-agent state, or null when the agent is not tracked. */
  AgentState stateOf(String agentId) {
    return agents.getIfPresent(agentId);
  }

  long trackedAgents() {
    agents.cleanUp();
    return agents.estimatedSize();
  }

  /**
   * One agent's volume and drift history, in fixed-size rings. Callers synchronize on the instance; there
   * is no global lock.
   */
  static final class AgentState {
    static final int VOLUME_RING = 100;
    static final int DRIFT_RING = 20;

    // send times in epoch millis, newest at (volumeHead - 1)
    private final long[] sends = new long[VOLUME_RING];
    private int volumeHead;
    private int volumeCount;

    private final double[] contexts = new double[DRIFT_RING];
    private int driftHead;
    private int driftCount;
    private double driftSum;

    /**
     * Records this send and scores the sends of the last 60 s, this one included: under 10 gives 0.1,
     * under 50 0.4, under 100 0.7, else 1.0. Only the 10th, 50th and 100th most recent sends need checking,
     * because times are recorded in order.
     */
    double volume(long nowMillis) {
      sends[volumeHead] = nowMillis;
      volumeHead = (volumeHead + 1) % VOLUME_RING;
      if (volumeCount < VOLUME_RING) volumeCount++;
      if (!withinWindow(100, nowMillis)) {
        if (!withinWindow(50, nowMillis)) return withinWindow(10, nowMillis) ? 0.4 : 0.1;
        return 0.7;
      }
      return 1.0;
    }

    private boolean withinWindow(int nthMostRecent, long nowMillis) {
      if (volumeCount < nthMostRecent) return false;
      long t = sends[Math.floorMod(volumeHead - nthMostRecent, VOLUME_RING)];
      return nowMillis - t < RATE_WINDOW_MILLIS;
    }

    /**
     * Deviation of this context score from the mean of the last 20 (first sighting: 0); above 0.3 it gives
     * min(1, deviation / 0.3 * 0.5). The score then joins the history.
     */
    double drift(double context) {
      double drift = 0.0;
      if (driftCount > 0) {
        double deviation = Math.abs(context - driftSum / driftCount);
        if (deviation > DRIFT_THRESHOLD) drift = Math.min(1.0, deviation / DRIFT_THRESHOLD * 0.5);
      }
      if (driftCount == DRIFT_RING) driftSum -= contexts[driftHead];
      else driftCount++;
      contexts[driftHead] = context;
      driftSum += context;
      driftHead = (driftHead + 1) % DRIFT_RING;
      // re-add from scratch once per lap, so rounding errors of the running sum cannot accumulate
      if (driftHead == 0) {
        double sum = 0.0;
        for (int i = 0; i < driftCount; i++) sum += contexts[i];
        driftSum = sum;
      }
      return drift;
    }

    int volumeEntries() {
      return volumeCount;
    }

    int volumeCapacity() {
      return sends.length;
    }

    int driftEntries() {
      return driftCount;
    }

    int driftCapacity() {
      return contexts.length;
    }
  }
}
