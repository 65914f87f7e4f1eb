package dev.quota.server.http;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Serves the management UI from the classpath folder {@code ui/} at {@code /}. A request path is
 * decoded once, then must consist of plain segments (letters, digits, '.', '_', '-'), none of them
 * starting with a dot, and name a file of a known type; anything else is a 404, so no path can
 * climb out of {@code ui/} or reach a class file. The HTML entry point is revalidated on every load
 * ({@code no-cache}) so a new release shows at once; assets are cached briefly.
 */
public final class StaticUi {
  private static final String ROOT = "ui/";
  private static final Pattern SAFE = Pattern.compile("(?:[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}/){0,8}[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
  private static final Map<String, String> TYPES = Map.ofEntries(
      Map.entry("html", "text/html; charset=utf-8"),
      Map.entry("js", "text/javascript; charset=utf-8"),
      Map.entry("mjs", "text/javascript; charset=utf-8"),
      Map.entry("css", "text/css; charset=utf-8"),
      Map.entry("json", "application/json"),
      Map.entry("svg", "image/svg+xml"),
      Map.entry("png", "image/png"),
      Map.entry("ico", "image/x-icon"),
      Map.entry("woff2", "font/woff2"),
      Map.entry("txt", "text/plain; charset=utf-8"),
      Map.entry("map", "application/json"));

  private final ClassLoader loader;
  private final RouteMethods methods;
  private final Map<String, byte[]> cache = new ConcurrentHashMap<>();

  /** @param methods the API's routes, so a GET of a path routed only for other methods gets 405 */
  public StaticUi(ClassLoader loader, RouteMethods methods) {
    this.loader = loader;
    this.methods = methods;
  }

  /**
   * Registers last: only GETs (and HEADs, answered alike without the body) that no API route took
   * arrive here. Any other method on a file is a 405 allowing GET and HEAD, answered where every
   * request no route takes is.
   */
  public void register(Javalin app) {
    Handler index = ctx -> serve(ctx, "index.html");
    app.get("/", index);
    app.head("/", index);
    Handler file = ctx -> {
      String path = ctx.path();
      MethodNotAllowed refusal = methods.refusal(ctx.req().getMethod(), path);
      if (refusal != null) {
        throw refusal;
      }
      if (isApi(path)) {
        throw ApiError.notFound("no API route " + path);
      }
      serve(ctx, path.substring(1));
    };
    app.get("/<path>", file);
    app.head("/<path>", file);
    methods.addFiles(this::serves);
  }

  /** Whether a GET of {@code requestPath} is answered with a file. */
  boolean serves(String requestPath) {
    if (requestPath.equals("/")) {
      return load("index.html") != null;
    }
    if (isApi(requestPath)) {
      return false;
    }
    String path = resolve(requestPath.substring(1));
    return path != null && load(path) != null;
  }

  private static boolean isApi(String path) {
    return path.startsWith("/v1/") || path.equals("/v1");
  }

  /**
   * The console runs only its own files: scripts, styles and calls from this origin alone, so even
   * text that slipped past the text-node rendering could not load or run anything. Style attributes
   * stay allowed: the console sizes meters and swatches with them, and they cannot run code.
   */
  static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
      + "style-src-attr 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; "
      + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

  private void serve(Context ctx, String rawPath) {
    String path = resolve(rawPath);
    byte[] body = path == null ? null : load(path);
    if (body == null) {
      throw ApiError.notFound("no such file");
    }
    String ext = path.substring(path.lastIndexOf('.') + 1);
    ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("X-Frame-Options", "DENY");
    ctx.header("Referrer-Policy", "no-referrer");
    ctx.header("Cache-Control", ext.equals("html") ? "no-cache" : "public, max-age=300");
    ctx.contentType(TYPES.get(ext)).result(body);
  }

  /** The classpath-relative file for a request path, or null when it is not a plain file name of a known type. */
  static String resolve(String rawPath) {
    String decoded;
    try {
      decoded = URLDecoder.decode(rawPath.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (decoded.endsWith("/")) {
      decoded = decoded + "index.html";
    }
    if (!SAFE.matcher(decoded).matches()) {
      return null;
    }
    for (String segment : decoded.split("/")) {
      if (segment.startsWith(".")) {
        return null;
      }
    }
    int dot = decoded.lastIndexOf('.');
    if (dot < 0 || !TYPES.containsKey(decoded.substring(dot + 1))) {
      return null;
    }
    return decoded;
  }

  private byte[] load(String path) {
    byte[] hit = cache.get(path);
    if (hit != null) {
      return hit;
    }
    // Only files that exist are cached, so probing random names cannot grow the cache.
    try (InputStream in = loader.getResourceAsStream(ROOT + path)) {
      if (in == null) {
        return null;
      }
      byte[] bytes = in.readAllBytes();
      cache.put(path, bytes);
      return bytes;
    } catch (IOException e) {
      return null;
    }
  }
}
