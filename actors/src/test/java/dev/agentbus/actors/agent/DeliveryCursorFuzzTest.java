package dev.agentbus.actors.agent;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Random deliveries (some lost, some swapped with the next), finishes in any order and repeated ones, over
 * small and larger capacities: the floor never passes an unfinished or missing message, nor its position.
 */
class DeliveryCursorFuzzTest {

  @Test
  void neverPassesAnUnfinishedMessage() {
    for (int run = 0; run < 3000; run++) {
      Random r = new Random(run);
      int capacity = 1 + r.nextInt(run % 2 == 0 ? 5 : 60);
      long start = 1 + r.nextInt(3);
      DeliveryCursor c = DeliveryCursor.startingAt(start, start * 3, capacity);
      TreeMap<Long, Long> pos = new TreeMap<>();
      long p = start * 3;
      for (long s = start; s < start + 400; s++) {
        if (r.nextInt(3) == 0) p++;
        pos.put(s, p);
      }
      TreeSet<Long> unfinished = new TreeSet<>();
      TreeSet<Long> seen = new TreeSet<>();
      long nextToSend = start;
      List<Long> open = new ArrayList<>();
      for (int step = 0; step < 300; step++) {
        int op = r.nextInt(10);
        if (op < 5 && nextToSend < start + 399) {
          long s = nextToSend++;
          if (r.nextInt(15) == 0) {
            unfinished.add(s); // lost on the way: never arrives
            continue;
          }
          if (r.nextInt(20) == 0 && nextToSend < start + 398) { // swapped with the next
            long s2 = nextToSend++;
            boolean d2 = r.nextBoolean();
            c.arrived(s2, pos.get(s2), d2);
            seen.add(s2);
            if (!d2) {
              unfinished.add(s2);
              open.add(s2);
            }
            // the late one: ignored by the cursor (seq < next) but really unfinished if not done
            boolean d = r.nextBoolean();
            c.arrived(s, pos.get(s), d);
            seen.add(s);
            if (!d) {
              unfinished.add(s);
              open.add(s);
            }
            continue;
          }
          boolean done = r.nextInt(4) == 0;
          c.arrived(s, pos.get(s), done);
          seen.add(s);
          if (!done) {
            unfinished.add(s);
            open.add(s);
          }
        } else if (op < 9 && !open.isEmpty()) {
          long s = open.remove(r.nextInt(open.size()));
          c.finished(s);
          unfinished.remove(s);
        } else if (!open.isEmpty()) {
          // finished again (idempotent)
          c.finished(open.get(0) - 1);
        }
        long lowest = unfinished.isEmpty() ? nextToSend : Math.min(unfinished.first(), nextToSend);
        long floor = c.floorSeq();
        String msg = "run " + run + " step " + step + " " + c + " lowest " + lowest;
        assertTrue(floor <= lowest, msg);
        assertTrue(floor >= 1, msg);
        assertTrue(c.floorPosition() <= pos.get(Math.min(lowest, start + 399)), msg + " pos " + c.floorPosition());
      }
    }
  }
}
