package dev.quota.server.cli;

import dev.quota.server.AdminKey;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options and a client shared by the commands that talk to a running server. */
final class Remote {
  @Option(names = "--url", description = "Server URL (env QUOTA_URL), default http://127.0.0.1:8080") String url;
  @Option(names = "--key", description = "API key (env QUOTA_KEY, else QUOTA_ADMIN_KEY); default the admin.key in --data-dir") String key;
  @Option(names = "--data-dir", description = "Where to find admin.key, default ./quota-data (env QUOTA_DATA_DIR)") Path dataDir;

  /** Where the key sent came from, so a refused key is traced to the option, variable or file that gave it. */
  private String keyFrom;

  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * A response: status and body, and whether the change it answers is stored but not yet in force
   * on the server ({@code Quota-Applied: pending}: its next reload applies it).
   */
  record Reply(int status, String body, boolean pending) {
    boolean ok() {
      return status / 100 == 2;
    }
  }

  /** Sends a request with {@code headers} given as name, value, name, value... */
  Reply send(String method, String path, String body, String... headers) {
    String base = url != null ? url : System.getenv().getOrDefault("QUOTA_URL", "http://127.0.0.1:8080");
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(base, path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + key());
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    if (body != null) {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    try {
      HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Reply(r.statusCode(), r.body(), r.headers().firstValue("Quota-Applied").filter("pending"::equals).isPresent());
    } catch (IOException e) {
      throw new Failures.CommandFailed("cannot reach " + base + ": " + Failures.describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failures.CommandFailed("interrupted");
    }
  }

  /**
   * Fails the command with the server's refusal {@code r}, each problem naming the option in
   * {@code options} (field to option) that gave its field; a key the server does not accept is
   * named by where it came from. Arguments the server refused (400) are a usage error, exit 2.
   */
  Failures.CommandFailed refused(Reply r, Map<String, String> options) {
    String lines = String.join("\n", Refusal.lines(r, options));
    if (Refusal.ofInput(r)) {
      return new Failures.InputRefused(lines);
    }
    return new Failures.CommandFailed(r.status() == 401 && keyFrom != null ? lines + " (the key from " + keyFrom + ")" : lines);
  }

  /** {@link #refused} for a request whose fields no option gave. */
  Failures.CommandFailed refused(Reply r) {
    return refused(r, Map.of());
  }

  private String key() {
    if (key != null) {
      keyFrom = "--key";
      return key;
    }
    for (String env : new String[] {"QUOTA_KEY", "QUOTA_ADMIN_KEY"}) {
      String v = System.getenv(env);
      if (v != null && !v.isBlank()) {
        keyFrom = env;
        return v;
      }
    }
    Path dir = dataDir != null ? dataDir : Path.of(System.getenv().getOrDefault("QUOTA_DATA_DIR", "quota-data"));
    try {
      keyFrom = dir.resolve(AdminKey.FILE).toString();
      return Files.readString(dir.resolve(AdminKey.FILE)).trim();
    } catch (IOException e) {
      throw new Failures.CommandFailed(noKey(dir.resolve(AdminKey.FILE), e));
    }
  }

  /** Every way a key is given, in the order they are looked at: naming only some left the others to be guessed. */
  static String noKey(Path file, IOException why) {
    String reason = why instanceof NoSuchFileException ? "no such file"
        : why instanceof AccessDeniedException ? "permission denied" : Failures.describe(why);
    return "no API key: pass --key, set QUOTA_KEY or QUOTA_ADMIN_KEY, or point --data-dir (env QUOTA_DATA_DIR, default ./quota-data)"
        + " at the server's data directory, whose " + AdminKey.FILE + " holds the admin key (" + file + ": " + reason + ")";
  }

  /** The server's URL with {@code path}; a URL that is not plain http(s) is refused by name. */
  private static URI uri(String base, String path) {
    URI uri;
    try {
      uri = new URI(stripSlash(base) + path);
    } catch (URISyntaxException e) {
      throw new Failures.InputRefused("--url: must be an http or https URL, got '" + base + "'");
    }
    if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
      throw new Failures.InputRefused("--url: must be an http or https URL, got '" + base + "'");
    }
    return uri;
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%2A", "*").replace("%3A", ":").replace("%2C", ",");
  }
}
