package dev.agentbus.actors.chain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The tamper-evident link of every persisted record: SHA-256 over the persistence id, the sequence
 * number, an index inside the event (0 for single-record events), the previous hash and a canonical
 * JSON encoding of the record (sorted keys, ISO timestamps), so any edit, deletion or reordering of
 * a stream changes every later hash.
 */
public final class HashChain {

  /** The "previous hash" of the first record of a stream. */
  public static final String GENESIS = "0".repeat(64);

  private static final ObjectMapper CANONICAL =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .configure(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, true)
          .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
          .configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false)
          .configure(JsonNodeFeature.WRITE_PROPERTIES_SORTED, true)
          .build();

  private HashChain() {}

  public static String link(String prevHash, String persistenceId, long sequenceNr, int index, Object content) {
    String canonical = canonicalJson(content);
    MessageDigest digest = sha256();
    digest.update(persistenceId.getBytes(StandardCharsets.UTF_8));
    digest.update((byte) 0);
    digest.update(Long.toString(sequenceNr).getBytes(StandardCharsets.UTF_8));
    digest.update((byte) 0);
    digest.update(Integer.toString(index).getBytes(StandardCharsets.UTF_8));
    digest.update((byte) 0);
    digest.update(prevHash.getBytes(StandardCharsets.UTF_8));
    digest.update((byte) 0);
    digest.update(canonical.getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(digest.digest());
  }

  /**
   * The next record of a stream, linked after {@code prevHash} at {@code sequenceNr}: {@code record}
   * builds it from (previous hash, own hash), and is called once without its hash to learn its content.
   */
  public static <R extends ChainedRecord> R next(
      String prevHash, String persistenceId, long sequenceNr, BiFunction<String, String, R> record) {
    String hash = link(prevHash, persistenceId, sequenceNr, 0, record.apply(prevHash, "").content());
    return record.apply(prevHash, hash);
  }

  /** Records persisted together, as consecutive links from {@code firstSequenceNr} on. */
  public static <R extends ChainedRecord> List<R> nextAll(
      String prevHash, String persistenceId, long firstSequenceNr, List<BiFunction<String, String, R>> records) {
    List<R> out = new ArrayList<>(records.size());
    String prev = prevHash;
    long seqNr = firstSequenceNr;
    for (BiFunction<String, String, R> record : records) {
      R linked = next(prev, persistenceId, seqNr++, record);
      out.add(linked);
      prev = linked.hash();
    }
    return out;
  }

  public static String canonicalJson(Object content) {
    try {
      return CANONICAL.writeValueAsString(content);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode record for hashing: " + e.getOriginalMessage(), e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JDK", e);
    }
  }
}
