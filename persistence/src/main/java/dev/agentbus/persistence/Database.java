package dev.agentbus.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Which database holds the journal: H2 in a file (the zero-setup default), H2 in memory, or PostgreSQL
 * (chosen by {@code AGENTBUS_DB_URL}). Produces the configuration the journal plugin reads.
 */
public record Database(Kind kind, String url, String user, String password) {

  public enum Kind {
    H2_FILE,
    H2_MEMORY,
    POSTGRES;

    public boolean isH2() {
      return this != POSTGRES;
    }
  }

  /**
   * H2 in a file under the data directory. {@code WRITE_DELAY=0} makes H2 write every commit to its
   * file before the commit returns (the default writes up to 500 ms later), so a killed process keeps
   * every acknowledged message.
   */
  public static Database h2File(Path dataDir) {
    return h2File(dataDir, 0);
  }

  /**
   * H2 in a file with an explicit write delay: anything above 0 may lose the last {@code writeDelayMs}
   * of acknowledged messages when the process is killed. Exists to measure what durability costs.
   */
  public static Database h2File(Path dataDir, int writeDelayMs) {
    String file = dataDir.toAbsolutePath().normalize().resolve("agentbus").toString();
    return new Database(Kind.H2_FILE, "jdbc:h2:file:" + file + ";WRITE_DELAY=" + writeDelayMs, "sa", "");
  }

  public static Database h2Memory(String name) {
    return new Database(Kind.H2_MEMORY, "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1", "sa", "");
  }

  public static Database postgres(String url, String user, String password) {
    return new Database(Kind.POSTGRES, url, user, password);
  }

  /**
   * PostgreSQL when {@code AGENTBUS_DB_URL} is set, else H2 (memory or a file under the data dir).
   */
  public static Database select(Map<String, String> env, Path dataDir, boolean inMemory) {
    String url = env.get("AGENTBUS_DB_URL");
    if (url != null && !url.isBlank()) {
      return postgres(url, env.getOrDefault("AGENTBUS_DB_USER", ""), env.getOrDefault("AGENTBUS_DB_PASSWORD", ""));
    }
    return inMemory ? h2Memory("agentbus") : h2File(dataDir);
  }

  /** Lets several local processes share this H2 file (H2's automatic server mode). */
  public Database withAutoServer() {
    if (kind != Kind.H2_FILE) throw new IllegalStateException("auto server applies to an H2 file only");
    return new Database(kind, url + ";AUTO_SERVER=TRUE", user, password);
  }

  /** The H2 file (without H2's extension) of an {@link Kind#H2_FILE} database. */
  public Path h2FilePath() {
    if (kind != Kind.H2_FILE) throw new IllegalStateException("not an H2 file database");
    String rest = url.substring("jdbc:h2:file:".length());
    int semi = rest.indexOf(';');
    return Path.of(semi >= 0 ? rest.substring(0, semi) : rest);
  }

  public String driver() {
    return kind.isH2() ? "org.h2.Driver" : "org.postgresql.Driver";
  }

  public String slickProfile() {
    return kind.isH2() ? "slick.jdbc.H2Profile$" : "slick.jdbc.PostgresProfile$";
  }

  /** The {@code agentbus.db} block that {@code persistence.conf} turns into the journal's settings. */
  public Config toConfig() {
    Map<String, Object> m = new HashMap<>();
    m.put("agentbus.db.url", url);
    m.put("agentbus.db.user", user);
    m.put("agentbus.db.password", password);
    m.put("agentbus.db.driver", driver());
    m.put("agentbus.db.slick-profile", slickProfile());
    return ConfigFactory.parseMap(m);
  }

  /** The URL without credentials, for logs and reports. */
  public String describe() {
    int semi = url.indexOf(';');
    return kind + " " + (semi > 0 ? url.substring(0, semi) : url);
  }
}
