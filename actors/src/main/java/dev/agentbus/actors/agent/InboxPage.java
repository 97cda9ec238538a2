package dev.agentbus.actors.agent;

import dev.agentbus.actors.CborSerializable;
import java.util.List;

public record InboxPage(List<InboxItem> items, int total, int page, int pageSize) implements CborSerializable {
  public InboxPage {
    items = List.copyOf(items);
  }
}
