package dev.quota.server;

import dev.quota.server.auth.ApiKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * The bootstrap admin key. {@code QUOTA_ADMIN_KEY} wins; otherwise the key in
 * {@code dataDir/admin.key}, generated on first start.
 *
 * <p>A generated key is written whole to a temporary file created with mode 0600 (never readable
 * by others, not even for an instant), forced to disk, and only then linked in as
 * {@code admin.key}: so the file never exists empty or half written, whether the process dies
 * midway or a second process starts at the same moment (the link fails if the file is there, and
 * the loser uses the winner's key). A key file that holds no key anyway (emptied by hand, or left
 * by an earlier version that created the file before writing it) is refused with what to do,
 * never taken as a blank admin key.
 */
public final class AdminKey {
  public static final String FILE = "admin.key";

  /** The key and, when it was generated now, the file it was written to (null otherwise). */
  public record Resolved(String key, Path createdFile) {}

  /** The key file exists but holds no key; the message names the file and how to recover. */
  public static final class Unusable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unusable(Path file) {
      super("the admin key file " + file.toAbsolutePath() + " is empty: delete it to have a new key generated at the next start, "
          + "or put the key in it, or set QUOTA_ADMIN_KEY");
    }
  }

  private AdminKey() {}

  /**
   * The admin key: {@code fromEnv} if set, else the one in {@code dataDir/admin.key}, generated
   * into a new file if there is none.
   *
   * @throws Unusable if the file exists and is empty or blank
   * @throws UncheckedIOException if the file cannot be read or created
   */
  public static Resolved resolve(String fromEnv, Path dataDir) {
    if (fromEnv != null) {
      return new Resolved(fromEnv, null);
    }
    Path file = dataDir.resolve(FILE);
    try {
      Files.createDirectories(dataDir);
      if (Files.exists(file)) {
        return new Resolved(read(file), null);
      }
      String key = ApiKeys.generate();
      if (!publish(file, key)) {
        // Another process published its key first: use that one.
        return new Resolved(read(file), null);
      }
      return new Resolved(key, file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the admin key file " + file, e);
    }
  }

  /**
   * The admin key {@link #resolve} would give without writing anything: {@code fromEnv} if set,
   * else the one in {@code dataDir/admin.key}; null when there is no such file, and one would be
   * generated.
   *
   * @throws Unusable if the file exists and is empty or blank
   * @throws UncheckedIOException if the file cannot be read
   */
  public static Resolved existing(String fromEnv, Path dataDir) {
    if (fromEnv != null) {
      return new Resolved(fromEnv, null);
    }
    Path file = dataDir.resolve(FILE);
    try {
      return Files.exists(file) ? new Resolved(read(file), null) : null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the admin key file " + file, e);
    }
  }

  /**
   * A warning when the key file in {@code dataDir} may be read by anyone but its owner (a key put
   * there by hand, or a copied directory): whoever reads it acts as the administrator. Null when
   * it is private, absent, or on a file system without POSIX modes.
   */
  public static String looseModeWarning(Path dataDir) {
    Path file = dataDir.resolve(FILE);
    Set<PosixFilePermission> mode;
    try {
      mode = Files.getPosixFilePermissions(file);
    } catch (IOException | UnsupportedOperationException unknown) {
      return null;
    }
    Set<PosixFilePermission> others = EnumSet.copyOf(mode);
    others.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));
    if (others.isEmpty()) {
      return null;
    }
    return "The admin key file " + file.toAbsolutePath() + " may be read by others (mode " + PosixFilePermissions.toString(mode)
        + "): whoever reads it acts as the administrator; make it private with chmod 600.";
  }

  private static String read(Path file) throws IOException {
    String key = Files.readString(file, StandardCharsets.UTF_8).trim();
    if (key.isEmpty()) {
      throw new Unusable(file);
    }
    return key;
  }

  /** Writes {@code key} as {@code file}, whole or not at all; false if {@code file} already exists. */
  private static boolean publish(Path file, String key) throws IOException {
    Path temp = privateTempFile(file.getParent());
    try {
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ByteBuffer bytes = ByteBuffer.wrap((key + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
          out.write(bytes);
        }
        // On disk before the name is: a crash right after the link must not leave an empty file.
        out.force(true);
      }
      try {
        linkNew(file, temp);
      } catch (FileAlreadyExistsException e) {
        return false;
      }
      return true;
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** Makes {@code temp} also {@code file}, failing if {@code file} exists; a rename that does not replace where links are not supported. */
  private static void linkNew(Path file, Path temp) throws IOException {
    try {
      // A hard link is created atomically and never replaces, unlike an atomic move (a rename).
      Files.createLink(file, temp);
    } catch (FileAlreadyExistsException e) {
      throw e;
    } catch (UnsupportedOperationException | FileSystemException e) {
      Files.move(temp, file);
    }
  }

  private static Path privateTempFile(Path dir) throws IOException {
    try {
      return Files.createTempFile(dir, FILE + ".", ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      return Files.createTempFile(dir, FILE + ".", ".tmp");
    }
  }
}
