package dev.agentbus.actors.policy;

import dev.agentbus.actors.governance.GovernanceRequest;
import dev.agentbus.actors.governance.GovernanceStep;
import dev.agentbus.actors.governance.PolicyStep;
import dev.agentbus.actors.model.AgentMessage;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelOptions;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationResult;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.navigation.CelNavigableExpr;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelVariableResolver;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

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

  /**
   * @param fast the rule's fast path, null when it uses something only CEL evaluates
   * @param matched the verdict when the expression is true (immutable, so made once)
   */
  private record CompiledRule(PolicyRule rule, CelRuntime.Program program, FastRule.Node fast, RuleVerdict matched,
      RuleVerdict notMatched) {

    CompiledRule(PolicyRule rule, CelRuntime.Program program, FastRule.Node fast) {
      this(rule, program, fast, RuleVerdict.of(rule, RuleVerdict.Result.MATCHED, null),
          RuleVerdict.of(rule, RuleVerdict.Result.NOT_MATCHED, null));
    }

    /** True when {@code v} is one of this rule's verdicts that neither deny, hold nor would have acted. */
    boolean quiet(RuleVerdict v) {
      // not matching never denies, holds or acts
      return v == notMatched || (v == matched && changesNothing(matched));
    }

    RuleVerdict evaluate(FastRule.Frame frame, CelVariableResolver variables) {
      if (fast != null && fast.eval(frame.reset()) instanceof Boolean b) return b ? matched : notMatched;
      return evaluate(variables);
    }

    /** By the CEL program: what the fast path must always agree with. */
    RuleVerdict evaluate(CelVariableResolver variables) {
      Object result;
      try {
        result = program.eval(variables);
      } catch (CelEvaluationException e) {
        return RuleVerdict.of(rule, RuleVerdict.Result.ERROR, e.getMessage());
      } catch (RuntimeException e) {
        return RuleVerdict.of(rule, RuleVerdict.Result.ERROR, e.getClass().getSimpleName());
      }
      if (result instanceof Boolean b) return b ? matched : notMatched;
      // a dyn expression (message.payload.flag) may turn out not to be a bool at run time
      String type = result == null ? "null" : result.getClass().getSimpleName();
      return RuleVerdict.of(rule, RuleVerdict.Result.ERROR, "result is not a bool but " + type);
    }
  }

  /** A verdict that changes nothing in the pipeline's view (no denial, deliberation or annotation). */
  private static boolean changesNothing(RuleVerdict v) {
    return !v.blocking() && !v.holdsForDeliberation() && !v.wouldHaveActed();
  }

  private final ConstitutionBundle bundle;
  private final String digest;
  /** The pipeline's view of an outcome whose every verdict is quiet: made once, it is always the same. */
  private final PolicyStep.Verdict quietVerdict;
  private final List<CompiledRule> rules;
  private final Map<String, Object> bundleVariable;
  private final Clock clock;
  private final RateCounter rates;
  private final Set<String> uncacheableReferences;
  private final RateKeys senderKeys = new RateKeys("sender:", id -> id);
  private final RateKeys tenantKeys = new RateKeys("tenant:", PolicyVariables::tenant);

  /**
   * The rate counter's keys ({@code sender:<id>}, {@code tenant:<tenant>}) of recently seen ids, so a
   * decision neither concatenates nor hashes a new key string. Direct-mapped; racy but safe (entries are
   * immutable, a lost write only costs a concatenation).
   */
  private static final class RateKeys {
    private static final int BITS = 12;

    private record Entry(String id, String key) {}

    private final String prefix;
    private final UnaryOperator<String> normalize;
    private final Entry[] entries = new Entry[1 << BITS];

    RateKeys(String prefix, UnaryOperator<String> normalize) {
      this.prefix = prefix;
      this.normalize = normalize;
    }

    String key(String id) {
      if (id == null) return prefix + normalize.apply("");
      // Fibonacci hashing: ids such as agent-1 ... agent-999 differ in their low hash bits only a little
      int i = (id.hashCode() * 0x9E3779B9) >>> (32 - BITS);
      Entry e = entries[i];
      if (e != null && e.id().equals(id)) return e.key();
      String key = prefix + normalize.apply(id);
      entries[i] = new Entry(id, key);
      return key;
    }
  }

  private CompiledBundle(ConstitutionBundle bundle, List<CompiledRule> rules, Clock clock, RateCounter rates,
      Set<String> uncacheableReferences) {
    this.bundle = bundle;
    this.uncacheableReferences = Set.copyOf(uncacheableReferences);
    this.digest = bundle.digest();
    this.rules = List.copyOf(rules);
    this.bundleVariable = PolicyVariables.bundle(bundle, digest);
    this.clock = clock;
    this.rates = rates;
    List<RuleVerdict> quiet = new ArrayList<>(this.rules.size());
    for (CompiledRule r : this.rules) quiet.add(r.notMatched());
    this.quietVerdict = verdict(outcome(quiet));
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
    Set<String> uncacheable = new TreeSet<>();
    for (PolicyRule rule : bundle.rules()) {
      CelValidationResult result = CEL.compile(rule.expression());
      if (result.hasError()) {
        failures.add(new BundleCompilationException.Failure(rule.id(), result.getErrorString()));
        continue;
      }
      try {
        CelAbstractSyntaxTree ast = result.getAst();
        uncacheable.addAll(uncacheableReferences(ast));
        compiled.add(new CompiledRule(rule, CEL.createProgram(ast),
            FastRule.compile(ast, MAX_COMPREHENSION_ITERATIONS).orElse(null)));
      } catch (Exception e) {
        failures.add(new BundleCompilationException.Failure(rule.id(), String.valueOf(e.getMessage())));
      }
    }
    if (!failures.isEmpty()) throw new BundleCompilationException(failures);
    return new CompiledBundle(bundle, compiled, clock, rates, uncacheable);
  }

  // inputs that change from one message to the next whatever its sender and content (time, rates, ids):
  // a rule reading one of them gives results no decision cache may reuse
  private static final Set<String> VOLATILE = Set.of("message.id", "message.timestamp", "message.expiresAt",
      "sender.lastSeen", "sender.registeredAt", "recipient.lastSeen", "recipient.registeredAt");
  private static final Set<String> PER_MESSAGE = Set.of("message", "sender", "recipient");

  /**
   * What in one rule's AST makes its result depend on more than the decision cache's key: the
   * {@code context} variable (time and rates), a volatile field, or a whole variable used as a value
   * (its fields cannot be told apart then).
   */
  private static Set<String> uncacheableReferences(CelAbstractSyntaxTree ast) {
    Set<String> out = new TreeSet<>();
    CelNavigableAst.fromAst(ast).getRoot().allNodes().forEach(node -> {
      CelExpr e = node.expr();
      if (e.getKind() != CelExpr.ExprKind.Kind.IDENT) return;
      String name = e.ident().name();
      if (name.equals("context")) {
        out.add("context");
        return;
      }
      if (!PER_MESSAGE.contains(name)) return;
      CelNavigableExpr parent = node.parent().orElse(null);
      if (parent == null || parent.expr().getKind() != CelExpr.ExprKind.Kind.SELECT) {
        out.add(name);
        return;
      }
      String path = name + "." + parent.expr().select().field();
      if (VOLATILE.contains(path)) out.add(path);
    });
    return out;
  }

  public ConstitutionBundle bundle() {
    return bundle;
  }

  public String digest() {
    return digest;
  }

  /**
   * True when no rule reads {@code context} (time, rates), a volatile field ({@code message.id},
   * {@code message.timestamp}, {@code message.expiresAt}, a profile's {@code lastSeen} or
   * {@code registeredAt}) or a whole variable: then a rule's result is a function of the
   * {@link dev.agentbus.actors.governance.DecisionCache decision cache}'s key (the message but its id and
   * timestamps, both profiles but their timestamps, the digest) and may be cached. Decided once, at compile
   * time.
   */
  public boolean cacheable() {
    return uncacheableReferences.isEmpty();
  }

  /** Why {@link #cacheable()} is false (e.g. {@code context}, {@code message.id}); empty when it is true. */
  public Set<String> uncacheableReferences() {
    return uncacheableReferences;
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
   * The pipeline step that can also hold a message for deliberation ({@code require_deliberation} rules)
   * and annotates the decision with {@link PolicyOutcome#annotations()} ({@code policy.digest}, ...).
   */
  public PolicyStep asPolicyStep() {
    Optional<PolicyStep.Cacheable> view = cacheableView();
    return new PolicyStep() {
      @Override
      public PolicyStep.Verdict evaluate(GovernanceRequest request) {
        return decide(request);
      }

      @Override
      public Optional<PolicyStep.Cacheable> cacheable() {
        return view;
      }
    };
  }

  /**
   * The pipeline's view of {@link #evaluate} ({@code verdict(evaluate(request))}), without building the
   * outcome when every verdict is quiet (nothing denied, held, warned or dry-run): then it is always the
   * same verdict, made once.
   */
  public PolicyStep.Verdict decide(GovernanceRequest request) {
    RuleVerdict[] verdicts = verdicts(request, true, true);
    for (int i = 0; i < verdicts.length; i++) {
      if (!rules.get(i).quiet(verdicts[i])) return verdict(outcome(Arrays.asList(verdicts)));
    }
    return quietVerdict;
  }

  /**
   * This bundle as the pipeline's decision cache may key it, when it is {@link #cacheable()}: under its
   * digest, counting a message answered from the cache in the rates as {@link #decide} would have.
   */
  public Optional<PolicyStep.Cacheable> cacheableView() {
    return cacheable() ? Optional.of(new PolicyStep.Cacheable(digest, this::decide, this::count)) : Optional.empty();
  }

  /** Counts this message in the sender's and tenant's rates, as the enforcing path does. */
  public void count(GovernanceRequest request) {
    AgentMessage m = request.message();
    Instant now = clock.instant();
    rates.increment(senderKeys.key(m.sourceAgentId()), now);
    rates.increment(tenantKeys.key(m.tenantId()), now);
  }

  /** The pipeline's view of an outcome. */
  public static PolicyStep.Verdict verdict(PolicyOutcome outcome) {
    return new PolicyStep.Verdict(outcome.denial(), outcome.deliberationReasons(), outcome.annotations());
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

  /** For tests: a dry run by the CEL programs alone (no fast path), the reference the fast path must match. */
  PolicyOutcome dryRunByCel(GovernanceRequest request) {
    return run(request, false, false);
  }

  /** For tests: how many rules the fast path decided for this request (the others went to CEL). */
  int fastAnswers(GovernanceRequest request) {
    FastRule.Frame frame = new FastRule.Frame(variables(request, false));
    int n = 0;
    for (CompiledRule r : rules) {
      if (r.fast() != null && r.fast().eval(frame.reset()) instanceof Boolean) n++;
    }
    return n;
  }

  private PolicyOutcome run(GovernanceRequest request, boolean count) {
    return run(request, count, true);
  }

  private PolicyOutcome run(GovernanceRequest request, boolean count, boolean fastPath) {
    return outcome(Arrays.asList(verdicts(request, count, fastPath)));
  }

  private RuleVerdict[] verdicts(GovernanceRequest request, boolean count, boolean fastPath) {
    RuleVerdict[] verdicts = new RuleVerdict[rules.size()];
    DecisionInputs inputs;
    try {
      inputs = variables(request, count);
    } catch (RuntimeException e) {
      // inputs CEL cannot see are inputs no rule has approved
      String why = "inputs could not be prepared (" + e.getClass().getSimpleName() + ")";
      for (int i = 0; i < verdicts.length; i++) {
        verdicts[i] = RuleVerdict.of(rules.get(i).rule(), RuleVerdict.Result.ERROR, why);
      }
      return verdicts;
    }
    // one resolver for every rule: eval(Map) would copy the variables into a new immutable map per rule,
    // which costs as much as evaluating a simple rule (same values, same lookups, nothing copied)
    CelVariableResolver resolver = name -> Optional.ofNullable(FastRule.variable(inputs, name));
    FastRule.Frame frame = new FastRule.Frame(inputs);
    for (int i = 0; i < verdicts.length; i++) {
      CompiledRule r = rules.get(i);
      verdicts[i] = fastPath ? r.evaluate(frame, resolver) : r.evaluate(resolver);
    }
    return verdicts;
  }

  private PolicyOutcome outcome(List<RuleVerdict> verdicts) {
    return new PolicyOutcome(bundle.id(), bundle.version(), digest, verdicts);
  }

  /**
   * The decision's variables, each field computed when a rule first reads it. Counting the rates and
   * anything that could fail (serializing a nested payload) is done here, up front, as it always was.
   */
  private DecisionInputs variables(GovernanceRequest request, boolean count) {
    AgentMessage m = request.message();
    Instant now = clock.instant();
    String senderKey = senderKeys.key(m.sourceAgentId());
    String tenantKey = tenantKeys.key(m.tenantId());
    // a dry run reports the rate as if this message were counted, so it sees what enforcement would
    long senderRate = count ? rates.increment(senderKey, now) : rates.count(senderKey, now) + 1;
    long tenantRate = count ? rates.increment(tenantKey, now) : rates.count(tenantKey, now) + 1;
    DecisionInputs inputs = new DecisionInputs(m, request.sender(), request.recipient(), request.payloadJson(), now,
        senderRate, tenantRate, rates.window(), bundleVariable);
    if (!DecisionInputs.surelySerializable(m.payload())) inputs.preparePayloadJson();
    return inputs;
  }
}
