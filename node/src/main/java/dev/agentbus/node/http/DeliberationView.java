package dev.agentbus.node.http;

import dev.agentbus.actors.deliberation.Ballot;
import dev.agentbus.actors.deliberation.Deliberation;
import dev.agentbus.actors.deliberation.DeliberationQueue;
import dev.agentbus.actors.deliberation.Requirement;
import dev.agentbus.actors.governance.Reason;
import dev.agentbus.actors.model.MessageStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A deliberation on the wire ({@code /api/v1/deliberations}, an extension of the SDK contract). The
 * held message's tenant stays on the server, as in {@link MessageView}.
 *
 * @param status {@code collecting} or {@code decided}
 * @param outcome {@code approved}, {@code rejected} or {@code expired}; absent while collecting
 * @param messageStatus the held message's status: pending_deliberation, then accepted, rejected or expired
 * @param guard the guard's verdict: allow, deny, require_signatures or require_review (absent for old ones)
 * @param escalation why only humans may approve it now; absent unless escalated
 * @param reviewDeadline when a critic review without consensus escalates; absent without a review
 */
record DeliberationView(
    String messageId,
    String senderId,
    List<String> recipients,
    String status,
    String outcome,
    String messageStatus,
    List<Reason> reasons,
    List<Reason> heldFor,
    double impactScore,
    String strategy,
    double threshold,
    int requiredVotes,
    boolean votesCanDecide,
    List<String> voters,
    List<VoteView> votes,
    Tally tally,
    List<Requirement> requirements,
    List<Requirement> unmetRequirements,
    HumanView humanDecision,
    Instant openedAt,
    Instant deadline,
    Instant decidedAt,
    MessageView message,
    String guard,
    Reason escalation,
    Instant reviewDeadline) {

  record VoteView(String agentId, String vote, String reason, Instant at) {
    static VoteView of(Ballot b) {
      return new VoteView(b.voterId(), b.choice().wire(), b.reason().isEmpty() ? null : b.reason(), b.at());
    }
  }

  record Tally(int approve, int reject, int abstain) {}

  record HumanView(String approverId, String decision, String reason, Instant at) {
    static HumanView of(Deliberation.HumanDecision h) {
      return h == null ? null : new HumanView(h.approverId(), h.approved() ? "approved" : "rejected",
          h.reason().isEmpty() ? null : h.reason(), h.at());
    }
  }

  /** One entry of a tenant's queue of pending deliberations. */
  record PendingView(String messageId, String priority, String senderId, double impactScore, Instant heldAt,
      Instant deadline) {
    static PendingView of(DeliberationQueue.Ticket t) {
      return new PendingView(t.messageId().toString(), t.priority().wire(), t.senderId(), t.impactScore(),
          t.heldAt(), t.deadline());
    }
  }

  /** The queue in order (most urgent, then oldest, first). */
  record PendingList(List<PendingView> items, int total, int capacity) {
    static PendingList of(DeliberationQueue.Pending p) {
      List<PendingView> items = p.tickets().stream().map(PendingView::of).toList();
      return new PendingList(items, items.size(), p.capacity());
    }
  }

  static DeliberationView of(Deliberation.Summary s) {
    MessageStatus status = s.outcome() == null ? MessageStatus.PENDING_DELIBERATION : s.outcome().status();
    return new DeliberationView(
        s.messageId().toString(),
        s.senderId(),
        s.recipients(),
        s.phase().wire(),
        s.outcome() == null ? null : s.outcome().wire(),
        status.wire(),
        s.decisionReasons(),
        s.heldFor(),
        s.impactScore(),
        s.strategy().wire(),
        s.threshold(),
        s.requiredVotes(),
        s.votesCanDecide(),
        s.voters(),
        s.votes().stream().map(VoteView::of).toList(),
        new Tally(s.approvals(), s.rejections(), s.abstentions()),
        s.requirements(),
        s.unmetRequirements(),
        HumanView.of(s.human()),
        s.openedAt(),
        s.deadline(),
        s.decidedAt(),
        MessageView.of(s.message(), Map.of(), status.wire(), s.openedAt()),
        s.guard() == null ? null : s.guard().wire(),
        s.escalation(),
        s.reviewDeadline());
  }
}
