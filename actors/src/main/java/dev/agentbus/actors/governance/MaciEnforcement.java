package dev.agentbus.actors.governance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageType;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Step 5: MACI role separation (inventory section 4). The executive proposes, the legislative extracts
 * and synthesizes rules, the judicial validates; only the judicial validates, only executive or
 * legislative work, and never its own.
 *
 * <p>An agent's role is its profile's, else the one assigned by the MACI config (file or environment),
 * else none. The configured default role is not applied here: registration applies it.
 *
 * <p>Differences from the original, all in the closed direction: the self-validation ban also holds for
 * a roleless validator in non-strict mode, and an exception here is never excused by non-strict mode
 * (the pipeline turns it into {@code governance_error}).
 */
final class MaciEnforcement {

  enum Action {
    PROPOSE,
    VALIDATE,
    EXTRACT_RULES,
    SYNTHESIZE,
    AUDIT,
    QUERY;

    String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final Set<Action> EXECUTIVE = EnumSet.of(Action.PROPOSE, Action.SYNTHESIZE, Action.QUERY);
  private static final Set<Action> LEGISLATIVE =
      EnumSet.of(Action.EXTRACT_RULES, Action.SYNTHESIZE, Action.QUERY);
  private static final Set<Action> JUDICIAL = EnumSet.of(Action.VALIDATE, Action.AUDIT, Action.QUERY);

  private final GovernanceSettings.Maci settings;
  private final OutputRegistry outputs;

  MaciEnforcement(GovernanceSettings.Maci settings, OutputRegistry outputs) {
    this.settings = settings;
    this.outputs = outputs;
  }

  /** Inventory 4.2. EXTRACT_RULES and AUDIT are not reachable by any message type. */
  static Action actionFor(MessageType type) {
    return switch (type) {
      case COMMAND, GOVERNANCE_REQUEST, GOVERNANCE_RESPONSE -> Action.PROPOSE;
      case CONSTITUTIONAL_VALIDATION -> Action.VALIDATE;
      case TASK_REQUEST, TASK_RESPONSE -> Action.SYNTHESIZE;
      // ERROR is the SDK's type, unknown to the original: reporting a failure is as harmless as a reply
      case QUERY, RESPONSE, EVENT, NOTIFICATION, HEARTBEAT, ERROR -> Action.QUERY;
    };
  }

  static Set<Action> permissions(MaciRole role) {
    return switch (role) {
      case EXECUTIVE -> EXECUTIVE;
      case LEGISLATIVE -> LEGISLATIVE;
      case JUDICIAL -> JUDICIAL;
    };
  }

  /** The cross-role constraint: only executive or legislative work may be validated. */
  static boolean validatable(MaciRole target) {
    return target == MaciRole.EXECUTIVE || target == MaciRole.LEGISLATIVE;
  }

  Optional<Reason> check(GovernanceRequest request) {
    AgentMessage m = request.message();
    String senderId = m.sourceAgentId();
    Action action = actionFor(m.type());
    MaciRole senderRole = roleOf(senderId, request.sender());

    if (senderRole == null) {
      if (settings.strict()) return Optional.of(notAssigned(senderId, action.wire()));
    } else if (!permissions(senderRole).contains(action)) {
      return Optional.of(violation(senderId, senderRole, action));
    }
    return action == Action.VALIDATE ? checkValidation(request, senderId, senderRole) : Optional.empty();
  }

