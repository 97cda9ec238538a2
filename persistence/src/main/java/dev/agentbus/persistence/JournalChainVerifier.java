package dev.agentbus.persistence;

import dev.agentbus.actors.chain.ChainVerifier;
import dev.agentbus.actors.chain.ChainedRecord;
import dev.agentbus.actors.ledger.LedgerPartition;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;

/**
 * Verifies the hash chain of one stream straight from the journal: an agent's events, or a ledger
 * partition's batches (each message a link). Reports the first broken link by sequence number.
 */
public final class JournalChainVerifier {
  private JournalChainVerifier() {}

  public static CompletionStage<ChainVerifier.Report> verify(ActorSystem<?> system, String persistenceId) {
    JdbcReadJournal journal = PersistenceQuery.get(system)
        .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    return journal.currentEventsByPersistenceId(persistenceId, 0L, Long.MAX_VALUE)
        .runFold(new ChainVerifier(persistenceId),
            (v, env) -> v.accept(new ChainVerifier.StreamEvent(env.sequenceNr(), records(env.event()))), system)
        .thenApply(ChainVerifier::report);
  }

  static List<? extends ChainedRecord> records(Object event) {
    if (event instanceof LedgerPartition.BatchWritten batch) return batch.entries();
    if (event instanceof ChainedRecord r) return List.of(r);
    return List.of();
  }
}
