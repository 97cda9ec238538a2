package dev.agentbus.actors.agent;

import dev.agentbus.actors.ledger.LedgerEntry;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** Where an agent rebuilds its inbox after passivation, a crash or a restart: the ledger. */
@FunctionalInterface
public interface InboxSource {
  /**
   * Accepted entries for this recipient, in ledger order, from the given position of its partition on (0:
   * all of them).
   */
  CompletionStage<List<LedgerEntry>> acceptedFor(String recipientId, long fromPosition);
}
