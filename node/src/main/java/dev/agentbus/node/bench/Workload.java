package dev.agentbus.node.bench;

import java.util.Locale;

/**
 * The workloads of inventory section 8.4. W1, W2 and W5 are sequential (one send in flight) by definition;
 * W3, W4 and W6 keep {@code --in-flight} sends in flight (or follow {@code --rate}); W7 goes over HTTP.
 */
public enum Workload {
  W1("sequential QUERY sends, unique content, a different sender each time", true, false),
  W2("sequential QUERY sends, identical content", true, false),
  W3("concurrent sends over all agents, mixed tenants, MACI roles", false, true),
  W4("end to end: send until the recipient's subscriber holds the message", false, true),
  W5("one hot sender, sequential", true, false),
  W6("concurrent, a share of CRITICAL messages that must be held for deliberation", false, true),
  W7("HTTP API: POST /api/v1/agents/{id}/messages over keep-alive connections", false, true);

  private final String description;
  private final boolean sequential;
  private final boolean tenanted;

  Workload(String description, boolean sequential, boolean tenanted) {
    this.description = description;
    this.sequential = sequential;
    this.tenanted = tenanted;
  }

  public String description() {
    return description;
  }

  /** One send in flight, whatever {@code --in-flight} and {@code --rate} say. */
  public boolean sequential() {
    return sequential;
  }

  /** Agents are spread over {@code --tenants} tenants; otherwise they have no tenant (as in the profiler). */
  public boolean tenanted() {
    return tenanted;
  }

  public static Workload parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown workload '" + text + "' (expected W1 to W7)", e);
    }
  }
}
