package dev.quota.server.alerts;

import dev.quota.jdbc.JdbcAlertHistory;
import dev.quota.jdbc.JdbcAlertHistory.Claimant;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who the server on a data directory is when it claims alert deliveries in the database ({@link
 * JdbcAlertHistory.Claimant}), kept in {@code alerts.claimant} there.
 *
 * <p>Each start takes a new random id and writes it, forced to disk, before anything is claimed
 * under it; the id the file held is the process that ran on the directory before. So no two server
 * processes ever claim under one id, not even two started from copies of one directory, and a start
 * knows its predecessor, which is dead: a data directory is one server's at a time (a server holds
 * the lock of the ledger spool in it while it runs, and a second one fails to start there). After a
 * kill, which released nothing, the start therefore takes over its predecessor's claims at once
 * rather than leaving those alerts for up to {@link JdbcAlertHistory#CLAIM_LEASE} until they lapse.
 *
 * <p>A file that cannot be read as an id (cut short by a crash, edited by hand) names no
 * predecessor: that process's claims lapse, as they did before the file existed.
 */
public final class ClaimantFile {
  static final String NAME = "alerts.claimant";

  private static final Logger LOG = LoggerFactory.getLogger(ClaimantFile.class);

  private ClaimantFile() {}

  /**
   * Takes a new claimant id for the server starting on {@code dataDir}, with the id of the server
   * that ran there before as its predecessor. Call it only while holding the data directory, and
   * before claiming anything.
   *
   * @throws UncheckedIOException if the file cannot be read or written
   */
  public static Claimant next(Path dataDir) {
    Path file = dataDir.resolve(NAME);
    try {
      String predecessor = read(file);
      String id = UUID.randomUUID().toString();
      Files.createDirectories(dataDir);
      // Written aside and moved over, so that a crash leaves the old id or the new, never half of one.
      Path next = file.resolveSibling(NAME + ".next");
      Files.writeString(next, id + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
      Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return new Claimant(id, predecessor);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep this server's claimant id in " + file, e);
    }
  }

  /** The id in {@code file}; null if there is no file, or it holds no id. */
  private static String read(Path file) throws IOException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (NoSuchFileException e) {
      return null;
    } catch (CharacterCodingException e) {
      text = null;
    }
    if (text != null) {
      try {
        // Only a canonical UUID, as this class writes it: anything else could name a live server.
        if (UUID.fromString(text).toString().equals(text)) {
          return text;
        }
      } catch (IllegalArgumentException notAnId) {
        // set aside below
      }
    }
    LOG.warn("{} holds no claimant id; alert deliveries the server before this one claimed are taken over once their claims lapse",
        file);
    return null;
  }
}
