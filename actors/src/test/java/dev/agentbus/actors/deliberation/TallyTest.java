package dev.agentbus.actors.deliberation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TallyTest {

  private static final Instant T = Instant.parse("2026-01-15T12:00:00Z");

  private static Tally counted(Tally.Cast cast) {
    return assertInstanceOf(Tally.Counted.class, cast).tally();
  }

  @Test
  void aReVoteReplacesTheEarlierOne() {
    Tally t = counted(Tally.open("s", List.of("v1", "v2")).cast(new Ballot("v1", VoteChoice.APPROVE, "", T)));
    Tally.Counted again = assertInstanceOf(Tally.Counted.class, t.cast(new Ballot("v1", VoteChoice.REJECT, "", T)));
    assertEquals(VoteChoice.APPROVE, again.replaced().choice());
    assertEquals(1, again.tally().votes());
    assertEquals(0, again.tally().approvals());
    assertEquals(1, again.tally().rejections());
  }

  @Test
  void onlyListedVotersMayVote() {
    Tally.Cast cast = Tally.open("s", List.of("v1")).cast(new Ballot("intruder", VoteChoice.APPROVE, "", T));
    assertEquals(DeliberationCodes.NOT_A_VOTER, assertInstanceOf(Tally.Refused.class, cast).code());
  }

  @Test
  void theSenderMayNotVoteOnItsOwnMessageEvenWhenListed() {
    Tally t = Tally.open("s", List.of("s", "v1", "v1", " "));
    assertEquals(List.of("v1"), t.voters());
    assertEquals(1, t.eligible());
    Tally.Cast cast = t.cast(new Ballot("s", VoteChoice.APPROVE, "", T));
    assertEquals(DeliberationCodes.SELF_VOTE, assertInstanceOf(Tally.Refused.class, cast).code());
  }

  @Test
  void countsAbstentionsAsVotes() {
    Tally t = Tally.open("s", List.of("v1", "v2", "v3"))
        .with(new Ballot("v1", VoteChoice.APPROVE, "", T))
        .with(new Ballot("v2", VoteChoice.ABSTAIN, "", T));
    assertEquals(2, t.votes());
    assertEquals(1, t.abstentions());
    assertEquals(VoteChoice.ABSTAIN, t.choiceOf("v2"));
    assertNull(t.choiceOf("v3"));
  }
}
