package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The bootstrap admin key: generated once into an owner-only file, reused after, and never taken blank. */
class AdminKeyTest {
  @TempDir Path dir;

  /** The key a start finds before it opens anything: read, never written; none where a key would be generated. */
  @Test
  void theExistingKeyIsReadWithoutWritingAnything() throws Exception {
    Path dataDir = Files.createDirectories(dir.resolve("data"));
    assertThat(AdminKey.existing(null, dataDir)).isNull();
    assertThat(dataDir.resolve(AdminKey.FILE)).doesNotExist();
    assertThat(AdminKey.existing("k".repeat(20), dataDir).key()).isEqualTo("k".repeat(20));

    Files.writeString(dataDir.resolve(AdminKey.FILE), "qk_written\n");
    assertThat(AdminKey.existing(null, dataDir)).isEqualTo(new AdminKey.Resolved("qk_written", null));
    Files.writeString(dataDir.resolve(AdminKey.FILE), " \n");
    assertThatThrownBy(() -> AdminKey.existing(null, dataDir)).isInstanceOf(AdminKey.Unusable.class);
  }

  @Test
  void theFirstStartGeneratesAKeyIntoAFileOnlyItsOwnerCanRead() throws Exception {
    Path dataDir = dir.resolve("data");

    AdminKey.Resolved first = AdminKey.resolve(null, dataDir);

    Path file = dataDir.resolve(AdminKey.FILE);
    assertThat(first.createdFile()).isEqualTo(file);
    assertThat(first.key()).startsWith("qk_").hasSizeGreaterThanOrEqualTo(16);
    assertThat(Files.readString(file, StandardCharsets.UTF_8)).isEqualTo(first.key() + "\n");
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }
    try (Stream<Path> files = Files.list(dataDir)) {
      // the temporary file the key was written to first is gone
      assertThat(files).containsExactly(file);
    }
  }

  /** A key file others may read is still used, with a warning that says so and how to mend it; a private one has none. */
  @Test
  void aKeyFileOthersMayReadIsWarnedOf() throws Exception {
    AdminKey.resolve(null, dir);
    assertThat(AdminKey.looseModeWarning(dir)).isNull();

    Files.setPosixFilePermissions(dir.resolve(AdminKey.FILE), PosixFilePermissions.fromString("rw-r--r--"));

    assertThat(AdminKey.looseModeWarning(dir)).isEqualTo("The admin key file " + dir.resolve(AdminKey.FILE).toAbsolutePath()
        + " may be read by others (mode rw-r--r--): whoever reads it acts as the administrator; make it private with chmod 600.");
    assertThat(AdminKey.looseModeWarning(dir.resolve("elsewhere"))).as("no file, nothing to warn of").isNull();
  }

  @Test
  void laterStartsUseTheKeyInTheFile() {
    String generated = AdminKey.resolve(null, dir).key();

    AdminKey.Resolved again = AdminKey.resolve(null, dir);

    assertThat(again.key()).isEqualTo(generated);
    assertThat(again.createdFile()).isNull();
  }

  @Test
  void theEnvironmentsKeyWinsAndNoFileIsMade() {
    AdminKey.Resolved r = AdminKey.resolve("qk_from_the_environment", dir);

    assertThat(r.key()).isEqualTo("qk_from_the_environment");
    assertThat(r.createdFile()).isNull();
    assertThat(dir.resolve(AdminKey.FILE)).doesNotExist();
  }

  /** An empty key file was taken as a blank admin key: the operator's key no longer matched it. */
  @ParameterizedTest
  @ValueSource(strings = {"", "\n", "  \t\r\n"})
  void aKeyFileHoldingNoKeyIsRefusedSayingHowToRecover(String content) throws Exception {
    Path file = dir.resolve(AdminKey.FILE);
    Files.writeString(file, content, StandardCharsets.UTF_8);

    assertThatThrownBy(() -> AdminKey.resolve(null, dir))
        .isInstanceOf(AdminKey.Unusable.class)
        .hasMessage("the admin key file " + file.toAbsolutePath() + " is empty: delete it to have a new key generated at the next start, "
            + "or put the key in it, or set QUOTA_ADMIN_KEY");
    assertThat(Files.readString(file, StandardCharsets.UTF_8)).isEqualTo(content);
  }

  @Test
  void anEmptyKeyFileIsNoObstacleWhenTheEnvironmentGivesTheKey() throws Exception {
    Files.writeString(dir.resolve(AdminKey.FILE), "", StandardCharsets.UTF_8);

    assertThat(AdminKey.resolve("qk_from_the_environment", dir).key()).isEqualTo("qk_from_the_environment");
  }

  @Test
  void aKeyFileThatCannotBeReadIsNamed() throws Exception {
    Files.createDirectories(dir.resolve(AdminKey.FILE));

    assertThatThrownBy(() -> AdminKey.resolve(null, dir))
        .hasMessage("cannot read or create the admin key file " + dir.resolve(AdminKey.FILE));
  }
}
