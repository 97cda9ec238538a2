package dev.agentbus.actors.deliberation;

/** The stable reason codes of deliberations: decisions (on the message) and refusals (of a vote or decision). */
public final class DeliberationCodes {
  private DeliberationCodes() {}

  // ---- why a held message was decided the way it was ----
  public static final String APPROVED_BY_VOTES = "deliberation_approved_by_votes";
  public static final String APPROVED_BY_HUMAN = "deliberation_approved_by_human";
  public static final String REJECTED_BY_VOTES = "deliberation_rejected_by_votes";
  public static final String REJECTED_BY_HUMAN = "deliberation_rejected_by_human";
  public static final String EXPIRED = "deliberation_expired";
  /** A holder of a required signature role refused to sign: the message is rejected. */
  public static final String REJECTED_BY_SIGNER = "deliberation_rejected_by_signer";
  /** The critic review rejected the message. */
  public static final String REJECTED_BY_CRITICS = "deliberation_rejected_by_critics";
  /** The guard denied the message (its policy denied, or the guard failed): rejected without a vote. */
  public static final String REJECTED_BY_GUARD = "deliberation_rejected_by_guard";
  /** The critics asked for humans, or their review timed out without consensus: only humans may approve. */
  public static final String ESCALATED = "deliberation_escalated";
  /** The tenant's queue of pending deliberations is full: the new held message is rejected (fail closed). */
  public static final String QUEUE_FULL = "deliberation_queue_full";

  // ---- why a command was refused ----
  public static final String NOT_FOUND = "deliberation_not_found";
  /** A vote or decision after the deliberation was decided (or its deadline passed). */
  public static final String CLOSED = "deliberation_closed";
  public static final String NOT_A_VOTER = "not_a_voter";
  /** The sender of the held message may not vote on it. */
  public static final String SELF_VOTE = "self_vote";
  /** The sender of the held message may not decide it as a human approver. */
  public static final String SELF_APPROVAL = "self_approval";
  public static final String INVALID_VOTE = "invalid_vote";
  public static final String INVALID_APPROVER = "invalid_approver";
}
