package dev.agentbus.actors.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DeliveryCursorTest {

  private static final int CAPACITY = 4;

  private static DeliveryCursor fresh() {
    return DeliveryCursor.startingAt(1, 0, CAPACITY);
  }

  private static void assertFloor(DeliveryCursor cursor, long seq, long position) {
    assertEquals(seq, cursor.floorSeq(), cursor::toString);
    assertEquals(position, cursor.floorPosition(), cursor::toString);
  }

  @Test
  void startsAtTheGivenPoint() {
    assertFloor(DeliveryCursor.startingAt(7, 40, CAPACITY), 7, 40);
  }

  @Test
  void staysAtTheOldestUnfinishedMessage() {
    DeliveryCursor c = fresh();
    c.arrived(1, 10, false);
    c.arrived(2, 11, false);
    c.arrived(3, 12, false);
    assertFloor(c, 1, 10);
    c.finished(2);
    assertFloor(c, 1, 10);
    c.finished(1);
    assertFloor(c, 3, 12);
  }

  @Test
  void movesToTheNextMessageOnceAllAreFinished() {
    DeliveryCursor c = fresh();
    c.arrived(1, 10, false);
    c.arrived(2, 15, true);
    c.finished(1);
    // message 3 is not written yet; it will be at or after the last position seen
    assertFloor(c, 3, 15);
  }

  @Test
  void neverPassesANumberItDidNotSee() {
    DeliveryCursor c = fresh();
    c.arrived(1, 10, true);
    c.arrived(3, 20, true); // 2 was lost on the way
    c.arrived(4, 21, false);
    c.finished(4);
    assertFloor(c, 2, 10);
    c.arrived(2, 19, true); // arriving late does not vouch for the rest of the gap
    assertFloor(c, 2, 10);
  }

  @Test
  void stopsAtTheFirstMessageBeyondItsCapacity() {
    DeliveryCursor c = fresh();
    for (long seq = 1; seq <= CAPACITY + 2; seq++) c.arrived(seq, 100 + seq, false);
    for (long seq = 1; seq <= CAPACITY + 2; seq++) c.finished(seq);
    assertFloor(c, CAPACITY + 1, 100 + CAPACITY + 1);
  }

  @Test
  void countsOnlyUnfinishedMessagesAgainstItsCapacity() {
    DeliveryCursor c = fresh();
    c.arrived(1, 10, false);
    // many finished above an old unfinished one
    for (long seq = 2; seq <= 50; seq++) {
      c.arrived(seq, 10 + seq, false);
      c.finished(seq);
    }
    c.finished(1);
    assertFloor(c, 51, 60);
  }

  @Test
  void ignoresRepeatedAndUnnumberedMessages() {
    DeliveryCursor c = fresh();
    c.arrived(1, 10, false);
    c.arrived(1, 10, true);
    c.arrived(0, 50, true);
    assertFloor(c, 1, 10);
    c.finished(1);
    assertFloor(c, 2, 10);
  }

  @Test
  void keepsItsOrderWhenTheRingWrapsAndGrows() {
    DeliveryCursor c = DeliveryCursor.startingAt(1, 0, 1000);
    long seq = 1;
    for (int round = 0; round < 50; round++) {
      for (int i = 0; i < 20; i++, seq++) c.arrived(seq, seq * 2, false);
      // finish all but the newest five, oldest first
      for (long s = c.floorSeq(); s < seq - 5; s++) c.finished(s);
      assertFloor(c, seq - 5, (seq - 5) * 2);
    }
    c.finished(seq - 3);
    assertFloor(c, seq - 5, (seq - 5) * 2);
  }

  @Test
  void rejectsNumbersBelowOne() {
    assertThrows(IllegalArgumentException.class, () -> DeliveryCursor.startingAt(0, 0, CAPACITY));
  }
}
