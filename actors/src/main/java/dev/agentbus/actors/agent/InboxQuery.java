package dev.agentbus.actors.agent;

import dev.agentbus.actors.CborSerializable;
import dev.agentbus.actors.model.MessageType;
import java.time.Instant;

/**
 * A page of an inbox.
 *
 * @param type only this type, or null for all
 * @param since only messages created at or after this time, or null
 * @param unreadOnly only messages not yet acknowledged
 * @param page 1-based
 */
public record InboxQuery(MessageType type, Instant since, boolean unreadOnly, int page, int pageSize)
    implements CborSerializable {

  public static InboxQuery all() {
    return new InboxQuery(null, null, false, 1, Integer.MAX_VALUE);
  }
}