  private Optional<Reason> checkValidation(GovernanceRequest request, String senderId, MaciRole senderRole) {
    AgentMessage m = request.message();
    JsonNode outputNode = m.payload().get("target_output_id");
    String outputId = null;
    if (outputNode != null && !outputNode.isNull()) {
      if (!outputNode.isTextual() && !outputNode.isNumber()) {
        return Optional.of(new Reason(ReasonCodes.INVALID_PAYLOAD, "target_output_id must be a string"));
      }
      outputId = outputNode.asText();
    }
    Optional<String> producer = outputId == null ? Optional.empty() : outputs.producerOf(outputId);
    if (producer.isPresent() && producer.get().equals(senderId)) {
      return Optional.of(selfValidation(senderId, outputId));
    }

    String targetId = m.targetAgentId() == null || m.targetAgentId().isBlank() ? null : m.targetAgentId();
    if (senderRole == null) {
      // non-strict and roleless: the role rules cannot apply, the self-validation ban still does
      return senderId.equals(targetId) ? Optional.of(selfValidation(senderId, null)) : Optional.empty();
    }

    if (targetId != null) {
      MaciRole targetRole;
      if (request.recipient() == null) {
        // an unknown target cannot be shown to be validatable: fail closed, unless nobody is registered yet
        if (!request.registryEmpty()) return Optional.of(notAssigned(targetId, "validate_target"));
        targetRole = settings.assignedRoles().get(targetId);
      } else {
        targetRole = roleOf(targetId, request.recipient());
      }
      if (targetRole == null) {
        if (settings.strict()) return Optional.of(notAssigned(targetId, "validate_target"));
      } else if (!validatable(targetRole)) {
        return Optional.of(crossRole(senderId, senderRole, targetId, targetRole));
      }
    }

    if (producer.isPresent() && !producer.get().equals(targetId)) {
      // only the recipient's profile and the MACI config are at hand to learn the producer's role
      String producerId = producer.get();
      AgentProfile recipient = request.recipient();
      MaciRole producerRole = recipient != null && producerId.equals(recipient.id())
          ? roleOf(producerId, recipient)
          : settings.assignedRoles().get(producerId);
      if (producerRole == null) {
        if (settings.strict() && targetId == null) return Optional.of(producerUnknown(outputId));
      } else if (!validatable(producerRole)) {
        return Optional.of(crossRole(senderId, senderRole, producerId, producerRole));
      }
    } else if (producer.isEmpty() && outputId != null && targetId == null && settings.strict()) {
      // an output never recorded (or evicted): its producer's role cannot be checked
      return Optional.of(producerUnknown(outputId));
    }
    return Optional.empty();
  }

  private MaciRole roleOf(String agentId, AgentProfile profile) {
    if (profile != null && profile.maciRole() != null) return profile.maciRole();
    return settings.assignedRoles().get(agentId);
  }

  private static Reason notAssigned(String agentId, String operation) {
    return new Reason(ReasonCodes.MACI_ROLE_NOT_ASSIGNED,
        "Agent '" + agentId + "' has no MACI role assigned for operation: " + operation);
  }

  private static Reason producerUnknown(String outputId) {
    return new Reason(ReasonCodes.MACI_ROLE_NOT_ASSIGNED,
        "Producer of output '" + outputId + "' has no known MACI role for operation: validate");
  }

  private static Reason violation(String agentId, MaciRole role, Action action) {
    List<String> allowed = new ArrayList<>();
    for (MaciRole r : MaciRole.values()) {
      if (permissions(r).contains(action)) allowed.add(r.wire());
    }
    return new Reason(ReasonCodes.MACI_ROLE_VIOLATION,
        "Agent '" + agentId + "' (" + role.wire() + ") cannot perform '" + action.wire()
            + "' - allowed roles: " + String.join(", ", allowed));
  }

  private static Reason selfValidation(String agentId, String outputId) {
    return new Reason(ReasonCodes.MACI_SELF_VALIDATION,
        "Agent '" + agentId + "' cannot validate its own output (G\u00f6del bypass prevention)"
            + (outputId == null ? "" : " [output: " + outputId + "]"));
  }

  private static Reason crossRole(String validator, MaciRole validatorRole, String target, MaciRole targetRole) {
    return new Reason(ReasonCodes.MACI_CROSS_ROLE_VIOLATION,
        "Cross-role validation error: " + validator + " (" + validatorRole.wire() + ") cannot validate "
            + target + " (" + targetRole.wire() + "): only executive or legislative outputs may be validated");
  }
}
