package dev.agentbus.node.http;

import com.typesafe.config.Config;

/**
 * Where the HTTP API listens and how large a request body may be.
 *
 * @param iface the interface to bind, e.g. {@code 127.0.0.1} or {@code 0.0.0.0}
 * @param port 0 picks a free port (tests)
 * @param maxBodyBytes larger request bodies are refused with 413
 */
public record HttpSettings(String iface, int port, long maxBodyBytes) {

  public HttpSettings {
    if (iface == null || iface.isBlank()) throw new IllegalArgumentException("agentbus.http.interface is required");
    if (port < 0 || port > 65535) throw new IllegalArgumentException("agentbus.http.port out of range: " + port);
    if (maxBodyBytes <= 0) throw new IllegalArgumentException("agentbus.http.max-body-bytes must be positive");
  }

  /** Reads {@code agentbus.http.*} from the node's root configuration. */
  public static HttpSettings fromConfig(Config root) {
    Config c = root.getConfig("agentbus.http");
    return new HttpSettings(c.getString("interface"), c.getInt("port"), c.getBytes("max-body-bytes"));
  }

  public HttpSettings withPort(int newPort) {
    return new HttpSettings(iface, newPort, maxBodyBytes);
  }
}
