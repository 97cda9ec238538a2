package dev.agentbus.node.bench;

import dev.agentbus.actors.ledger.LedgerEntry;
import dev.agentbus.actors.ledger.LedgerPartition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.persistence.typed.PersistenceId;

/**
 * After a workload: accepted answers = accepted entries in the ledger = messages readable from the
 * inboxes. The ledger is read through the read journal ({@link LedgerPartition.BatchWritten} events of
 * {@code Ledger|0..N-1}), each partition from where the previous check stopped, keeping the entries sent
 * by this workload's agents (the bus's own messages to them, such as deliberation vote requests, are not
 * the workload's). The inboxes are read for the workload's message types only, for the same reason.
 */
final class LossCheck {

  /**
   * What the ledger holds for one workload's recipients.
   *
   * @param batches batch events holding at least one entry of the set (warm-up included)
   * @param entries entries in those batches: entries / batches is the mean batch the partitions wrote
   */
  record LedgerCounts(long accepted, long held, long rejected, long batches, long entries) {}

  /**
   * @param persistedAccepted null when the ledger could not be read (W7 against a remote node)
   * @param lost accepted messages missing from the ledger or from the inboxes
   * @param ok every count matched
   */
  record Verification(
      long accepted, Long persistedAccepted, Long persistedHeld, Long persistedRejected, long readable,
      long lost, boolean ok, List<String> problems) {
    Verification {
      problems = List.copyOf(problems);
    }
  }

  private final ActorSystem<?> system;
  private final CurrentEventsByPersistenceIdQuery journal;
  private final long[] nextSeqNr;
  private final Duration timeout;

  LossCheck(ActorSystem<?> system, String readJournalPluginId, int partitions, Duration timeout) {
    this.system = system;
    this.journal = PersistenceQuery.get(system)
        .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, readJournalPluginId);
    this.nextSeqNr = new long[partitions];
    java.util.Arrays.fill(nextSeqNr, 1L);
    this.timeout = timeout;
  }

  /** Reads the ledger written since the previous call; counts the entries the set's agents sent. */
  LedgerCounts scan(AgentSet set) {
    long[] counts = new long[5];
    for (int p = 0; p < nextSeqNr.length; p++) {
      int partition = p;
      String pid = PersistenceId.of(LedgerPartition.ENTITY_KEY.name(), Integer.toString(p)).id();
      try {
        journal.currentEventsByPersistenceId(pid, nextSeqNr[p], Long.MAX_VALUE)
            .runForeach(env -> {
              nextSeqNr[partition] = Math.max(nextSeqNr[partition], env.sequenceNr() + 1);
              if (env.event() instanceof LedgerPartition.BatchWritten batch) {
                boolean ours = false;
                for (LedgerEntry e : batch.entries()) {
                  if (!set.owns(e.message().sourceAgentId())) continue;
                  ours = true;
                  switch (e.status()) {
                    // a held message is recorded for its deliberation, not for the recipient
                    case ACCEPTED -> {
                      if (set.owns(e.recipientId())) counts[0]++;
                    }
                    case PENDING_DELIBERATION -> counts[1]++;
                    case REJECTED -> counts[2]++;
                    default -> { }
                  }
                }
                // a reused database holds earlier runs' batches: only those with this set's entries count
                if (ours) {
                  counts[3]++;
                  counts[4] += batch.entries().size();
                }
              }
            }, system)
            .toCompletableFuture()
            .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while reading the ledger", e);
      } catch (Exception e) {
        throw new IllegalStateException("the ledger could not be read: " + e, e);
      }
    }
    return new LedgerCounts(counts[0], counts[1], counts[2], counts[3], counts[4]);
  }

  /**
   * @param ledger null when the ledger was not read
   * @param inboxes messages readable per agent of the set
   * @param inboxCap messages an inbox keeps (agent.inbox-max-retained): more cannot be read back
   */
  static Verification verify(
      AgentSet set, LoadGenerator.Counts all, LedgerCounts ledger, long[] inboxes, int inboxCap) {
    List<String> problems = new ArrayList<>();
    long accepted = all.accepted();
    long countedPerRecipient = set.acceptedTotal();
    if (countedPerRecipient != accepted) {
      problems.add("harness: " + accepted + " accepted answers but " + countedPerRecipient + " counted per recipient");
    }
    long lostLedger = 0;
    if (ledger != null) {
      if (ledger.accepted() < accepted) {
        lostLedger = accepted - ledger.accepted();
        problems.add(lostLedger + " accepted messages are not in the ledger");
      } else if (ledger.accepted() > accepted) {
        problems.add((ledger.accepted() - accepted) + " more accepted entries in the ledger than accepted answers"
            + " (sends that failed or timed out were written all the same, or held ones were approved)");
      }
      if (ledger.held() != all.held()) {
        problems.add("ledger holds " + ledger.held() + " messages pending deliberation, answers said " + all.held());
      }
    }
    if (set.criticalAccepted.sum() > 0) {
      problems.add(set.criticalAccepted.sum() + " CRITICAL messages were accepted instead of held");
    }
    if (all.held() > set.criticalSent.sum()) {
      problems.add(all.held() + " messages held but only " + set.criticalSent.sum() + " were CRITICAL");
    }
    long readable = 0;
    long missing = 0;
    long extra = 0;
    long capped = 0;
    for (int i = 0; i < set.size(); i++) {
      long sent = set.acceptedTo.get(i);
      long expected = Math.min(sent, inboxCap);
      if (sent > inboxCap) capped++;
      readable += inboxes[i];
      missing += Math.max(0, expected - inboxes[i]);
      extra += Math.max(0, inboxes[i] - sent);
    }
    if (missing > 0) problems.add(missing + " accepted messages cannot be read from the inboxes");
    if (extra > 0) problems.add(extra + " inbox messages more than were accepted");
    if (capped > 0) {
      problems.add(capped + " inboxes got more than agent.inbox-max-retained (" + inboxCap
          + ") messages: raise --agents or the limit (not a loss, but not checkable)");
    }
    long lost = Math.max(lostLedger, missing);
    return new Verification(accepted, ledger == null ? null : ledger.accepted(),
        ledger == null ? null : ledger.held(), ledger == null ? null : ledger.rejected(), readable, lost,
        problems.isEmpty(), problems);
  }
}
