package dev.agentbus.actors.keys;

/**
 * A key just issued: the stored record and the secret, which exists only in this answer (it is never
 * persisted, cached or sent between nodes).
 */
public record IssuedKey(ApiKey key, String secret) {}
