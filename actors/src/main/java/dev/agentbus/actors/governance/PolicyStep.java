package dev.agentbus.actors.governance;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A governance step that can do more than deny: ask for a deliberation and annotate the decision (the
 * digest of the bundle that decided, the ids of warn and dryrun rules). The pipeline turns collected
 * deliberation reasons into a DELIBERATE decision after impact scoring; a later denial still wins.
 */
public interface PolicyStep extends GovernanceStep {

  Verdict evaluate(GovernanceRequest request);

  @Override
  default Optional<Reason> check(GovernanceRequest request) {
    return evaluate(request).denial();
  }

  /**
   * @param denial present when the message must be refused
   * @param deliberation reasons to hold the message for a deliberation (ignored when denied)
   * @param annotations copied onto the decision, whatever it is
   */
  record Verdict(Optional<Reason> denial, List<Reason> deliberation, Map<String, String> annotations) {

    private static final Verdict PASS = new Verdict(Optional.empty(), List.of(), Map.of());

    public Verdict {
      denial = Objects.requireNonNull(denial, "denial");
      deliberation = deliberation == null ? List.of() : List.copyOf(deliberation);
      annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    /** Nothing to say: the message goes on. */
    public static Verdict pass() {
      return PASS;
    }

    public static Verdict deny(Reason reason, Map<String, String> annotations) {
      return new Verdict(Optional.of(reason), List.of(), annotations);
    }

    public boolean denied() {
      return denial.isPresent();
    }
  }
}
