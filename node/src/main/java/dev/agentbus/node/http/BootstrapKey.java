package dev.agentbus.node.http;

import dev.agentbus.actors.keys.ApiKeys;
import dev.agentbus.actors.keys.IssuedKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first admin key of a cluster, for the default tenant ({@code agentbus.keys.default-tenant}). Created
 * only while the key store holds no active admin key, so every start of every node may call
 * {@link #ensure}. A generated key is printed once to stdout and written to
 * {@code <data-dir>/bootstrap-admin.key}, readable by the owner only; a key the operator gave is neither
 * printed nor written (the operator already has it).
 */
public final class BootstrapKey {
  private static final Logger log = LoggerFactory.getLogger(BootstrapKey.class);

  public static final String FILE_NAME = "bootstrap-admin.key";
  public static final String ENV = "AGENTBUS_BOOTSTRAP_KEY";
  static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private BootstrapKey() {}

  /** The key given with {@code --bootstrap-key}, else in {@code AGENTBUS_BOOTSTRAP_KEY}, else none. */
  public static Optional<String> given(String option, Map<String, String> env) {
    return Optional.ofNullable(option).or(() -> Optional.ofNullable(env.get(ENV)))
        .map(String::trim).filter(s -> !s.isEmpty());
  }

  /**
   * Creates the bootstrap admin key unless an active admin key exists or API keys are off. Completes
   * with the key when this call created it, else empty; fails when a given key is too short or the key
   * store cannot be reached within {@code agentbus.keys.bootstrap-timeout}.
   */
  public static CompletionStage<Optional<String>> ensure(ActorSystem<?> system, Optional<String> given, Path dataDir) {
    if (!AuthSettings.fromConfig(system.settings().config()).enabled()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return ApiKeys.get(system).bootstrap(given).thenApply(issued -> {
      if (issued.isEmpty()) {
        if (given.isPresent()) log.info("An admin key exists already; the given bootstrap key was not stored");
        return Optional.empty();
      }
      IssuedKey key = issued.get();
      if (given.isPresent()) {
        log.info("Stored the given bootstrap admin key {} for tenant '{}'", key.key().id(), key.key().tenantId());
      } else {
        Path file = dataDir.resolve(FILE_NAME);
        // printed before writing: if the file cannot be written the key is still not lost
        System.out.println("Bootstrap admin key for tenant '" + key.key().tenantId() + "' (shown once, also in "
            + file + "):");
        System.out.println(key.secret());
        try {
          write(dataDir, key.secret());
        } catch (UncheckedIOException e) {
          log.error("Could not write {}: {}; the key was printed above", file, e.getCause().toString());
        }
      }
      return Optional.of(key.secret());
    });
  }

  /** Writes the key through a temporary file that is owner-only from its creation, then moves it in place. */
  static Path write(Path dataDir, String secret) {
    try {
      Files.createDirectories(dataDir);
      Path file = dataDir.resolve(FILE_NAME);
      Path tmp;
      try {
        tmp = Files.createTempFile(dataDir, FILE_NAME, ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system (Windows): the directory's access rules apply
        log.warn("Cannot restrict {} to its owner on this file system", file);
        tmp = Files.createTempFile(dataDir, FILE_NAME, ".tmp");
      }
      Files.writeString(tmp, secret + System.lineSeparator(), StandardCharsets.UTF_8);
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the bootstrap key to " + dataDir, e);
    }
  }
}
