package dev.agentbus.actors;

/**
 * Marker for every command, reply, event and state that crosses a node boundary or is persisted.
 * Bound to Jackson CBOR in this module's reference.conf.
 */
public interface CborSerializable {}
