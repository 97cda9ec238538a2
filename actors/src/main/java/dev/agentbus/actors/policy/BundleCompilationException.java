package dev.agentbus.actors.policy;

import java.util.List;

/**
 * One or more rules of a bundle whose CEL does not compile (syntax, undeclared variables, a result that
 * is not a bool). Lists every failing rule, so one 422 answer shows them all.
 */
public final class BundleCompilationException extends InvalidBundleException {
  private static final long serialVersionUID = 1L;

  /** @param compilerMessage the CEL compiler's own text, with the position it points at */
  public record Failure(String ruleId, String compilerMessage) {}

  private final transient List<Failure> failures;

  public BundleCompilationException(List<Failure> failures) {
    super(describe(failures));
    this.failures = List.copyOf(failures);
  }

  /** The first failing rule, in bundle order. */
  public String ruleId() {
    return failures.get(0).ruleId();
  }

  public String compilerMessage() {
    return failures.get(0).compilerMessage();
  }

  public List<Failure> failures() {
    return failures;
  }

  private static String describe(List<Failure> failures) {
    if (failures.isEmpty()) throw new IllegalArgumentException("no failures");
    StringBuilder sb = new StringBuilder();
    for (Failure f : failures) {
      if (sb.length() > 0) sb.append('\n');
      sb.append("rule '").append(f.ruleId()).append("' does not compile: ").append(f.compilerMessage());
    }
    return sb.toString();
  }
}
