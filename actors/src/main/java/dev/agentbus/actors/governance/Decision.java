package dev.agentbus.actors.governance;

import dev.agentbus.actors.CborSerializable;
import java.util.List;
import java.util.Map;

/**
 * What the pipeline decided about one message.
 *
 * @param reasons empty for a plain ALLOW
 * @param impactScore in [0, 1]; 0 when the pipeline stopped before scoring
 * @param annotations extra facts for the audit trail and the caller (e.g. {@code rejection_reason})
 */
public record Decision(
    Outcome outcome, List<Reason> reasons, double impactScore, Map<String, String> annotations)
    implements CborSerializable {

  public enum Outcome {
    ALLOW,
    DENY,
    DELIBERATE
  }

  public Decision {
    reasons = reasons == null ? List.of() : List.copyOf(reasons);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
  }

  public static Decision allow(double impactScore) {
    return new Decision(Outcome.ALLOW, List.of(), impactScore, Map.of());
  }

  public boolean isAllowed() {
    return outcome == Outcome.ALLOW;
  }

  /** The reason codes, comma separated (for {@code governance.reasons}). */
  public String reasonCodes() {
    return String.join(",", reasons.stream().map(Reason::code).toList());
  }
}
