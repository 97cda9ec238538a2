package dev.agentbus.actors.chain;

/**
 * A persisted record that is a link of its stream's hash chain. {@link #content()} is everything the
 * hash covers: the record without its two hash fields.
 */
public interface ChainedRecord {
  String prevHash();

  String hash();

  Object content();
}
