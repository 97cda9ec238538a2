package dev.agentbus.actors.agent;

import dev.agentbus.actors.ledger.LedgerEntry;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/** Where an agent rebuilds its inbox after passivation, a crash or a restart: the ledger. */
@FunctionalInterface
public interface InboxSource {
  /**
   * Accepted entries for this recipient, in ledger order, from the given position of its partition on (0:
   * all of them).
   */
  CompletionStage<List<LedgerEntry>> acceptedFor(String recipientId, long fromPosition);

  /**
   * The accepted entry of one message for this recipient, looked for from the start of its partition. A source
   * over a real ledger should stop reading at the match rather than hold every entry of the recipient, as this
   * default does.
   */
  default CompletionStage<Optional<LedgerEntry>> acceptedEntry(String recipientId, UUID messageId) {
    return acceptedFor(recipientId, 0).thenApply(entries -> entries.stream()
        .filter(e -> messageId.equals(e.message().id())).findFirst());
  }
}
