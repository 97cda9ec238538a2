package dev.agentbus.node.http;

import java.util.List;

/** A paginated list (contract 1.8): the items sit at {@code envelope.data.data}, always an array. */
record PageView<T>(List<T> data, long total, int page, int pageSize, int totalPages) {

  static <T> PageView<T> of(List<T> items, long total, int page, int pageSize) {
    int pages = pageSize <= 0 ? 0 : (int) ((total + pageSize - 1) / pageSize);
    return new PageView<>(List.copyOf(items), total, page, pageSize, pages);
  }
}
