package dev.agentbus.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --page} and {@code --page-size} of the listing commands, and the line that ends a listing. */
final class PageOptions {
  @Option(names = "--page", defaultValue = "1")
  int page;

  @Option(names = "--page-size", defaultValue = "50")
  int pageSize;

  /** Adds the page parameters to a query. */
  void addTo(Map<String, Object> query) {
    query.put("page", page);
    query.put("pageSize", pageSize);
  }

  /** "page 1 of 3, 120 agent(s)" from the API's page envelope. */
  static String footer(JsonNode pageData, String noun) {
    return String.format("page %d of %d, %d %s", pageData.path("page").asInt(), pageData.path("totalPages").asInt(),
        pageData.path("total").asInt(), noun);
  }
}
