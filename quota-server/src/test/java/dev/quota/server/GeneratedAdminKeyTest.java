package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quota serve} started as an operator first starts it, with no admin key given. */
class GeneratedAdminKeyTest {
  @TempDir Path dataDir;

  @Test
  void theFirstStartGeneratesAKeyOnlyItsOwnerCanReadSaysWhereItIsAndAcceptsIt() throws Exception {
    // blank is no key, as an unset variable is
    try (ServerProcess server = ServerProcess.launch(dataDir, Map.of("QUOTA_ADMIN_KEY", ""))) {
      Path file = dataDir.resolve(AdminKey.FILE);
      String key = Files.readString(file, StandardCharsets.UTF_8).trim();

      assertThat(server.output()).contains("Generated an admin API key; it is in " + file.toAbsolutePath() + " (mode 0600).");
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
      }
      assertThat(key).startsWith("qk_");
      assertThat(new Api(server.url(), key).get("/v1/policies").status()).isEqualTo(200);
      assertThat(server.admin().get("/v1/policies").status()).as("the test's usual key is not this server's").isEqualTo(401);
    }
  }
}
