package dev.agentbus.actors.approval;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Optional;

/**
 * The status of an approval request. The first five are the SDK's ApprovalStatus words; a cancelled
 * request is shown to SDK clients as {@code rejected} (the SDK has no word for it) with a
 * {@code cancelled} flag.
 */
public enum ApprovalStatus {
  PENDING,
  APPROVED,
  REJECTED,
  ESCALATED,
  EXPIRED,
  CANCELLED;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The SDK's word for this status. */
  public String sdkWire() {
    return this == CANCELLED ? REJECTED.wire() : wire();
  }

  /** Still waiting for decisions (pending or escalated). */
  public boolean open() {
    return this == PENDING || this == ESCALATED;
  }

  public static Optional<ApprovalStatus> parse(String text) {
    if (text == null) return Optional.empty();
    for (ApprovalStatus s : values()) {
      if (s.wire().equals(text.trim().toLowerCase(Locale.ROOT))) return Optional.of(s);
    }
    return Optional.empty();
  }
}
