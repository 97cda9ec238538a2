package dev.agentbus.persistence;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The databases persistence tests run on: H2 in memory always; PostgreSQL too when
 * {@code AGENTBUS_TEST_PG_URL} (with {@code AGENTBUS_TEST_PG_USER} and {@code AGENTBUS_TEST_PG_PASSWORD})
 * is set. On CI ({@code CI=true}) PostgreSQL is required, so those tests cannot be skipped silently.
 */
public final class TestDatabases {
  private TestDatabases() {}

  public static List<Database> all(String name) {
    List<Database> dbs = new ArrayList<>();
    dbs.add(Database.h2Memory(name + "-" + UUID.randomUUID()));
    postgres(name).ifPresent(dbs::add);
    return dbs;
  }

  public static java.util.Optional<Database> postgres(String name) {
    String url = System.getenv("AGENTBUS_TEST_PG_URL");
    if (url == null || url.isBlank()) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new IllegalStateException("CI=true but AGENTBUS_TEST_PG_URL is not set: PostgreSQL tests must run on CI");
      }
      return java.util.Optional.empty();
    }
    String user = System.getenv().getOrDefault("AGENTBUS_TEST_PG_USER", "");
    String password = System.getenv().getOrDefault("AGENTBUS_TEST_PG_PASSWORD", "");
    // A fresh schema per test database, so runs never see each other's rows.
    String schema = ("t_" + name + "_" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase().replace('-', '_');
    try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot prepare PostgreSQL test schema: " + e.getMessage(), e);
    }
    String sep = url.contains("?") ? "&" : "?";
    return java.util.Optional.of(Database.postgres(url + sep + "currentSchema=" + schema, user, password));
  }
}
