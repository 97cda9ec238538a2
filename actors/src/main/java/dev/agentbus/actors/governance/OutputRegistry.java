package dev.agentbus.actors.governance;

import java.util.Optional;

/**
 * Who produced which output (an accepted message's id), for the MACI self-validation ban. The bus
 * records every accepted message here automatically.
 */
public interface OutputRegistry {

  void record(String outputId, String producerAgentId);

  Optional<String> producerOf(String outputId);

  /** A bounded in-memory registry keeping the most recent {@code maxEntries} outputs. */
  static OutputRegistry bounded(long maxEntries) {
    return new BoundedOutputRegistry(maxEntries);
  }
}
