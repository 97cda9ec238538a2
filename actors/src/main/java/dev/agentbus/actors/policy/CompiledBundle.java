package dev.agentbus.actors.policy;

import dev.agentbus.actors.governance.GovernanceRequest;
import dev.agentbus.actors.governance.GovernanceStep;
import dev.agentbus.actors.model.AgentMessage;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A constitution bundle whose CEL rules are compiled, once, into programs: step 6 of the governance
 * pipeline. Immutable and thread-safe (CEL programs are; the rate counter is).
 *
 * <p>Fail closed: a rule that throws, or gives anything but a bool, is an ERROR verdict, and an enforced
 * rule in ERROR denies with {@code policy_error:<id>}. Every rule is evaluated for every message, so the
 * outcome is complete for the audit trail whatever denied it.
 */
public final class CompiledBundle {

  /** Loops in CEL macros ({@code exists}, {@code all}, ...) stop with an error, hence a denial, past this. */
  public static final int MAX_COMPREHENSION_ITERATIONS = 10_000;

  private static final CelOptions OPTIONS = CelOptions.current()
      .enableOptionalSyntax(true)
      // payload numbers arrive as int or double; 3 > 2.5 must not depend on how the sender wrote them
      .enableHeterogeneousNumericComparisons(true)
      .comprehensionMaxIterations(MAX_COMPREHENSION_ITERATIONS)
      .build();

  private static final MapType OBJECT = MapType.create(SimpleType.STRING, SimpleType.DYN);

  // one environment for every bundle: the variables are fixed, and building it is not free
  private static final Cel CEL = CelFactory.standardCelBuilder()
      .setOptions(OPTIONS)
      .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
      .addCompilerLibraries(CelExtensions.strings(), CelExtensions.optional(), CelExtensions.bindings(),
          CelExtensions.sets(OPTIONS))
      .addRuntimeLibraries(CelExtensions.strings(), CelExtensions.optional(), CelExtensions.sets(OPTIONS))
      .addVar("message", OBJECT)
      .addVar("sender", OBJECT)
      .addVar("recipient", OBJECT)
      .addVar("context", OBJECT)
      .addVar("bundle", OBJECT)
      .setResultType(SimpleType.BOOL)
      .build();

  private record CompiledRule(PolicyRule rule, CelRuntime.Program program) {
    RuleVerdict evaluate(Map<String, Object> variables) {
      Object result;
      try {
        result = program.eval(variables);
      } catch (CelEvaluationException e) {
        return RuleVerdict.of(rule, RuleVerdict.Result.ERROR, e.getMessage());
      } catch (RuntimeException e) {
        return RuleVerdict.of(rule, RuleVerdict.Result.ERROR, e.getClass().getSimpleName());
      }
      if (result instanceof Boolean b) {
        return RuleVerdict.of(rule, b ? RuleVerdict.Result.MATCHED : RuleVerdict.Result.NOT_MATCHED, null);
      }
      // a dyn expression (message.payload.flag) may turn out not to be a bool at run time
      String type = result == null ? "null" : result.getClass().getSimpleName();
      return RuleVerdict.of(rule, RuleVerdict.Result.ERROR, "result is not a bool but " + type);
    }
  }

  private final ConstitutionBundle bundle;
  private final String digest;
  private final List<CompiledRule> rules;
  private final Map<String, Object> bundleVariable;
  private final Clock clock;
  private final RateCounter rates;

  private CompiledBundle(ConstitutionBundle bundle, List<CompiledRule> rules, Clock clock, RateCounter rates) {
    this.bundle = bundle;
    this.digest = bundle.digest();
    this.rules = List.copyOf(rules);
    this.bundleVariable = PolicyVariables.bundle(bundle, digest);
    this.clock = clock;
    this.rates = rates;
  }

  /** With the system clock and an in-memory {@link RateCounter#inMemory() rate counter}. */
  public static CompiledBundle compile(ConstitutionBundle bundle) {
    return compile(bundle, Clock.systemUTC(), RateCounter.inMemory());
  }

