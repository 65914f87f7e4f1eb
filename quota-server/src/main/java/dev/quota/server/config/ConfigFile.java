package dev.quota.server.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.quota.Policy;
import dev.quota.Selector;
import dev.quota.ValidationException;
import dev.quota.jdbc.json.PolicyJson;
import dev.quota.server.alerts.Backoff;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The one YAML file: server settings and declared policies.
 *
 * <pre>
 * host: 127.0.0.1                   # IP address or host name that resolves
 * port: 8080
 * dataDir: ./quota-data
 * redis: redis://127.0.0.1:6379     # absent: in-memory counters; redis-cluster://h1:7000,h2:7000 for Redis Cluster
 * redisPrefix: "quota:"             # start of every Redis key; no { or }
 * redisTimeout: PT0.5S              # the most a Redis call waits, PT0.01S to PT5S
 * database: jdbc:postgresql://127.0.0.1:5432/quota   # absent: H2 under dataDir
 * databaseStatementTimeout: PT60S   # the most one read runs on PostgreSQL, PT1S to PT30M
 * ledgerRawRetention: P32D          # raw ledger rows, P32D to P400D; then daily totals only
 * webhooks:                         # alerts are POSTed here as JSON, header
 *   - url: https://example.com/quota-alerts   #   X-Quota-Signature: sha256=HMAC-SHA256(secret, body)
 *     secret: change-me
 * webhookAttempts: 6                # attempts per alert before it is marked failed
 * webhookBackoff: PT1S              # wait after the first failed attempt; doubles each time, at most 1 min
 * policies:
 *   "user:*":
 *     rateLimits: [{limit: 60, window: PT1M}]
 *     budget: {currency: USD, daily: "10.00"}
 * </pre>
 *
 * <p>Every error names the line it comes from, so {@code quota check-config} can point at it.
 */
