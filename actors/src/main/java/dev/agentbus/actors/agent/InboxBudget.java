package dev.agentbus.actors.agent;

import java.util.concurrent.atomic.LongAdder;

/**
 * The memory that the agent entities of one node keep for their inboxes, counted against one budget for
 * the node ({@code agentbus.agent.node-inbox-budget}). Each inbox keeps its messages in memory until they
 * are acknowledged; the per-inbox cap alone lets many slow consumers fill the heap. Every held message is
 * also in the ledger, so over the budget acknowledged messages are dropped first (an entity drops its own
 * when it next adds or acknowledges one), and once unacknowledged messages alone fill the budget the node
 * refuses new sends ({@link #full()}); messages accepted before that are still delivered.
 *
 * <p>Counts are in bytes: a message's encoded size plus a fixed per-entry overhead. An entity counts
 * through its own {@link Share}, which gives everything back when the entity stops.
 */
public final class InboxBudget {

  private final long limitBytes;
  private final long entryOverheadBytes;
  // updated by every entity of the node, read on every send: adders do not contend
  private final LongAdder heldBytes = new LongAdder();
  private final LongAdder unacknowledgedBytes = new LongAdder();

  private InboxBudget(long limitBytes, long entryOverheadBytes) {
    if (limitBytes <= 0) throw new IllegalArgumentException("inbox budget must be positive: " + limitBytes);
    if (entryOverheadBytes < 0) {
      throw new IllegalArgumentException("inbox entry overhead must not be negative: " + entryOverheadBytes);
    }
    this.limitBytes = limitBytes;
    this.entryOverheadBytes = entryOverheadBytes;
  }

  /**
   * @param limitBytes the node's budget
   * @param entryOverheadBytes what a held message costs beyond its encoded bytes
   */
  public static InboxBudget of(long limitBytes, long entryOverheadBytes) {
    return new InboxBudget(limitBytes, entryOverheadBytes);
  }

  /** A budget no inbox reaches. */
  public static InboxBudget unlimited() {
    return new InboxBudget(Long.MAX_VALUE, 0);
  }

  /** Held messages (acknowledged or not) take more than the budget: acknowledged ones should go. */
  public boolean overBudget() {
    return heldBytes.sum() > limitBytes;
  }

  /** Unacknowledged messages alone take the whole budget: the node takes no new sends. */
  public boolean full() {
    return unacknowledgedBytes.sum() >= limitBytes;
  }

  public long limitBytes() {
    return limitBytes;
  }

  public long heldBytes() {
    return heldBytes.sum();
  }

  public long unacknowledgedBytes() {
    return unacknowledgedBytes.sum();
  }

  long weightOf(HeldMessage m) {
    return m.encoded().length + entryOverheadBytes;
  }

  /** One entity's part of the budget. Not thread-safe: only its entity uses it. */
  Share share() {
    return new Share();
  }

  final class Share {
    private long held;
    private long acknowledged;
    private int acknowledgedMessages;

    private Share() {}

    void added(HeldMessage m) {
      long w = weightOf(m);
      held += w;
      heldBytes.add(w);
      if (m.acknowledged()) {
        acknowledged += w;
        acknowledgedMessages++;
      } else {
        unacknowledgedBytes.add(w);
      }
    }

    /** {@code m} was held unacknowledged and is acknowledged now. */
    void acknowledged(HeldMessage m) {
      long w = weightOf(m);
      acknowledged += w;
      acknowledgedMessages++;
      unacknowledgedBytes.add(-w);
    }

    void removed(HeldMessage m) {
      long w = weightOf(m);
      held -= w;
      heldBytes.add(-w);
      if (m.acknowledged()) {
        acknowledged -= w;
        acknowledgedMessages--;
      } else {
        unacknowledgedBytes.add(-w);
      }
    }

    /** Gives back all this entity counted (it stopped, or rebuilds its inbox); safe to call twice. */
    void releaseAll() {
      heldBytes.add(-held);
      unacknowledgedBytes.add(-(held - acknowledged));
      held = 0;
      acknowledged = 0;
      acknowledgedMessages = 0;
    }

    long heldBytes() {
      return held;
    }

    int acknowledgedMessages() {
      return acknowledgedMessages;
    }
  }
}
