package dev.agentbus.actors.policy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One rule of a constitution bundle (the SDK policy API's rule object). The expression says when the
 * effect applies: {@code deny} rules describe the violation, as Gatekeeper constraints do.
 *
 * @param id stable, in reason codes ({@code policy_denied:<id>}); letters, digits, {@code _ . -}
 * @param description for humans; the message of the denial reason
 * @param expression CEL over {@code message}, {@code sender}, {@code recipient}, {@code context} and
 *     {@code bundle}; must evaluate to a bool (see docs/policies.md)
 * @param severity defaults to {@code medium}
 * @param enforcement defaults to {@code deny}, i.e. enforced: a rule must opt out of blocking, never in
 */
public record PolicyRule(
    String id, String description, String expression, Effect effect, Severity severity, Enforcement enforcement) {

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

  public PolicyRule {
    if (id == null || !ID.matcher(id).matches()) {
      throw new InvalidBundleException("rule id '" + id + "' must be 1-128 letters, digits, '_', '.' or '-'");
    }
    if (expression == null || expression.isBlank()) {
      throw new InvalidBundleException("rule '" + id + "' has no expression");
    }
    if (effect == null) throw new InvalidBundleException("rule '" + id + "' has no effect");
    description = description == null ? "" : description;
    severity = severity == null ? Severity.MEDIUM : severity;
    enforcement = enforcement == null ? Enforcement.DENY : enforcement;
  }

  public static PolicyRule deny(String id, String description, String expression) {
    return new PolicyRule(id, description, expression, Effect.DENY, Severity.MEDIUM, Enforcement.DENY);
  }

  public PolicyRule withEnforcement(Enforcement e) {
    return new PolicyRule(id, description, expression, effect, severity, e);
  }

  public PolicyRule withExpression(String e) {
    return new PolicyRule(id, description, e, effect, severity, enforcement);
  }

  public PolicyRule withEffect(Effect e) {
    return new PolicyRule(id, description, expression, e, severity, enforcement);
  }

  /** True when this rule may block or hold a message (rather than only record what it would have done). */
  public boolean enforced() {
    return enforcement == Enforcement.DENY;
  }

  /** What happens when the expression is true. */
  public enum Effect {
    DENY,
    REQUIRE_DELIBERATION,
    /** Recorded only: an allow never overrides another rule's deny (deny wins, fail closed). */
    ALLOW;

    @JsonValue
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    static Effect fromJson(String value) {
      return parse(Effect.class, value, "effect");
    }
  }

  /** Gatekeeper's enforcement actions: {@code dryrun} and {@code warn} record but never block. */
  public enum Enforcement {
    DENY,
    DRYRUN,
    WARN;

    @JsonValue
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    static Enforcement fromJson(String value) {
      return parse(Enforcement.class, value, "enforcement");
    }
  }

  /** The SDK's compliance severities. */
  public enum Severity {
    LOW,
    MEDIUM,
    HIGH,
    CRITICAL;

    @JsonValue
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    static Severity fromJson(String value) {
      return parse(Severity.class, value, "severity");
    }
  }

  private static <E extends Enum<E>> E parse(Class<E> type, String value, String field) {
    if (value != null) {
      for (E e : type.getEnumConstants()) {
        if (e.name().equalsIgnoreCase(value.trim())) return e;
      }
    }
    throw new InvalidBundleException("unknown " + field + " '" + value + "'");
  }
}
