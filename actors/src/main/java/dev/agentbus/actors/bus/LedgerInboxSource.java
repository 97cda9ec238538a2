package dev.agentbus.actors.bus;

import dev.agentbus.actors.agent.InboxSource;
import dev.agentbus.actors.ledger.LedgerEntry;
import dev.agentbus.actors.ledger.LedgerPartition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Rebuilds an inbox by reading the recipient's ledger partition through the read journal and keeping
 * the accepted entries addressed to it. Costs one read of the partition from the given position on, for
 * every recipient's entries there.
 */
final class LedgerInboxSource implements InboxSource {

  private final ActorSystem<?> system;
  private final CurrentEventsByPersistenceIdQuery journal;
  private final int partitions;

  LedgerInboxSource(ActorSystem<?> system, String readJournalPluginId, int partitions) {
    this.system = system;
    this.journal = PersistenceQuery.get(system)
        .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, readJournalPluginId);
    this.partitions = partitions;
  }

  @Override
  public CompletionStage<List<LedgerEntry>> acceptedFor(String recipientId, long fromPosition) {
    return entriesFor(recipientId, fromPosition)
        .runFold(new ArrayList<LedgerEntry>(), (acc, e) -> {
          acc.add(e);
          return acc;
        }, system)
        .thenApply(list -> (List<LedgerEntry>) list);
  }

  /** Reads the partition in the read journal's pages ({@code max-buffer-size} events) and stops at the match. */
  @Override
  public CompletionStage<Optional<LedgerEntry>> acceptedEntry(String recipientId, UUID messageId) {
    return entriesFor(recipientId, 0)
        .filter(e -> messageId.equals(e.message().id()))
        .runWith(Sink.headOption(), system);
  }

  private Source<LedgerEntry, NotUsed> entriesFor(String recipientId, long fromPosition) {
    String pid = PersistenceId.of(LedgerPartition.ENTITY_KEY.name(),
        LedgerPartition.entityIdFor(recipientId, partitions)).id();
    return journal.currentEventsByPersistenceId(pid, fromPosition, Long.MAX_VALUE)
        .mapConcat(env -> {
          if (!(env.event() instanceof LedgerPartition.BatchWritten batch)) return List.of();
          List<LedgerEntry> mine = new ArrayList<>(0);
          for (LedgerEntry e : batch.entries()) {
            if (!e.delivered() || !recipientId.equals(e.recipientId())) continue;
            // entries written before they carried their position get it from their event
            mine.add(e.position() == 0 ? e.linked(e.prevHash(), e.hash(), env.sequenceNr(), 0) : e);
          }
          return mine;
        });
  }
}
