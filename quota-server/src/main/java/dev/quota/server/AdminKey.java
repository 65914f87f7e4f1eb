package dev.quota.server;

import dev.quota.server.auth.ApiKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The bootstrap admin key. {@code QUOTA_ADMIN_KEY} wins; otherwise the key in
 * {@code dataDir/admin.key}, generated on first start into a file created with mode 0600 (never
 * readable by others, not even for an instant).
 */
public final class AdminKey {
  public static final String FILE = "admin.key";

  /** The key and, when it was generated now, the file it was written to (null otherwise). */
  public record Resolved(String key, Path createdFile) {}

  private AdminKey() {}

  public static Resolved resolve(String fromEnv, Path dataDir) {
    if (fromEnv != null) {
      return new Resolved(fromEnv, null);
    }
    Path file = dataDir.resolve(FILE);
    try {
      Files.createDirectories(dataDir);
      if (Files.exists(file)) {
        return new Resolved(Files.readString(file, StandardCharsets.UTF_8).trim(), null);
      }
      String key = ApiKeys.generate();
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(file);
      } catch (FileAlreadyExistsException e) {
        // Another process created it first: use its key.
        return new Resolved(Files.readString(file, StandardCharsets.UTF_8).trim(), null);
      }
      Files.writeString(file, key + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
      return new Resolved(key, file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the admin key file " + file, e);
    }
  }
}
