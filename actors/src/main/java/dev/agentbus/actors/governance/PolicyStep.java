package dev.agentbus.actors.governance;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

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
   * This step as it is now, when its verdicts may be cached by the pipeline's {@link DecisionCache}: then
   * {@link Cacheable#step()} gives a verdict that is a function of {@link Cacheable#identity()} (e.g. the
   * active bundle's digest) and of the request's fields the cache keys on alone (no time, no rates, no
   * message id or timestamps, no profile timestamps, no state), and never changes for them. Empty (the default) when not: the step
   * then runs on every call. The pipeline evaluates {@code step()}, not this step, so that a step which
   * changes meanwhile (a bundle activated) cannot put its new verdict under the old identity.
   */
  default Optional<Cacheable> cacheable() {
    return Optional.empty();
  }

  /**
   * @param identity what the decision cache keys this step's verdicts on; equal identities mean equal
   *     verdicts for equal requests
   * @param step the step in that state
   * @param onHit what the step must still do when its verdict comes from the cache (e.g. count the message in
   *     the rates that a later bundle may read); called where the step would have run
   */
  record Cacheable(Object identity, PolicyStep step, Consumer<GovernanceRequest> onHit) {
    public Cacheable {
      Objects.requireNonNull(identity, "identity");
      Objects.requireNonNull(step, "step");
      Objects.requireNonNull(onHit, "onHit");
    }

    /** Nothing to do on a hit. */
    public Cacheable(Object identity, PolicyStep step) {
      this(identity, step, request -> {});
    }
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
