package dev.agentbus.actors.agent;

/**
 * Where a rebuild of one inbox may start reading its ledger partition. The ledger numbers the messages of
 * each recipient 1, 2, 3... with no gaps ({@code LedgerEntry.recipientSeq}). The cursor knows the lowest
 * number that may be unfinished: a message held unacknowledged, a number never seen (a delivery lost on the
 * way, found when a later one arrives), or the next to come. Every message below it is finished
 * (acknowledged, expired or undeliverable), so a rebuild skips them, and reads the ledger from the position
 * of that lowest message (or of the last one seen before it) on.
 *
 * <p>Before, a rebuild read the whole partition and told finished messages apart by a bounded set of
 * acknowledged ids: past that bound, acknowledged messages came back unread.
 *
 * <p>Bounded: it tracks at most {@code capacity} unfinished messages (17 bytes each). Past that, the first one
 * it could not track stops the floor until the inbox is rebuilt. One entity's, not thread-safe.
 */
final class DeliveryCursor {

  private static final int INITIAL_SLOTS = 16;

  private final int capacity;
  // unfinished messages, in increasing number: a ring of slots [head, head + size); finished ones are marked,
  // and leave when they reach the head or when the ring is compacted
  private long[] seqs = new long[INITIAL_SLOTS];
  private long[] positions = new long[INITIAL_SLOTS];
  private boolean[] finished = new boolean[INITIAL_SLOTS];
  private int head;
  private int size;
  // finished ones still in the ring
  private int finishedInRing;
  // the next number expected, and the position of the last message seen
  private long next;
  private long lastPosition;
  // the lowest number the cursor cannot vouch for (a gap, or past the capacity), and where to read it from
  private long stuckSeq = Long.MAX_VALUE;
  private long stuckPosition;

  private DeliveryCursor(long next, long lastPosition, int capacity) {
    this.next = next;
    this.lastPosition = lastPosition;
    this.capacity = capacity;
  }

  /**
   * @param nextSeq the lowest number not known to be finished (1 for a new inbox)
   * @param position a ledger position at or before that message's
   */
  static DeliveryCursor startingAt(long nextSeq, long position, int capacity) {
    if (nextSeq < 1) throw new IllegalArgumentException("message numbers start at 1: " + nextSeq);
    if (capacity < 1) throw new IllegalArgumentException("capacity must be positive: " + capacity);
    return new DeliveryCursor(nextSeq, position, capacity);
  }

  /**
   * A message reached the inbox, or was found undeliverable ({@code done}). Numbers seen before and
   * unnumbered messages (0: written before the ledger numbered them) change nothing.
   */
  void arrived(long seq, long position, boolean done) {
    if (seq < next) return;
    if (seq > next && next < stuckSeq) {
      stuckSeq = next;
      stuckPosition = lastPosition;
    }
    next = seq + 1;
    lastPosition = position;
    if (done || seq > stuckSeq) return;
    // compacted only when that frees a quarter, so that a ring full of unfinished messages with a few finished
    // ones among them is not copied again at every arrival
    if ((size == capacity || size == seqs.length) && finishedInRing * 4 >= size) compact();
    if (size == capacity) {
      stuckSeq = seq;
      stuckPosition = position;
      return;
    }
    if (size == seqs.length) grow();
    int slot = slot(size);
    seqs[slot] = seq;
    positions[slot] = position;
    finished[slot] = false;
    size++;
  }

  /** The message with this number is finished: acknowledged, or expired unread. */
  void finished(long seq) {
    int i = indexOf(seq);
    if (i < 0) return;
    if (finished[slot(i)]) return;
    finished[slot(i)] = true;
    finishedInRing++;
    while (size > 0 && finished[head]) {
      head = (head + 1) % seqs.length;
      size--;
      finishedInRing--;
    }
    if (size == 0) head = 0;
  }

  /** Every message numbered below this one is finished. */
  long floorSeq() {
    if (size > 0) return seqs[head];
    return Math.min(stuckSeq, next);
  }

  /** A ledger position at or before the message numbered {@link #floorSeq()}. */
  long floorPosition() {
    if (size > 0) return positions[head];
    return stuckSeq < next ? stuckPosition : lastPosition;
  }

  private int slot(int index) {
    return (head + index) % seqs.length;
  }

  private int indexOf(long seq) {
    int lo = 0;
    int hi = size - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      long at = seqs[slot(mid)];
      if (at < seq) lo = mid + 1;
      else if (at > seq) hi = mid - 1;
      else return mid;
    }
    return -1;
  }

  private void grow() {
    copyInto((int) Math.min((long) seqs.length * 2, Math.max(capacity, INITIAL_SLOTS)));
  }

  /** Drops the finished messages from the ring (O(size), once per fill). */
  private void compact() {
    copyInto(seqs.length);
  }

  private void copyInto(int length) {
    long[] s = new long[length];
    long[] p = new long[length];
    int kept = 0;
    for (int i = 0; i < size; i++) {
      int from = slot(i);
      if (finished[from]) continue;
      s[kept] = seqs[from];
      p[kept] = positions[from];
      kept++;
    }
    seqs = s;
    positions = p;
    finished = new boolean[length];
    head = 0;
    size = kept;
    finishedInRing = 0;
  }

  @Override
  public String toString() {
    return "DeliveryCursor[floor=" + floorSeq() + "@" + floorPosition() + ", tracked=" + size + ", next=" + next
        + (stuckSeq == Long.MAX_VALUE ? "" : ", stuck=" + stuckSeq) + "]";
  }
}
