package dev.agentbus.actors.governance;

/** The stable reason codes the pipeline gives (see {@link Reason#code()}). */
public final class ReasonCodes {
  private ReasonCodes() {}

  public static final String MISSING_MESSAGE_ID = "missing_message_id";
  public static final String UNKNOWN_MESSAGE_TYPE = "unknown_message_type";
  public static final String INVALID_PAYLOAD = "invalid_payload";
  public static final String PAYLOAD_TOO_LARGE = "payload_too_large";
  public static final String MESSAGE_EXPIRED = "message_expired";
  public static final String MISSING_SOURCE = "missing_source";
  public static final String CONSTITUTIONAL_HASH_MISSING = "constitutional_hash_missing";
  public static final String CONSTITUTIONAL_HASH_MISMATCH = "constitutional_hash_mismatch";
  public static final String PROMPT_INJECTION = "prompt_injection";
  public static final String TENANT_MISMATCH = "tenant_mismatch";
  public static final String MACI_ROLE_NOT_ASSIGNED = "maci_role_not_assigned";
  public static final String MACI_ROLE_VIOLATION = "maci_role_violation";
  public static final String MACI_SELF_VALIDATION = "maci_self_validation";
  public static final String MACI_CROSS_ROLE_VIOLATION = "maci_cross_role_violation";
  public static final String GOVERNANCE_ERROR = "governance_error";
  /** Not a denial: the reason attached to a DELIBERATE decision. */
  public static final String HIGH_IMPACT = "high_impact";

  /** Annotation key on every DENY: the first reason's code. */
  public static final String REJECTION_REASON = "rejection_reason";
}
