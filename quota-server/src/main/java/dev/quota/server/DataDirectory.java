package dev.quota.server;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The data directory, checked before a start writes anything there. One that cannot be written
 * failed later and obliquely: the admin key file "cannot be read or created", or, with a key
 * already there, the embedded database printed stack traces and called the directory in use.
 */
public final class DataDirectory {
  private DataDirectory() {}

  /** Null if {@code dir} exists or can be created, and a file can be written in it; else why not. */
  public static String problem(Path dir) {
    try {
      Files.createDirectories(dir);
      Path probe = Files.createTempFile(dir, ".write-check", null);
      Files.delete(probe);
      return null;
    } catch (FileAlreadyExistsException e) {
      return "it is a file, not a directory";
    } catch (NoSuchFileException e) {
      // Its message is only the path again; the file system refused to make a directory on it.
      return "it does not exist, and cannot be created there";
    } catch (FileSystemException e) {
      // The system's own words ("Permission denied", "Read-only file system") say what to change.
      return e.getReason() != null ? e.getReason() : e instanceof AccessDeniedException ? "permission denied" : e.getMessage();
    } catch (IOException e) {
      return e.getMessage();
    }
  }
}
