package dev.agentbus.actors.governance;

import static dev.agentbus.actors.governance.Fixtures.agent;
import static dev.agentbus.actors.governance.Fixtures.json;
import static dev.agentbus.actors.governance.Fixtures.msg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.model.Priority;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Inventory 3.1 and acceptance case 23, with a fixed daytime clock. */
class ImpactScorerTest {

  private static final double EPS = 1e-9;

  private final AgentProfile exec = agent("exec", MaciRole.EXECUTIVE);
  private final AgentProfile target = agent("target", MaciRole.EXECUTIVE);

  @Test
  void scoresAPlainReadCommandAt009() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").payload("{\"action\":\"read\"}")
        .through(Fixtures.pipeline(), exec, target);
    assertEquals(Decision.Outcome.ALLOW, d.outcome());
    assertEquals(0.09, d.impactScore(), EPS);
  }

  @Test
  void holdsThreeHighImpactKeywordsAt080() {
    Decision d = msg(MessageType.COMMAND, "exec", "target")
        .payload("{\"content\":\"critical security breach\"}").through(Fixtures.pipeline(), exec, target);
    assertEquals(Decision.Outcome.DELIBERATE, d.outcome());
    assertEquals(0.80, d.impactScore(), EPS);
    assertEquals(ReasonCodes.HIGH_IMPACT, d.reasonCodes());
  }

  @Test
  void scoresAHighGovernanceRequestWithTwoKeywordsAt034() {
    Decision d = msg(MessageType.GOVERNANCE_REQUEST, "exec", "target").priority(Priority.HIGH)
        .payload("{\"description\":\"policy audit\"}").through(Fixtures.pipeline(), exec, target);
    assertEquals(Decision.Outcome.ALLOW, d.outcome());
    assertEquals(0.34, d.impactScore(), EPS);
  }

  @Test
  void scoresAHighGovernanceRequestWithAdminToolAndLargeAmountAt036() {
    Decision d = msg(MessageType.GOVERNANCE_REQUEST, "exec", "target").priority(Priority.HIGH)
        .payload("{\"tools\":[{\"name\":\"admin\"}],\"payload\":{\"amount\":50000}}")
        .through(Fixtures.pipeline(), exec, target);
    assertEquals(0.36, d.impactScore(), EPS);
  }

  @Test
  void holdsAnyCriticalMessageAt090() {
    Decision d = msg(MessageType.EVENT, "exec", "target").priority(Priority.CRITICAL)
        .through(Fixtures.pipeline(), exec, target);
    assertEquals(Decision.Outcome.DELIBERATE, d.outcome());
    assertEquals(0.90, d.impactScore(), EPS);
    assertEquals("1.0", d.annotations().get("impact.priority"));
  }

  @Test
  void takesTheHigherOfMessageAndPayloadPriority() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").payload("{\"action\":\"read\",\"priority\":\"critical\"}")
        .through(Fixtures.pipeline(), exec, target);
    assertEquals(0.90, d.impactScore(), EPS);
    // a CRITICAL message cannot talk itself down through its payload
    assertEquals(1.0, ImpactScorer.priority(json("\"low\""), Priority.CRITICAL), EPS);
    assertEquals(0.3, ImpactScorer.priority(json("\"whatever\""), Priority.LOW), EPS);
    assertEquals(0.7, ImpactScorer.priority(json("2"), Priority.LOW), EPS);
    assertEquals(0.3, ImpactScorer.priority(json("\"medium\""), Priority.LOW), EPS);
    assertEquals(0.1, ImpactScorer.priority(null, Priority.LOW), EPS);
  }

  @Test
  void raisesTheContextScoreAtNightInTheConfiguredZone() {
    Clock threeAm = Clock.fixed(Instant.parse("2025-06-02T03:00:00Z"), ZoneOffset.UTC);
    GovernancePipeline night = GovernancePipeline.create(GovernanceSettings.defaults(), threeAm, OutputRegistry.bounded(10));
    assertEquals(0.12, msg(MessageType.COMMAND, "exec", "target").through(night, exec, target).impactScore(), EPS);

    // noon UTC is 3 AM nine hours west
    GovernanceSettings d = GovernanceSettings.defaults();
    GovernanceSettings west = d.withImpact(new GovernanceSettings.Impact(
        d.impact().weights(), d.impact().maxTrackedAgents(), ZoneId.of("-09:00")));
    assertEquals(0.12, msg(MessageType.COMMAND, "exec", "target").through(Fixtures.pipeline(west), exec, target)
        .impactScore(), EPS);
  }

  @Test
  void countsKeywordsOnlyInTheContentKeysRecursively() {
    assertEquals(0.3, ImpactScorer.semantic(json("{\"details\":{\"title\":\"audit\"}}")), EPS);
    assertEquals(0.6, ImpactScorer.semantic(json("{\"content\":\"alert\",\"payload\":{\"reason\":\"risk\"}}")), EPS);
    assertEquals(0.0, ImpactScorer.semantic(json("{\"notes\":\"critical breach\"}")), EPS);
    assertEquals(0.0, ImpactScorer.semantic(json("{\"content\":[\"critical breach\"]}")), EPS);
    assertEquals(0.3, ImpactScorer.semantic(json("{\"subject\":\"UNAUTHORIZED\"}")), EPS);
    // substring matching, capped at 0.9
    assertEquals(0.9, ImpactScorer.semantic(json(
        "{\"content\":\"critical emergency security breach violation\"}")), EPS);
    assertEquals(0.3, ImpactScorer.semantic(json("{\"content\":\"policyholder\"}")), EPS);
  }

  @Test
  void scoresTheRiskiestRequestedTool() {
    assertEquals(0.1, ImpactScorer.permission(null), EPS);
    assertEquals(0.1, ImpactScorer.permission(json("[]")), EPS);
    assertEquals(0.2, ImpactScorer.permission(json("[\"read_file\"]")), EPS);
    assertEquals(0.5, ImpactScorer.permission(json("[\"read_file\",\"send_mail\"]")), EPS);
    assertEquals(0.9, ImpactScorer.permission(json("[\"read_file\",{\"name\":\"Delete_User\"}]")), EPS);
    assertEquals(0.5, ImpactScorer.permission(json("[{\"title\":\"nameless\"}]")), EPS);
    assertEquals(0.9, ImpactScorer.permission(json("\"payment\"")), EPS);
  }

  @Test
  void scoresVolumeBySendsInTheLastMinute() {
    ImpactScorer.AgentState state = new ImpactScorer.AgentState();
    long t = Fixtures.NOON.toEpochMilli();
    for (int i = 1; i <= 9; i++) assertEquals(0.1, state.volume(t), EPS, "send " + i);
    assertEquals(0.4, state.volume(t), EPS);
    for (int i = 11; i <= 49; i++) state.volume(t);
    assertEquals(0.7, state.volume(t), EPS);
    for (int i = 51; i <= 99; i++) state.volume(t);
    assertEquals(1.0, state.volume(t), EPS);
    assertEquals(1.0, state.volume(t + 59_999), EPS);
    // a minute later the earlier sends no longer count
    assertEquals(0.1, state.volume(t + 60_000 + 59_999), EPS);
  }

  @Test
  void detectsDriftFromTheAgentsUsualContext() {
    ImpactScorer.AgentState state = new ImpactScorer.AgentState();
    assertEquals(0.0, state.drift(0.2), EPS);
    assertEquals(0.0, state.drift(0.2), EPS);
    assertEquals(0.4 / 0.3 * 0.5, state.drift(0.6), EPS);
    // mean is now 1/3: a deviation of 0.2667 is under the threshold
    assertEquals(0.0, state.drift(0.6), EPS);
    ImpactScorer.AgentState calm = new ImpactScorer.AgentState();
    calm.drift(0.0);
    assertEquals(1.0, calm.drift(1.0), EPS);
  }

  @Test
  void aLargeAmountAfterUsualTrafficAddsDrift() {
    GovernancePipeline p = Fixtures.pipeline();
    msg(MessageType.COMMAND, "exec", "target").through(p, exec, target);
    Decision d = msg(MessageType.COMMAND, "exec", "target").payload("{\"payload\":{\"amount\":20000}}")
        .through(p, exec, target);
    // 0.09 + 0.04 (context 0.6) + 0.15 * 0.6667 (drift)
    assertEquals(0.09 + 0.04 + 0.15 * (0.4 / 0.3 * 0.5), d.impactScore(), EPS);
  }

  @Test
  void keepsPerAgentStateBoundedOverAThousandSends() {
    DefaultGovernancePipeline p = (DefaultGovernancePipeline) Fixtures.pipeline();
    for (int i = 0; i < 1000; i++) msg(MessageType.COMMAND, "exec", "target").through(p, exec, target);

    ImpactScorer.AgentState state = p.scorer().stateOf("exec");
    assertEquals(100, state.volumeEntries());
    assertEquals(100, state.volumeCapacity());
    assertEquals(20, state.driftEntries());
    assertEquals(20, state.driftCapacity());
    assertEquals(1, p.scorer().trackedAgents());
  }

  @Test
  void tracksAtMostTheConfiguredNumberOfAgents() {
    GovernanceSettings d = GovernanceSettings.defaults();
    GovernanceSettings small = Fixtures.nonStrict().withImpact(
        new GovernanceSettings.Impact(d.impact().weights(), 10, d.impact().hourZone()));
    DefaultGovernancePipeline p = (DefaultGovernancePipeline) Fixtures.pipeline(small);
    for (int i = 0; i < 200; i++) msg(MessageType.QUERY, "agent-" + i, "target").through(p, null, target);
    assertTrue(p.scorer().trackedAgents() <= 10, () -> "tracked " + p.scorer().trackedAgents());
  }

  @Test
  void keepsOneAgentsRingsConsistentUnderConcurrentSends() throws InterruptedException {
    DefaultGovernancePipeline p = (DefaultGovernancePipeline) Fixtures.pipeline();
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = new Thread(() -> {
        for (int i = 0; i < 250; i++) msg(MessageType.COMMAND, "exec", "target").through(p, exec, target);
      });
      threads[t].start();
    }
    for (Thread t : threads) t.join();
    ImpactScorer.AgentState state = p.scorer().stateOf("exec");
    assertEquals(100, state.volumeEntries());
    assertEquals(20, state.driftEntries());
    // every send was at the same instant: a full window
    assertEquals(1.0, state.volume(Fixtures.NOON.toEpochMilli()), EPS);
  }

  @Test
  void normalisesByTheWeightSum() {
    GovernanceSettings d = GovernanceSettings.defaults();
    GovernanceSettings.ImpactWeights doubled = new GovernanceSettings.ImpactWeights(0.6, 0.4, 0.2, 0.2, 0.3, 0.2, 0.1);
    GovernanceSettings s = d.withImpact(new GovernanceSettings.Impact(doubled, 1000, ZoneOffset.UTC));
    assertEquals(0.09, msg(MessageType.COMMAND, "exec", "target").through(Fixtures.pipeline(s), exec, target)
        .impactScore(), EPS);
  }
}
