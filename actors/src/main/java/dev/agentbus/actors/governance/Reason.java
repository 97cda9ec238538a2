package dev.agentbus.actors.governance;

import dev.agentbus.actors.CborSerializable;

/**
 * Why a step denied (or flagged) a message.
 *
 * @param code stable, machine-readable ({@code constitutional_hash_mismatch}, {@code tenant_mismatch}, ...)
 * @param message for humans; never shows more than 8 characters of any hash
 */
public record Reason(String code, String message) implements CborSerializable {}
