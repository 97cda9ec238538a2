package dev.agentbus.actors.bus;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class FullInboxesTest {

  // this node hosts shards 1 and 2; another hosts 3 and 4 and is full; a third hosts 5 and is not
  private static final FullInboxes OTHER_FULL =
      new FullInboxes(true, false, Set.of("3", "4"), Set.of("3", "4", "5"), Set.of("1", "2"));
  private static final FullInboxes NONE_FULL =
      new FullInboxes(false, false, Set.of(), Set.of("3", "4", "5"), Set.of("1", "2"));

  @Test
  void refusesOnlyRecipientsWhoseShardLivesOnAFullNode() {
    assertTrue(OTHER_FULL.refuses("3", false));
    assertFalse(OTHER_FULL.refuses("5", false), "on a node that is not full");
    assertFalse(OTHER_FULL.refuses("1", false), "here, and this node is not full");
  }

  @Test
  void refusesRecipientsHereWhileThisNodeIsFull() {
    assertTrue(NONE_FULL.refuses("1", true));
    assertFalse(NONE_FULL.refuses("5", true), "on another node that is not full");
  }

  @Test
  void refusesAShardPlacedNowhereWhileAnyNodeIsFull() {
    assertTrue(OTHER_FULL.refuses("9", false));
    assertTrue(NONE_FULL.refuses("9", true));
    assertFalse(NONE_FULL.refuses("9", false));
  }

  @Test
  void refusesBroadcastsWhileAnyNodeIsFull() {
    assertTrue(OTHER_FULL.refuses(null, false));
    assertTrue(NONE_FULL.refuses(null, true));
    assertFalse(NONE_FULL.refuses(null, false));
  }

  @Test
  void refusesEveryDirectMessageWhileAFullNodesShardsAreUnknownOrThisNodesAreUnknownAndItIsFull() {
    FullInboxes unknownThere = new FullInboxes(true, true, Set.of(), Set.of(), Set.of("1"));
    assertTrue(unknownThere.refuses("5", false));
    assertTrue(unknownThere.refuses("1", false));
    FullInboxes unknownHere = new FullInboxes(false, false, Set.of(), Set.of("5"), null);
    assertTrue(unknownHere.refuses("1", true), "not known to be elsewhere: may be here");
    assertFalse(unknownHere.refuses("5", true), "known to be on a node that is not full");
    assertFalse(FullInboxes.NONE.refuses("1", false));
  }
}