public final class ConfigFile {
  private static final Set<String> TOP = Set.of("host", "port", "dataDir", "redis", "redisPrefix", "redisTimeout", "database",
      "databaseStatementTimeout", "ledgerRawRetention", "webhooks", "webhookAttempts", "webhookBackoff", "policies");
  /**
   * Refuses a key given twice, as the API's JSON bodies do: silently keeping the last one hides a
   * mistake. Numbers are read exactly, as the API reads them: an amount read as a double loses digits.
   */
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory().enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION))
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

  /**
   * Problems in the file, each with the line (1-based) it was found on, 0 if unknown. The message
   * lists them one per line, in the order of their lines, so a file with several mistakes is mended
   * in one pass from top to bottom.
   */
  public static final class Invalid extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** Lines first, in file order; a problem with no line after them all, as found. */
    private static final Comparator<Problem> FILE_ORDER = Comparator.comparingInt(p -> p.line > 0 ? p.line : Integer.MAX_VALUE);

    /** One problem: its line (0 if unknown) and its text, which starts with that line. */
    private record Problem(int line, String text) implements Serializable {}

    private final List<Problem> problems;

    public Invalid(int line, String message) {
      this(List.of(new Problem(line, (line > 0 ? "line " + line + ": " : "") + message)));
    }

    private Invalid(List<Problem> problems) {
      super(String.join("\n", problems.stream().map(Problem::text).toList()), null, false, false);
      this.problems = List.copyOf(problems);
    }

    /** The line of the first problem. */
    public int line() {
      return problems.get(0).line;
    }

    /** These problems but those on {@code lines}; null if none is left. */
    Invalid without(Set<Integer> lines) {
      List<Problem> kept = problems.stream().filter(p -> !lines.contains(p.line)).toList();
      return kept.isEmpty() ? null : kept.size() == problems.size() ? this : new Invalid(kept);
    }

    /** Every problem, each starting with its line. */
    public List<String> problems() {
      return problems.stream().map(Problem::text).toList();
    }

    /** These problems, each naming {@code file} first: every command that reads a file reports them alike. */
    Invalid in(Path file) {
      return new Invalid(problems.stream().map(p -> new Problem(p.line, file + ": " + p.text)).toList());
    }

    /**
     * One {@code Invalid} listing every problem of {@code all} by line (the checks run setting by
     * setting, not down the file); those with no line last, in the order found. Null if there are none.
     */
    static Invalid of(List<Invalid> all) {
      if (all.isEmpty()) {
        return null;
      }
      List<Problem> problems = new ArrayList<>();
      all.forEach(i -> problems.addAll(i.problems));
      problems.sort(FILE_ORDER); // stable: problems on one line keep the order they were found in
      return new Invalid(problems);
    }
  }

  /** Runs checks, keeping what each finds wrong, so that one mistake does not hide the next. */
  private static final class Problems {
    private final List<Invalid> found = new ArrayList<>();
    /**
     * Lines whose value the tree does not hold as written (1e3, an alias): what the other checks
     * say of them ("must be a whole number") follows from that, and would list one problem twice.
     */
    private final Set<Integer> misreadLines = new HashSet<>();

    void misread(Invalid i) {
      found.add(i);
      misreadLines.add(i.line());
    }

    void check(Runnable check) {
      try {
        check.run();
      } catch (Invalid i) {
        add(i);
      }
    }

    void add(Invalid i) {
      Invalid kept = i.without(misreadLines);
      if (kept != null) {
        found.add(kept);
      }
    }

    void throwIfAny() {
      Invalid all = Invalid.of(found);
      if (all != null) {
        throw all;
      }
    }
  }

  /** The fields a policy takes, as the policy reader lists them when one is unknown. */
  private static final String POLICY_FIELDS = "alertThresholds, budget, concurrency, failMode, mode, rateLimits";

  /**
   * A number as JSON and the API write it: digits, a decimal point only between digits, no leading
   * zero (YAML reads {@code 010} as the octal 8).
   */
  private static final Pattern PLAIN_NUMBER = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?");

  private final ObjectNode root;
  private final Map<String, Integer> lines;

  private ConfigFile(ObjectNode root, Map<String, Integer> lines) {
    this.root = root;
    this.lines = lines;
  }

  /** Reads and checks {@code file}; its problems each start with the file's name. */
  public static ConfigFile read(Path file) {
    return read(file, true);
  }

  /**
   * Reads and checks {@code file} away from the server, as a client that applies its policies does:
   * every rule holds but that its host resolves, which only the server's machine can tell.
   */
  public static ConfigFile readAwayFromServer(Path file) {
    return read(file, false);
  }

  private static ConfigFile read(Path file, boolean onServersMachine) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      // A file that is not UTF-8 text says only "Input length = 1" through the decoder, and a missing
      // or forbidden one only its own name.
      String why = e instanceof CharacterCodingException ? "it is not UTF-8 text"
          : e instanceof NoSuchFileException ? "no such file"
          : e instanceof AccessDeniedException ? "permission denied"
          : e.getMessage();
      throw new Invalid(0, file + ": cannot read: " + why);
    }
    try {
      return parse(text, onServersMachine);
    } catch (Invalid e) {
      throw e.in(file);
    }
  }

  public static ConfigFile parse(String text) {
    return parse(text, true);
  }

  private static ConfigFile parse(String text, boolean onServersMachine) {
    JsonNode node;
    Map<String, Integer> lines;
    List<Invalid> misread = new ArrayList<>();
    try {
      node = YAML.readTree(text);
      lines = lines(text, misread);
    } catch (IOException e) {
      int line = e instanceof com.fasterxml.jackson.core.JsonProcessingException p && p.getLocation() != null ? p.getLocation().getLineNr() : 0;
      String m = e instanceof com.fasterxml.jackson.core.JsonProcessingException p ? p.getOriginalMessage() : e.getMessage();
      throw new Invalid(line, "not valid YAML: " + (m == null ? "" : m.lines().findFirst().orElse("")));
    }
    if (node == null || node.isMissingNode() || node.isNull()) {
      node = YAML.createObjectNode();
    }
    if (!node.isObject()) {
      throw new Invalid(1, "the file must be a mapping of settings");
    }
    ConfigFile f = new ConfigFile((ObjectNode) node, lines);
    Problems problems = new Problems();
    misread.forEach(problems::misread);
    f.validateTop(problems, onServersMachine);
    problems.throwIfAny();
    return f;
  }

  private void validateTop(Problems problems, boolean onServersMachine) {
    Iterator<String> names = root.fieldNames();
    while (names.hasNext()) {
      String n = names.next();
      if (!TOP.contains(n)) {
        problems.add(new Invalid(line(n), n + ": is not a known setting (known: " + String.join(", ", new TreeSet<>(TOP)) + ")"));
      }
    }
    if (root.has("port") && (!root.get("port").canConvertToInt() || !root.get("port").isIntegralNumber()
        || root.get("port").intValue() < 0 || root.get("port").intValue() > 65535)) {
      problems.add(new Invalid(line("port"), "port: must be a whole number between 0 and 65535"));
    }
    for (String s : List.of("host", "dataDir", "redis", "redisPrefix", "database")) {
      if (root.has(s) && !root.get(s).isTextual()) {
        problems.add(new Invalid(line(s), s + ": must be a string"));
      }
    }
    // As serve checks them: a file check-config passes must not be refused at start.
    nonBlankSetting("host", onServersMachine ? ListenHost::problem : ListenHost::formProblem, problems);
    nonBlankSetting("redis", BackendUrls::redisProblem, problems);
    nonBlankSetting("database", BackendUrls::databaseProblem, problems);
    // Blank is checked too: it is no URL left out but a prefix given as nothing.
    setting("redisPrefix", BackendUrls::redisPrefixProblem, problems);
    problems.check(() -> duration(ServerConfig.REDIS_TIMEOUT));
    problems.check(() -> duration(ServerConfig.LEDGER_RAW_RETENTION));
    problems.check(() -> duration(ServerConfig.DATABASE_STATEMENT_TIMEOUT));
    problems.check(this::webhooks);
    problems.check(this::webhookAttempts);
    problems.check(this::webhookFirstBackoff);
    problems.check(this::policies);
  }

  /** The setting {@code key}, if the file gives it as text that is not blank, checked by {@code rule} (which answers null if it holds). */
  private void nonBlankSetting(String key, UnaryOperator<String> rule, Problems problems) {
    JsonNode v = root.get(key);
    if (v != null && v.isTextual() && !v.textValue().isBlank()) {
      setting(key, rule, problems);
    }
  }

  /** The setting {@code key}, if the file gives it as text, checked by {@code rule} (which answers null if it holds). */
  private void setting(String key, UnaryOperator<String> rule, Problems problems) {
    JsonNode v = root.get(key);
    String problem = v != null && v.isTextual() ? rule.apply(v.textValue()) : null;
    if (problem != null) {
      problems.add(new Invalid(line(key), key + ": " + problem));
    }
  }

  public String text(String name) {
    JsonNode v = root.get(name);
    return v == null || v.isNull() ? null : v.textValue();
  }

  public Integer port() {
    return root.has("port") ? root.get("port").intValue() : null;
  }

  public List<ServerConfig.Webhook> webhooks() {
    List<ServerConfig.Webhook> out = new ArrayList<>();
    JsonNode w = root.get("webhooks");
    if (w == null || w.isNull()) {
      return out;
    }
    if (!w.isArray()) {
      throw new Invalid(line("webhooks"), "webhooks: must be a list");
    }
    // Every entry is checked, each problem listed, so that one mistake does not hide the next.
    List<Invalid> problems = new ArrayList<>();
    List<String> urls = new ArrayList<>();
    for (int i = 0; i < w.size(); i++) {
      JsonNode e = w.get(i);
      String p = "webhooks[" + i + "]";
      urls.add(e.path("url").textValue());
      if (!e.isObject() || !e.path("url").isTextual() || !e.path("secret").isTextual()) {
        problems.add(new Invalid(line(p), p + ": must have a url and a secret"));
        continue;
      }
      int found = problems.size();
      // A misspelt or unsupported key would otherwise be dropped unseen, as it is nowhere else in the file.
      Iterator<String> keys = e.fieldNames();
      while (keys.hasNext()) {
        String k = keys.next();
        if (!k.equals("url") && !k.equals("secret")) {
          problems.add(new Invalid(line(p + "." + k), p + "." + k + ": is not a known field (known: secret, url)"));
        }
      }
      String url = e.get("url").textValue();
      int first = urls.indexOf(url);
      if (!ServerConfig.Webhook.isValidUrl(url)) {
        problems.add(new Invalid(line(p + ".url"),
            p + ".url: " + ServerConfig.Webhook.URL_RULE + " (got '" + ServerConfig.Webhook.shown(url) + "')"));
      } else if (first < i) {
        // The same receiver twice would get every alert twice, and its deliveries could not be told apart.
        problems.add(new Invalid(line(p + ".url"),
            p + ".url: must not repeat webhooks[" + first + "].url (" + ServerConfig.Webhook.shown(url) + ")"));
      }
      if (e.get("secret").textValue().isEmpty()) {
        problems.add(new Invalid(line(p + ".secret"), p + ".secret: must not be empty"));
      }
      if (problems.size() == found) {
        out.add(new ServerConfig.Webhook(url, e.get("secret").textValue()));
      }
    }
    Invalid all = Invalid.of(problems);
    if (all != null) {
      throw all;
    }
    return out;
  }

  /** The duration the file gives {@code setting}, null if it gives none. */
  public Duration duration(DurationSetting setting) {
    JsonNode v = root.get(setting.key());
    if (v == null || v.isNull()) {
      return null;
    }
    Duration d = v.isTextual() ? setting.parse(v.textValue()) : null;
    if (d == null) {
      throw new Invalid(line(setting.key()), setting.rule(setting.key()));
    }
    return d;
  }

  /** Webhook retries: {@code webhookAttempts} (1-20) and {@code webhookBackoff} (an ISO-8601 duration, 1 ms to 1 min). */
  public Backoff webhookBackoff() {
    return new Backoff(webhookAttempts(), webhookFirstBackoff(), Backoff.DEFAULT.max());
  }

  /** Checked apart from {@link #webhookFirstBackoff}, so a mistake in one does not hide one in the other. */
  private int webhookAttempts() {
    JsonNode a = root.get("webhookAttempts");
    if (a == null || a.isNull()) {
      return Backoff.DEFAULT.attempts();
    }
    if (!a.isIntegralNumber() || !a.canConvertToInt() || a.intValue() < 1 || a.intValue() > 20) {
      throw new Invalid(line("webhookAttempts"), "webhookAttempts: must be a whole number between 1 and 20");
    }
    return a.intValue();
  }

  private Duration webhookFirstBackoff() {
    JsonNode b = root.get("webhookBackoff");
    if (b == null || b.isNull()) {
      return Backoff.DEFAULT.first();
    }
    Invalid invalid = new Invalid(line("webhookBackoff"), "webhookBackoff: must be an ISO-8601 duration between PT0.001S and PT1M, such as PT1S");
    if (!b.isTextual()) {
      throw invalid;
    }
    Duration first;
    try {
      first = Duration.parse(b.textValue());
    } catch (DateTimeParseException e) {
      throw invalid;
    }
    if (first.toMillis() < 1 || first.compareTo(Backoff.DEFAULT.max()) > 0) {
      throw invalid;
    }
    return first;
  }

  /** Whether the file has a {@code policies:} section, if only an empty one: a file without one says nothing about policies. */
  public boolean declaresPolicies() {
    JsonNode p = root.get("policies");
    return p != null && !p.isNull();
  }

  /** The declared policies, validated with the same codec as the API. */
  public Map<Selector, Policy> policies() {
    Map<Selector, Policy> out = new LinkedHashMap<>();
    JsonNode p = root.get("policies");
    if (p == null || p.isNull()) {
      return out;
    }
    if (!p.isObject()) {
      throw new Invalid(line("policies"), "policies: must map selectors to policies");
    }
    Problems problems = new Problems();
    Iterator<Map.Entry<String, JsonNode>> it = p.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String base = "policies." + e.getKey();
      if (!e.getValue().isObject()) {
        // The policy reader would name it as a request's "body" that "must be a JSON object".
        problems.add(new Invalid(line(base), base + ": must be a mapping of policy fields (" + POLICY_FIELDS + ")"));
        continue;
      }
      try {
        Selector s = Selector.parse(e.getKey());
        if (out.put(s, PolicyJson.read(e.getValue(), s, "")) != null) {
          problems.add(new Invalid(line(base), base + ": the selector " + s + " is declared twice"));
        }
      } catch (ValidationException v) {
        for (ValidationException each : v.problems()) {
          problems.add(new Invalid(nearestLine(base, each.field()), base + ": " + each.getMessage()));
        }
      }
    }
    problems.throwIfAny();
    return out;
  }

  private int line(String path) {
    return lines.getOrDefault(path, 0);
  }

  /** The line of {@code base.field}, or of the nearest enclosing key that has one. */
  private int nearestLine(String base, String field) {
    String p = field == null || field.isEmpty() || field.equals("selector") || field.equals("body") || field.equals("policy") ? base : base + "." + field;
    while (true) {
      Integer l = lines.get(p);
      if (l != null) {
        return l;
      }
      int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      if (cut <= 0) {
        return 0;
      }
      p = p.substring(0, cut);
    }
  }

  /**
   * Maps each key path ({@code policies.user:*.rateLimits[0].limit}) to the line it starts on, and
   * adds to {@code misread} what the tree would hold otherwise than written: every number not written
   * as a plain decimal, every alias, and a second document. YAML reads {@code 0x10}, {@code 1e3},
   * {@code +5}, {@code 1_000} and {@code 010} (octal) as numbers, so a typo or a foreign notation
   * would otherwise become a limit or an amount that nobody wrote, and that the API would refuse.
   */
  private static Map<String, Integer> lines(String text, List<Invalid> misread) throws IOException {
    Map<String, Integer> out = new HashMap<>();
    Deque<Object[]> stack = new ArrayDeque<>(); // {path, isArray, nextIndex}
    try (JsonParser p = YAML.getFactory().createParser(text)) {
      String pendingField = null;
      int documents = 0;
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        int line = p.currentTokenLocation().getLineNr();
        if (t == JsonToken.FIELD_NAME) {
          pendingField = p.currentName();
          String parent = stack.isEmpty() ? "" : (String) stack.peek()[0];
          out.putIfAbsent(join(parent, pendingField), line);
          continue;
        }
        if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
          stack.pop();
          continue;
        }
        if (stack.isEmpty() && documents++ > 0) {
          // The file is read as its first document: the settings and policies of another would be dropped unseen.
          if (t != JsonToken.VALUE_NULL) {
            misread.add(new Invalid(line, "a second YAML document (after ---) would not be read: keep every setting and policy in one"));
            break;
          }
          continue;
        }
        String here = "";
        if (!stack.isEmpty()) {
          Object[] top = stack.peek();
          if ((Boolean) top[1]) {
            int idx = (Integer) top[2];
            top[2] = idx + 1;
            here = top[0] + "[" + idx + "]";
            out.putIfAbsent(here, line);
          } else {
            here = join((String) top[0], pendingField);
          }
        }
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
          stack.push(new Object[] {here, t == JsonToken.START_ARRAY, 0});
        } else if (p instanceof com.fasterxml.jackson.dataformat.yaml.YAMLParser y && y.isCurrentAlias()) {
          // The parser gives an alias as its anchor's name, not as the value anchored.
          misread.add(new Invalid(line, here + ": YAML aliases (*" + p.getText() + ") are not supported: write the value out"));
        } else if (t.isNumeric() && !PLAIN_NUMBER.matcher(p.getText()).matches()) {
          misread.add(new Invalid(line, here + ": write numbers as plain decimals such as 16 or 10.50, or quote them (got "
              + p.getText() + ")"));
        }
      }
    }
    return out;
  }

  private static String join(String parent, String name) {
    return parent.isEmpty() ? name : parent + "." + name;
  }
}
