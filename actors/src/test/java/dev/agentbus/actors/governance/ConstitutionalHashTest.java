package dev.agentbus.actors.governance;

import static dev.agentbus.actors.governance.Fixtures.agent;
import static dev.agentbus.actors.governance.Fixtures.msg;
import static dev.agentbus.actors.governance.StructureStepTest.assertDenied;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageType;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConstitutionalHashTest {

  private final GovernancePipeline pipeline = Fixtures.pipeline();
  private final AgentProfile exec = agent("exec", MaciRole.EXECUTIVE);
  private final AgentProfile target = agent("target", MaciRole.EXECUTIVE);

  @Test
  void admitsTheConfiguredHash() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").through(pipeline, exec, target);
    assertEquals(Decision.Outcome.ALLOW, d.outcome());
  }

  @Test
  void rejectsWrongHashWithoutRevealingIt() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").hash("0123456789abcdef")
        .through(pipeline, exec, target);
    assertDenied(d, ReasonCodes.CONSTITUTIONAL_HASH_MISMATCH);
    assertEquals("Constitutional hash mismatch (provided: 01234567...)", d.reasons().get(0).message());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   "})
  void rejectsBlankHashAsMissing(String hash) {
    Decision d = msg(MessageType.COMMAND, "exec", "target").hash(hash).through(pipeline, exec, target);
    assertDenied(d, ReasonCodes.CONSTITUTIONAL_HASH_MISSING);
  }

  @Test
  void rejectsAbsentHashAsMissing() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").hash(null).through(pipeline, exec, target);
    assertDenied(d, ReasonCodes.CONSTITUTIONAL_HASH_MISSING);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "cdd01ef066bc6cf3",              // differs in the last character only
      "cdd01ef066bc6cf2ffff",          // the expected hash with a suffix
      "xcdd01ef066bc6cf2",             // the expected hash behind a prefix
      "CDD01EF066BC6CF2",              // other case
      "0123456789abcdef0123456789abcdef",
      "abc"})
  void hashErrorTextNeverContainsMoreThanEightConsecutiveCharsOfEitherHash(String provided) {
    Decision d = msg(MessageType.COMMAND, "exec", "target").hash(provided).through(pipeline, exec, target);
    assertDenied(d, ReasonCodes.CONSTITUTIONAL_HASH_MISMATCH);
    String text = d.reasons().get(0).message() + " " + d.annotations();
    for (String secret : List.of(provided, Fixtures.HASH)) {
      for (int i = 0; i + 9 <= secret.length(); i++) {
        String nine = secret.substring(i, i + 9);
        assertFalse(text.contains(nine), () -> "'" + text + "' reveals '" + nine + "'");
      }
    }
  }

  @Test
  void masksControlCharactersOfTheProvidedHash() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").hash("ab\ncd\"ef-gh").through(pipeline, exec, target);
    assertEquals("Constitutional hash mismatch (provided: ab?cd?ef...)", d.reasons().get(0).message());
  }

  @Test
  void comparesWithTheConfiguredHashNotTheBuiltInOne() {
    GovernanceSettings d = GovernanceSettings.defaults();
    GovernancePipeline custom = Fixtures.pipeline(new GovernanceSettings("feedfacecafebeef", d.maxPayloadBytes(),
        d.extraInjectionPatterns(), d.deliberationThreshold(), d.impact(), d.maci()));

    assertDenied(msg(MessageType.COMMAND, "exec", "target").through(custom, exec, target),
        ReasonCodes.CONSTITUTIONAL_HASH_MISMATCH);
    assertEquals(Decision.Outcome.ALLOW,
        msg(MessageType.COMMAND, "exec", "target").hash("feedfacecafebeef").through(custom, exec, target).outcome());
  }
}