  /**
   * Compiles every rule, or throws {@link BundleCompilationException} listing each rule that does not
   * compile, with the compiler's message.
   */
  public static CompiledBundle compile(ConstitutionBundle bundle, Clock clock, RateCounter rates) {
    Objects.requireNonNull(bundle, "bundle");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(rates, "rates");
    List<CompiledRule> compiled = new ArrayList<>(bundle.rules().size());
    List<BundleCompilationException.Failure> failures = new ArrayList<>();
    for (PolicyRule rule : bundle.rules()) {
      CelValidationResult result = CEL.compile(rule.expression());
      if (result.hasError()) {
        failures.add(new BundleCompilationException.Failure(rule.id(), result.getErrorString()));
        continue;
      }
      try {
        compiled.add(new CompiledRule(rule, CEL.createProgram(result.getAst())));
      } catch (Exception e) {
        failures.add(new BundleCompilationException.Failure(rule.id(), String.valueOf(e.getMessage())));
      }
    }
    if (!failures.isEmpty()) throw new BundleCompilationException(failures);
    return new CompiledBundle(bundle, compiled, clock, rates);
  }

  public ConstitutionBundle bundle() {
    return bundle;
  }

  public String digest() {
    return digest;
  }

  /** Evaluates every rule; counts this message in the sender's and tenant's rates (the enforcing path). */
  public PolicyOutcome evaluate(GovernanceRequest request) {
    return run(request, true);
  }

  /** Like {@link #evaluate} but counts nothing: for dry runs against a bundle that is not active. */
  public PolicyOutcome dryRun(GovernanceRequest request) {
    return run(request, false);
  }

  /** The pipeline step: the first blocking verdict's reason, or empty. */
  public GovernanceStep asStep() {
    return asStep(outcome -> {});
  }

  /**
   * The pipeline step, handing every outcome to {@code observer} first (to log warn and dryrun verdicts,
   * or to keep deliberation requests until the pipeline can act on them). An observer that throws makes
   * the pipeline deny with {@code governance_error}.
   */
  public GovernanceStep asStep(Consumer<PolicyOutcome> observer) {
    Objects.requireNonNull(observer, "observer");
    return request -> {
      PolicyOutcome outcome = evaluate(request);
      observer.accept(outcome);
      return outcome.denial();
    };
  }

  private PolicyOutcome run(GovernanceRequest request, boolean count) {
    Map<String, Object> variables;
    try {
      variables = variables(request, count);
    } catch (RuntimeException e) {
      // inputs CEL cannot see are inputs no rule has approved
      List<RuleVerdict> failed = new ArrayList<>(rules.size());
      String why = "inputs could not be prepared (" + e.getClass().getSimpleName() + ")";
      for (CompiledRule r : rules) failed.add(RuleVerdict.of(r.rule(), RuleVerdict.Result.ERROR, why));
      return outcome(failed);
    }
    List<RuleVerdict> verdicts = new ArrayList<>(rules.size());
    for (CompiledRule r : rules) verdicts.add(r.evaluate(variables));
    return outcome(verdicts);
  }

  private PolicyOutcome outcome(List<RuleVerdict> verdicts) {
    return new PolicyOutcome(bundle.id(), bundle.version(), digest, verdicts);
  }

  private Map<String, Object> variables(GovernanceRequest request, boolean count) {
    AgentMessage m = request.message();
    Instant now = clock.instant();
    String senderKey = "sender:" + (m.sourceAgentId() == null ? "" : m.sourceAgentId());
    String tenantKey = "tenant:" + PolicyVariables.tenant(m.tenantId());
    // a dry run reports the rate as if this message were counted, so it sees what enforcement would
    long senderRate = count ? rates.increment(senderKey, now) : rates.count(senderKey, now) + 1;
    long tenantRate = count ? rates.increment(tenantKey, now) : rates.count(tenantKey, now) + 1;
    return Map.of(
        "message", PolicyVariables.message(m),
        "sender", PolicyVariables.profile(request.sender()),
        "recipient", PolicyVariables.profile(request.recipient()),
        "context", PolicyVariables.context(now, senderRate, tenantRate, rates.window()),
        "bundle", bundleVariable);
  }
}
