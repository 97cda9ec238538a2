package dev.agentbus.actors.approval;

/** The stable codes of approval-request refusals (the HTTP edge maps them to statuses). */
public final class ApprovalCodes {
  private ApprovalCodes() {}

  public static final String NOT_FOUND = "approval_not_found";
  /** A decision, escalation or cancellation of an approved, rejected, expired or cancelled request. */
  public static final String CLOSED = "approval_closed";
  /** The requester may not decide on its own request (for a held message: its sender). */
  public static final String SELF_APPROVAL = "self_approval";
  /** An approver decides once per request. */
  public static final String ALREADY_DECIDED = "already_decided";
  /** Only the requester may cancel a request. */
  public static final String NOT_REQUESTER = "not_requester";
  /** A held message is decided (rejected), not cancelled. */
  public static final String NOT_CANCELLABLE = "held_message_not_cancellable";
  /** The request is at the highest escalation level already. */
  public static final String MAX_ESCALATION = "max_escalation_level";
  public static final String INVALID_REQUEST = "invalid_approval_request";
  public static final String INVALID_APPROVER = "invalid_approver";
  /** The request names approver roles and the approver holds none of them. */
  public static final String ROLE_REQUIRED = "approver_role_required";
}
