package dev.agentbus.actors.governance;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Objects;
import java.util.Optional;

/**
 * The most recent outputs and their producers, bounded by count. An output evicted here can no longer be
 * tied to its producer, so validating it falls back to the producer-unknown rule of the MACI check.
 */
final class BoundedOutputRegistry implements OutputRegistry {

  private final Cache<String, String> producers;

  BoundedOutputRegistry(long maxEntries) {
    if (maxEntries <= 0) throw new IllegalArgumentException("maxEntries must be positive, got " + maxEntries);
    this.producers = Caffeine.newBuilder().maximumSize(maxEntries).build();
  }

  @Override
  public void record(String outputId, String producerAgentId) {
    producers.put(Objects.requireNonNull(outputId, "outputId"),
        Objects.requireNonNull(producerAgentId, "producerAgentId"));
  }

  @Override
  public Optional<String> producerOf(String outputId) {
    return outputId == null ? Optional.empty() : Optional.ofNullable(producers.getIfPresent(outputId));
  }
}
