package dev.agentbus.persistence;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/** Creates and upgrades the schema with versioned Flyway migrations, one folder per database kind. */
public final class SchemaMigrations {
  private SchemaMigrations() {}

  /** Runs every pending migration; returns how many were applied. */
  public static int migrate(Database db) {
    String folder = db.kind().isH2() ? "h2" : "postgres";
    MigrateResult result = Flyway.configure()
        .dataSource(db.url(), db.user(), db.password())
        .locations("classpath:db/migration/" + folder)
        .load()
        .migrate();
    return result.migrationsExecuted;
  }
}
