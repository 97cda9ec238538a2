package dev.agentbus.actors.governance;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The most recent outputs and their producers, bounded by count, oldest forgotten first. An output
 * forgotten here can no longer be tied to its producer, so validating it falls back to the
 * producer-unknown rule of the MACI check.
 *
 * <p>Every accepted message is recorded, so this sits on the hot path of a send. It keeps outputs in
 * primitive arrays (a ring of ids as two longs and a producer number, plus an open-addressing index):
 * recording allocates nothing and leaves no reference from this long-lived structure to a young object,
 * which a map of strings did on every send and which the collector then had to scan in every young pause.
 */
final class BoundedOutputRegistry implements OutputRegistry {

  private final int capacity;
  private final long[] msb;
  private final long[] lsb;
  private final int[] producer;
  // index slot -> ring position + 1 (0 = empty); linear probing, at most half full
  private final int[] index;
  private final int mask;
  private int next;
  private int size;
  private final Map<String, Integer> producerNumbers = new HashMap<>();
  private final List<String> producerNames = new ArrayList<>();

  BoundedOutputRegistry(long maxEntries) {
    if (maxEntries <= 0 || maxEntries > (1 << 28)) {
      throw new IllegalArgumentException("maxEntries must be between 1 and 2^28, got " + maxEntries);
    }
    this.capacity = (int) maxEntries;
    this.msb = new long[capacity];
    this.lsb = new long[capacity];
    this.producer = new int[capacity];
    int slots = Integer.highestOneBit(capacity * 2 - 1) << 1;
    this.index = new int[slots];
    this.mask = slots - 1;
  }

  @Override
  public synchronized void record(String outputId, String producerAgentId) {
    UUID id = key(Objects.requireNonNull(outputId, "outputId"));
    int who = producerNumber(Objects.requireNonNull(producerAgentId, "producerAgentId"));
    int existing = find(id.getMostSignificantBits(), id.getLeastSignificantBits());
    if (existing >= 0) {
      producer[existing] = who;
      return;
    }
    if (size == capacity) {
      unindex(next);
    } else {
      size++;
    }
    msb[next] = id.getMostSignificantBits();
    lsb[next] = id.getLeastSignificantBits();
    producer[next] = who;
    int slot = slotOf(msb[next], lsb[next]);
    while (index[slot] != 0) slot = (slot + 1) & mask;
    index[slot] = next + 1;
    next = (next + 1) % capacity;
  }

  @Override
  public synchronized Optional<String> producerOf(String outputId) {
    if (outputId == null) return Optional.empty();
    UUID id = key(outputId);
    int pos = find(id.getMostSignificantBits(), id.getLeastSignificantBits());
    return pos < 0 ? Optional.empty() : Optional.of(producerNames.get(producer[pos]));
  }

  /** Message ids are UUIDs; any other id is mapped to one by its bytes (deterministic, collision-free in practice). */
  private static UUID key(String outputId) {
    if (outputId.length() == 36) {
      try {
        return UUID.fromString(outputId);
      } catch (IllegalArgumentException notAUuid) {
        // fall through
      }
    }
    return UUID.nameUUIDFromBytes(outputId.getBytes(StandardCharsets.UTF_8));
  }

  private int producerNumber(String agentId) {
    Integer known = producerNumbers.get(agentId);
    if (known != null) return known;
    // Producers of forgotten outputs are dropped now and then, so the table stays bounded as well.
    if (producerNames.size() >= 2 * capacity + 16) compactProducers();
    int n = producerNames.size();
    producerNames.add(agentId);
    producerNumbers.put(agentId, n);
    return n;
  }

  private void compactProducers() {
    List<String> names = new ArrayList<>();
    Map<String, Integer> numbers = new HashMap<>();
    for (int pos = 0; pos < size; pos++) {
      String name = producerNames.get(producer[pos]);
      Integer n = numbers.get(name);
      if (n == null) {
        n = names.size();
        names.add(name);
        numbers.put(name, n);
      }
      producer[pos] = n;
    }
    producerNames.clear();
    producerNames.addAll(names);
    producerNumbers.clear();
    producerNumbers.putAll(numbers);
  }

  private int slotOf(long hi, long lo) {
    long h = hi * 0x9E3779B97F4A7C15L ^ lo;
    h ^= h >>> 32;
    return (int) h & mask;
  }

  private int find(long hi, long lo) {
    int slot = slotOf(hi, lo);
    while (index[slot] != 0) {
      int pos = index[slot] - 1;
      if (msb[pos] == hi && lsb[pos] == lo) return pos;
      slot = (slot + 1) & mask;
    }
    return -1;
  }

  /** Removes ring position {@code pos} from the index (backward-shift deletion keeps probing correct). */
  private void unindex(int pos) {
    int slot = slotOf(msb[pos], lsb[pos]);
    while (index[slot] != pos + 1) slot = (slot + 1) & mask;
    int hole = slot;
    int probe = (hole + 1) & mask;
    while (index[probe] != 0) {
      int p = index[probe] - 1;
      int home = slotOf(msb[p], lsb[p]);
      // move the entry back into the hole unless its home lies cyclically in (hole, probe]
      boolean stays = hole <= probe ? (home > hole && home <= probe) : (home > hole || home <= probe);
      if (!stays) {
        index[hole] = index[probe];
        hole = probe;
      }
      probe = (probe + 1) & mask;
    }
    index[hole] = 0;
  }
}
