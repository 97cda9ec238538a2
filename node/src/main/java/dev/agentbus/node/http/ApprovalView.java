package dev.agentbus.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentbus.actors.approval.ApprovalRequest;
import dev.agentbus.actors.approval.ApprovalStatus;
import dev.agentbus.actors.deliberation.Ballot;
import dev.agentbus.actors.deliberation.Deliberation;
import dev.agentbus.actors.governance.Reason;
import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * An approval request on the wire: the SDK's ApprovalRequest (contract section 3) plus extensions that
 * zod strips ({@code escalationLevel}, {@code escalations}, {@code cancelled}, {@code resolution},
 * {@code source}). A held message is shown with its message id as id, {@code requestType}
 * {@code held_message}, its sender as requester and its deliberation's deadline as {@code expiresAt}.
 *
 * @param status an SDK ApprovalStatus word (a cancelled request is {@code rejected} with {@code cancelled: true})
 * @param cancelled present (true) only for a cancelled request
 * @param resolution why the request is final; absent while open
 * @param source {@code direct} or {@code held_message}
 * @param policy the approval policy the request follows; absent for none
 * @param requiredRoles the approver roles it needs; absent for none
 * @param requireAllRoles whether every required role must be among the approvers (else one); absent for none
 */
record ApprovalView(
    String id,
    String requestType,
    String requesterId,
    String status,
    double riskScore,
    int requiredApprovers,
    int currentApprovals,
    List<DecisionView> decisions,
    JsonNode payload,
    Instant createdAt,
    Instant expiresAt,
    String constitutionalHash,
    int escalationLevel,
    List<EscalationView> escalations,
    Boolean cancelled,
    String resolution,
    String source,
    String policy,
    List<String> requiredRoles,
    Boolean requireAllRoles) {

  static final String HELD_TYPE = "held_message";

  /** @param decision {@code approved} or {@code rejected} (ApprovalStatus words, as the contract asks) */
  record DecisionView(String approverId, String decision, String reasoning, Instant timestamp) {
    static DecisionView of(ApprovalRequest.Decision d) {
      return new DecisionView(d.approverId(), d.approved() ? "approved" : "rejected",
          d.reasoning().isEmpty() ? null : d.reasoning(), d.at());
    }
  }

  record EscalationView(int level, String by, String reason, Instant at) {
    static EscalationView of(ApprovalRequest.Escalation e) {
      return new EscalationView(e.level(), e.by(), e.reason().isEmpty() ? null : e.reason(), e.at());
    }
  }

  /** A request as its entity holds it. */
  static ApprovalView of(ApprovalRequest.View v) {
    ApprovalRequest.Spec s = v.spec();
    return new ApprovalView(s.id().toString(), s.requestType(), s.requesterId(), v.status().sdkWire(), s.riskScore(),
        s.requiredApprovers(), v.approvals(), v.decisions().stream().map(DecisionView::of).toList(),
        parse(s.payloadJson()), v.createdAt(), s.expiresAt(), Responses.CONSTITUTIONAL_HASH, v.level(),
        v.escalations().stream().map(EscalationView::of).toList(),
        v.status() == ApprovalStatus.CANCELLED ? Boolean.TRUE : null, v.finalReason(),
        s.kind() == ApprovalRequest.Kind.HELD ? HELD_TYPE : "direct", s.policy(),
        s.requiredRoles().isEmpty() ? null : s.requiredRoles(), s.requiredRoles().isEmpty() ? null : s.requireAllRoles());
  }

  /**
   * A held message: its deliberation, with the human decisions of its approval entity when one was opened.
   * A decided deliberation's outcome wins (votes or the deadline may have settled it first).
   */
  static ApprovalView held(Deliberation.Summary s, ApprovalRequest.View human, int requiredApprovers) {
    if (human == null) {
      List<DecisionView> decisions = s.human() == null ? List.of() : List.of(new DecisionView(s.human().approverId(),
          s.human().approved() ? "approved" : "rejected", s.human().reason().isEmpty() ? null : s.human().reason(),
          s.human().at()));
      int approvals = s.human() != null && s.human().approved() ? 1 : 0;
      return new ApprovalView(s.messageId().toString(), HELD_TYPE, s.senderId(), statusOf(s, null), riskScore(s),
          requiredApprovers, approvals, decisions, heldPayload(s), s.openedAt(), s.deadline(),
          Responses.CONSTITUTIONAL_HASH, 1, List.of(), null, resolution(s), HELD_TYPE, null, null, null);
    }
    ApprovalView v = of(human);
    return new ApprovalView(v.id(), HELD_TYPE, v.requesterId(), statusOf(s, human), v.riskScore(),
        v.requiredApprovers(), v.currentApprovals(), v.decisions(), v.payload(), v.createdAt(), v.expiresAt(),
        v.constitutionalHash(), v.escalationLevel(), v.escalations(), null,
        s.outcome() != null ? resolution(s) : v.resolution(), HELD_TYPE, v.policy(), v.requiredRoles(),
        v.requireAllRoles());
  }

  private static String statusOf(Deliberation.Summary s, ApprovalRequest.View human) {
    if (s.outcome() != null) return s.outcome().wire(); // approved, rejected, expired: ApprovalStatus words
    if (s.escalated()) return ApprovalStatus.ESCALATED.wire(); // the critics asked for humans
    return human == null ? ApprovalStatus.PENDING.wire() : human.status().sdkWire();
  }

  private static String resolution(Deliberation.Summary s) {
    if (s.outcome() == null) return null;
    return s.decisionReasons().isEmpty() ? s.outcome().wire() : s.decisionReasons().get(0).message();
  }

  static double riskScore(Deliberation.Summary s) {
    return Math.max(0, Math.min(100, s.impactScore() * 100));
  }

  /** {@code {messageId, sourceAgentId, targetAgentId?, impactScore, reasons}}, as the issue asks. */
  static ObjectNode heldPayload(Deliberation.Summary s) {
    ObjectNode p = Json.MAPPER.createObjectNode();
    p.put("messageId", s.messageId().toString());
    p.put("sourceAgentId", s.senderId());
    if (s.message() != null && !s.message().isBroadcast()) p.put("targetAgentId", s.message().targetAgentId());
    p.put("impactScore", s.impactScore());
    var reasons = p.putArray("reasons");
    for (Reason r : s.heldFor()) reasons.addObject().put("code", r.code()).put("message", r.message());
    return p;
  }

  private static JsonNode parse(String json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (IOException e) {
      // stored by this API from a parsed object: unreadable text is a bug, shown as an empty payload
      return Json.MAPPER.createObjectNode();
    }
  }

  /** The SDK's GovernanceDecision (contract 4.5): one per final outcome of a request. */
  record DecisionRecordView(
      String id, String requestId, String decision, String reasoning, List<String> policyViolations,
      double riskScore, List<String> reviewerIds, Instant timestamp, String constitutionalHash) {

    /**
     * A held message's decision, whoever reached it: agent votes, human approvers, the guard or the deadline.
     * Null while its deliberation is collecting. Same id as its approval request's would be: one per outcome.
     */
    static DecisionRecordView held(Deliberation.Summary s, ApprovalRequest.View human) {
      if (s.outcome() == null) return null;
      String decision = s.outcome() == Deliberation.Outcome.APPROVED ? "approve" : "deny";
      List<String> reviewers;
      if (s.human() != null) {
        reviewers = human != null && !human.decisions().isEmpty()
            ? human.decisions().stream().map(ApprovalRequest.Decision::approverId).toList()
            : List.of(s.human().approverId());
      } else {
        reviewers = s.votes().stream().map(Ballot::voterId).toList();
      }
      List<String> violations = s.outcome() == Deliberation.Outcome.APPROVED ? List.of()
          : s.decisionReasons().stream().map(Reason::code).toList();
      String reasoning = s.decisionReasons().isEmpty() ? s.outcome().wire() : s.decisionReasons().get(0).message();
      return new DecisionRecordView(ApprovalRequest.decisionIdFor(s.messageId()).toString(), s.messageId().toString(),
          decision, reasoning, violations, ApprovalView.riskScore(s), reviewers, s.decidedAt(), Responses.CONSTITUTIONAL_HASH);
    }

    /** Null while the request is open, and for a cancelled one (no governance outcome). */
    static DecisionRecordView of(ApprovalRequest.View v) {
      String decision = switch (v.status()) {
        case APPROVED -> "approve";
        case REJECTED, EXPIRED -> "deny";
        default -> null;
      };
      if (decision == null) return null;
      List<String> reviewers = v.decisions().stream().map(ApprovalRequest.Decision::approverId).toList();
      List<String> violations = v.status() == ApprovalStatus.EXPIRED ? List.of("approval_expired") : List.of();
      return new DecisionRecordView(ApprovalRequest.decisionIdFor(v.spec().id()).toString(), v.spec().id().toString(),
          decision, v.finalReason() == null ? decision : v.finalReason(), violations, v.spec().riskScore(), reviewers,
          v.finalizedAt(), Responses.CONSTITUTIONAL_HASH);
    }
  }
}
