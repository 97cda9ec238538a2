package dev.agentbus.actors.agent;

import dev.agentbus.actors.CborSerializable;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.MessageStatus;
import java.time.Instant;

/**
 * A message in an agent's inbox.
 *
 * @param status delivered or acknowledged
 */
public record InboxItem(AgentMessage message, MessageStatus status, Instant recordedAt) implements CborSerializable {}
