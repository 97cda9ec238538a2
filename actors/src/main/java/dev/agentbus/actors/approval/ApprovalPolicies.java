package dev.agentbus.actors.approval;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The configured approval policies ({@code agentbus.approvals.policies}) and the risk-based choice among them
 * ({@code agentbus.approvals.policy-by-risk}): the first rule whose {@code at} the risk reaches, else the
 * fallback. Plain Java (Typesafe Config only). The reference configuration holds the original's four:
 * critical_deployment from 0.9, high_risk_action from 0.7, policy_change from 0.5, else standard_request.
 */
public final class ApprovalPolicies {

  /** The name a creator gives to have the policy chosen by the request's risk. */
  public static final String BY_RISK = "auto";

  /** @param at the lowest risk (0..1) this rule applies to */
  public record RiskRule(double at, String policy) {}

  private final Map<String, ApprovalPolicy> byName;
  private final List<RiskRule> byRisk;
  private final String fallback;

  private ApprovalPolicies(Map<String, ApprovalPolicy> byName, List<RiskRule> byRisk, String fallback) {
    this.byName = Map.copyOf(byName);
    List<RiskRule> sorted = new ArrayList<>(byRisk);
    sorted.sort(Comparator.comparingDouble(RiskRule::at).reversed());
    this.byRisk = List.copyOf(sorted);
    this.fallback = fallback;
    for (RiskRule r : this.byRisk) {
      if (!this.byName.containsKey(r.policy())) throw new IllegalArgumentException("no approval policy " + r.policy());
    }
    if (!this.byName.containsKey(fallback)) throw new IllegalArgumentException("no approval policy " + fallback);
  }

  public static ApprovalPolicies of(List<ApprovalPolicy> policies, List<RiskRule> byRisk, String fallback) {
    Map<String, ApprovalPolicy> m = new LinkedHashMap<>();
    for (ApprovalPolicy p : policies) {
      if (m.put(p.name(), p) != null) throw new IllegalArgumentException("approval policy " + p.name() + " twice");
    }
    return new ApprovalPolicies(m, byRisk, fallback);
  }

  /** Reads {@code policies}, {@code policy-by-risk} and {@code policy-by-risk-fallback} of the approvals block. */
  public static ApprovalPolicies fromConfig(Config approvals) {
    List<ApprovalPolicy> policies = new ArrayList<>();
    Config all = approvals.getConfig("policies");
    for (String name : all.root().keySet()) {
      Config p = all.getConfig(name);
      policies.add(new ApprovalPolicy(name, p.getStringList("required-roles"), p.getInt("min-approvers"),
          p.getBoolean("require-all-roles"), p.getDuration("timeout"), p.getDuration("escalation-step"),
          p.getDouble("auto-approve-below")));
    }
    List<RiskRule> rules = new ArrayList<>();
    for (Config r : approvals.getConfigList("policy-by-risk")) {
      rules.add(new RiskRule(r.getDouble("at"), r.getString("policy")));
    }
    return of(policies, rules, approvals.getString("policy-by-risk-fallback"));
  }

  public Optional<ApprovalPolicy> named(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** The policy for a risk in 0..1. */
  public ApprovalPolicy forRisk(double risk) {
    for (RiskRule r : byRisk) {
      if (risk >= r.at()) return byName.get(r.policy());
    }
    return byName.get(fallback);
  }

  public List<ApprovalPolicy> all() {
    return byName.values().stream().sorted(Comparator.comparing(ApprovalPolicy::name)).toList();
  }

  public List<RiskRule> riskRules() {
    return byRisk;
  }
}
