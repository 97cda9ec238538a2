package dev.agentbus.actors.deliberation;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The {@code agentbus.deliberation} block of the configuration.
 *
 * @param timeout how long a deliberation collects votes; its deadline is persisted as an instant
 * @param threshold the super-majority share (used by {@link VotingStrategy#SUPER_MAJORITY} only)
 * @param requiredVotes votes needed before votes can approve
 * @param highImpactRequiredVotes votes needed instead when the impact score is above {@code highImpactAbove}
 * @param voters fixed voters (agent ids); empty means the tenant's active JUDICIAL agents
 * @param maxVoters at most this many of the tenant's JUDICIAL agents are asked per held message
 * @param queueCapacity pending deliberations per tenant; a new held message beyond it is rejected
 * @param queueStaleAfter a queued entry this long past its deadline is dropped (its deliberation never opened)
 * @param queueDecidedHistory decided deliberations remembered per tenant, so that their decisions can be listed
 * @param recordRetry how often a decided deliberation re-sends its outcome until the ledger confirms it
 * @param systemSender the sender id of vote requests and outcome notifications
 */
public record DeliberationSettings(
    Duration timeout,
    VotingStrategy strategy,
    double threshold,
    int requiredVotes,
    int highImpactRequiredVotes,
    double highImpactAbove,
    List<String> voters,
    int maxVoters,
    int queueCapacity,
    Duration queueStaleAfter,
    int queueDecidedHistory,
    RiskRules risk,
    Duration recordRetry,
    String systemSender) {

  public DeliberationSettings {
    requirePositive(timeout, "timeout");
    requirePositive(queueStaleAfter, "queue.stale-after");
    requirePositive(recordRetry, "record-retry");
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(risk, "risk");
    VotingRule.superMajority(threshold); // refuses a threshold outside (0.5, 1] whatever the strategy
    if (requiredVotes < 1 || highImpactRequiredVotes < 1) {
      throw new IllegalArgumentException("required votes must be at least 1");
    }
    if (maxVoters < 1) throw new IllegalArgumentException("max-voters must be at least 1");
    if (queueCapacity < 1) throw new IllegalArgumentException("queue.capacity must be at least 1");
    if (queueDecidedHistory < 1) throw new IllegalArgumentException("queue.decided-history must be at least 1");
    if (systemSender == null || systemSender.isBlank()) {
      throw new IllegalArgumentException("system-sender must not be blank");
    }
    voters = List.copyOf(voters);
  }

  /** The values of this module's reference.conf. */
  public static DeliberationSettings defaults() {
    return new DeliberationSettings(Duration.ofSeconds(300), VotingStrategy.SUPER_MAJORITY, 0.66, 3, 5, 0.9,
        List.of(), 7, 1000, Duration.ofSeconds(60), 1000, RiskRules.defaults(), Duration.ofSeconds(5), "agentbus.governance");
  }

  public static DeliberationSettings fromConfig(Config block) {
    String strategy = block.getString("strategy");
    Config risk = block.getConfig("risk");
    return new DeliberationSettings(
        block.getDuration("timeout"),
        VotingStrategy.parse(strategy).orElseThrow(() -> new IllegalArgumentException(
            "agentbus.deliberation.strategy must be quorum, super-majority or unanimous, got '" + strategy + "'")),
        block.getDouble("threshold"),
        block.getInt("required-votes"),
        block.getInt("high-impact.required-votes"),
        block.getDouble("high-impact.above"),
        block.getStringList("voters"),
        block.getInt("max-voters"),
        block.getInt("queue.capacity"),
        block.getDuration("queue.stale-after"),
        block.getInt("queue.decided-history"),
        new RiskRules(risk.getDouble("signatures-at"), risk.getStringList("signature-roles"),
            risk.getDouble("critic-review-at"), risk.getString("critic-role"), risk.getDuration("review-timeout")),
        block.getDuration("record-retry"),
        block.getString("system-sender"));
  }

  /** 3, or 5 when the impact is above 0.9 (by default). */
  public int requiredVotesFor(double impactScore) {
    return impactScore > highImpactAbove ? highImpactRequiredVotes : requiredVotes;
  }

  public VotingRule rule() {
    return VotingRule.of(strategy, threshold);
  }

  private static void requirePositive(Duration d, String name) {
    if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive");
  }
}
