package dev.agentbus.node.http;

import dev.agentbus.actors.bus.AgentBus;
import dev.agentbus.actors.governance.DecisionCache;
import dev.agentbus.actors.policy.ActivePolicy;
import dev.agentbus.actors.policy.CompiledBundle;
import dev.agentbus.actors.policy.ConstitutionBundle;
import dev.agentbus.actors.policy.OpaPolicy;
import dev.agentbus.actors.policy.PolicyOutcome;
import dev.agentbus.actors.policy.PolicyRegistry;
import dev.agentbus.actors.policy.PolicyRule;
import dev.agentbus.actors.policy.RuleVerdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A policy on the wire: the SDK's Policy (contract section 3) plus extensions that zod strips
 * ({@code digest}, {@code updatedBy}, {@code signedBy}, and on versions {@code policyId} and {@code content},
 * which the TS policy registry reads, contract 4.7). Policies are cluster-wide, so {@code tenantId} is
 * left out.
 *
 * <p>The registry has no field for compliance tags: they are kept among its tags with the prefix
 * {@value #COMPLIANCE_PREFIX} and shown apart here.
 *
 * @param rules the bundle's rule objects {@code {id, description, expression, effect, severity, enforcement}}
 * @param digest SHA-256 of the bundle's canonical form (what every decision records)
 * @param signedBy key ids of the bundle's signatures
 */
record PolicyView(
    String id,
    String name,
    String version,
    String description,
    String status,
    List<RuleView> rules,
    String constitutionalHash,
    Instant createdAt,
    Instant updatedAt,
    String createdBy,
    List<String> tags,
    List<String> complianceTags,
    String digest,
    String updatedBy,
    List<String> signedBy,
    String policyId,
    ContentView content) {

  static final String COMPLIANCE_PREFIX = "compliance:";

  /** A rule object as the SDK's policy API gives and takes it. */
  record RuleView(String id, String description, String expression, String effect, String severity,
      String enforcement) {
    static RuleView of(PolicyRule r) {
      return new RuleView(r.id(), r.description(), r.expression(), r.effect().wire(), r.severity().wire(),
          r.enforcement().wire());
    }
  }

  /** A version's content (the TS registry's PolicyVersion.content): its rules and its bundle. */
  record ContentView(String bundleId, String bundleVersion, List<RuleView> rules) {}

  /** The policy at its current version. */
  static PolicyView of(PolicyRegistry.PolicyView p) {
    PolicyRegistry.Version v = p.current();
    ConstitutionBundle b = p.bundle();
    return view(p, v, b, p.updatedAt(), p.updatedBy(), false);
  }

  /** Each kept version, oldest first, as a Policy with {@code policyId} and {@code content}. */
  static List<PolicyView> versions(PolicyRegistry.PolicyView p) {
    List<PolicyView> out = new ArrayList<>(p.versions().size());
    for (PolicyRegistry.Version v : p.versions()) {
      ConstitutionBundle b = ConstitutionBundle.parse(v.bundleJson());
      boolean current = v == p.current();
      out.add(view(p, v, b, current ? p.updatedAt() : v.createdAt(), current ? p.updatedBy() : v.createdBy(), true));
    }
    return out;
  }

  private static PolicyView view(PolicyRegistry.PolicyView p, PolicyRegistry.Version v, ConstitutionBundle b,
      Instant updatedAt, String updatedBy, boolean withContent) {
    List<RuleView> rules = b.rules().stream().map(RuleView::of).toList();
    List<String> tags = p.tags().stream().filter(t -> !t.startsWith(COMPLIANCE_PREFIX)).toList();
    List<String> compliance = p.tags().stream().filter(t -> t.startsWith(COMPLIANCE_PREFIX))
        .map(t -> t.substring(COMPLIANCE_PREFIX.length())).toList();
    List<String> signedBy = b.signatures().stream().map(ConstitutionBundle.Signature::keyId).toList();
    return new PolicyView(p.id(), p.name(), v.version(), blankToNull(p.description()), p.status().wire(), rules,
        Responses.CONSTITUTIONAL_HASH, p.createdAt(),
        updatedAt, p.createdBy(), tags, compliance.isEmpty() ? null : compliance, v.digest(), updatedBy,
        signedBy.isEmpty() ? null : signedBy, withContent ? p.id() : null,
        withContent ? new ContentView(b.id(), b.version(), rules) : null);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  /**
   * A dry run of one message against one policy (the TS registry's verify answer, contract 4.7, plus every
   * rule's verdict).
   *
   * @param allowed false when an enforced rule denies or fails
   * @param reason the first blocking reason's code ({@code policy_denied:<id>}), absent when allowed
   * @param violations ids of the enforced rules that deny or failed
   */
  record DryRun(boolean allowed, String reason, String message, List<String> violations,
      boolean requiresDeliberation, List<String> warnings, List<String> dryRuns, String policyId, String version,
      String digest, List<Verdict> verdicts, String constitutionalHash) {

    static DryRun of(String policyId, String version, PolicyOutcome o) {
      var denial = o.denial();
      List<String> violations = o.verdicts().stream().filter(RuleVerdict::blocking).map(RuleVerdict::ruleId).toList();
      return new DryRun(denial.isEmpty(), denial.map(r -> r.code()).orElse(null),
          denial.map(r -> r.message()).orElse(null), violations, o.requiresDeliberation(),
          o.warnings().stream().map(RuleVerdict::ruleId).toList(), o.dryRuns().stream().map(RuleVerdict::ruleId).toList(),
          policyId, version, o.bundleDigest(), o.verdicts().stream().map(Verdict::of).toList(),
          Responses.CONSTITUTIONAL_HASH);
    }
  }

  /**
   * One rule's verdict.
   *
   * @param result {@code matched} (the expression was true), {@code not_matched}, or {@code error}
   * @param outcome what the rule does to the message: {@code deny}, {@code require_deliberation},
   *     {@code would_deny} / {@code would_require_deliberation} / {@code would_error} (dryrun and warn rules),
   *     {@code allow} (a matching allow rule) or {@code none}
   * @param error the evaluator's message when {@code result} is {@code error}
   */
  record Verdict(String ruleId, String description, String effect, String enforcement, String severity,
      String result, String outcome, String error) {
    static Verdict of(RuleVerdict v) {
      String outcome;
      if (v.blocking()) outcome = v.result() == RuleVerdict.Result.ERROR ? "error" : "deny";
      else if (v.holdsForDeliberation()) outcome = "require_deliberation";
      else if (v.wouldHaveActed()) {
        outcome = v.result() == RuleVerdict.Result.ERROR ? "would_error" : "would_" + v.effect().wire();
      } else if (v.matched() && v.effect() == PolicyRule.Effect.ALLOW) outcome = "allow";
      else outcome = "none";
      return new Verdict(v.ruleId(), v.description(), v.effect().wire(), v.enforcement().wire(), v.severity().wire(),
          v.result().name().toLowerCase(Locale.ROOT), outcome, v.error());
    }
  }

  /** The answer of {@code POST /policies/validate} (contract 4.6). */
  record Validation(boolean valid, List<String> errors) {}

  /**
   * {@code GET /policies/stats} (and {@code policy} in the governance metrics): this node's policy step.
   *
   * @param activePolicyId absent when no policy is active on this node
   * @param cacheable whether the active bundle's verdicts may be cached (no rule reads time, rates or ids)
   * @param decisionCache the node's decision cache (the governance checks, and the bundle when cacheable)
   */
  record Stats(String activePolicyId, String bundleDigest, long generation, boolean cacheable,
      CacheStats decisionCache, OpaStats opa, String constitutionalHash) {

    static Stats of(AgentBus bus) {
      ActivePolicy active = bus.policies().active();
      DecisionCache.Stats c = bus.decisionCacheStats();
      long lookups = c.hits() + c.misses();
      CacheStats cache = new CacheStats(bus.policies().settings().cacheEnabled(), c.hits(), c.misses(), c.evictions(),
          c.size(), lookups == 0 ? 0.0 : (double) c.hits() / lookups);
      OpaStats opa = bus.opa().map(o -> {
        OpaPolicy.Stats s = o.stats();
        return new OpaStats(true, s.breaker(), s.allowed(), s.denied(), s.unavailable());
      }).orElse(new OpaStats(false, null, 0, 0, 0));
      return new Stats(active.policyId().orElse(null), active.digest().orElse(null), active.generation(),
          active.bundle().map(CompiledBundle::cacheable).orElse(false), cache, opa, Responses.CONSTITUTIONAL_HASH);
    }
  }

  /** Counts since the node started (kept across bundle changes); {@code size} now. */
  record CacheStats(boolean enabled, long hits, long misses, long evictions, long size, double hitRate) {}

  /** @param breaker closed, open or half-open; absent when OPA is not configured */
  record OpaStats(boolean enabled, String breaker, long allowed, long denied, long unavailable) {}
}
