package dev.agentbus.actors.keys;

import dev.agentbus.actors.CborSerializable;
import java.time.Instant;

/** A tenant that keys can be issued for. Agents live in the tenant of the key that registered them. */
public record Tenant(String id, String name, Instant createdAt) implements CborSerializable {}
