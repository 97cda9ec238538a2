package dev.agentbus.actors.chain;

import java.util.List;
import java.util.Optional;

/**
 * Walks a stream's records in order and reports the first broken link. A record is broken when its
 * previous hash is not the hash of the record before it, or its own hash does not match its content.
 */
public final class ChainVerifier {

  /** One event of a stream: its sequence number and the chained records it holds (a ledger batch holds many). */
  public record StreamEvent(long sequenceNr, List<? extends ChainedRecord> records) {}

  /**
   * @param firstBrokenSequenceNr empty when the whole stream verifies
   * @param checked how many records were checked
   */
  public record Report(
      String persistenceId, long checked, Optional<Long> firstBrokenSequenceNr, Optional<Integer> firstBrokenIndex,
      String detail) {
    public boolean intact() {
      return firstBrokenSequenceNr.isEmpty();
    }
  }

  private final String persistenceId;
  private String expectedPrev = HashChain.GENESIS;
  private long checked;
  private long lastSequenceNr;
  private Report broken;

  public ChainVerifier(String persistenceId) {
    this.persistenceId = persistenceId;
  }

  /** Feeds the next event; once a break was found further events are ignored. */
  public ChainVerifier accept(StreamEvent event) {
    if (broken != null) return this;
    if (event.sequenceNr() != lastSequenceNr + 1) {
      // A deleted or reordered event: the first missing sequence number is where the chain breaks.
      broken = brokenAt(lastSequenceNr + 1, 0, "sequence gap: found " + event.sequenceNr());
      return this;
    }
    lastSequenceNr = event.sequenceNr();
    List<? extends ChainedRecord> records = event.records();
    for (int i = 0; i < records.size(); i++) {
      ChainedRecord r = records.get(i);
      if (!expectedPrev.equals(r.prevHash())) {
        broken = brokenAt(event.sequenceNr(), i, "previous hash does not match the record before");
        return this;
      }
      String computed = HashChain.link(r.prevHash(), persistenceId, event.sequenceNr(), i, r.content());
      if (!computed.equals(r.hash())) {
        broken = brokenAt(event.sequenceNr(), i, "hash does not match the record's content");
        return this;
      }
      expectedPrev = r.hash();
      checked++;
    }
    return this;
  }

  public Report report() {
    if (broken != null) return broken;
    return new Report(persistenceId, checked, Optional.empty(), Optional.empty(), "intact");
  }

  public static Report verify(String persistenceId, List<StreamEvent> events) {
    ChainVerifier v = new ChainVerifier(persistenceId);
    events.forEach(v::accept);
    return v.report();
  }

  private Report brokenAt(long seqNr, int index, String detail) {
    return new Report(persistenceId, checked, Optional.of(seqNr), Optional.of(index), detail);
  }
}
