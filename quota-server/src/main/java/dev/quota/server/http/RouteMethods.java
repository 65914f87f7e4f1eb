package dev.quota.server.http;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Which methods each route path answers, so that a request no handler takes is told the truth:
 * 405 with an {@code Allow} header when its path has routes for other methods, 404 only when it
 * has none. Paths are matched as the router matches them (see {@link #routed}): literal segments,
 * and {@code {name}} for any one non-empty segment. A path no route has may name a file of the
 * console, answered to GET and HEAD alone. Consulted only after routing has failed, never on a
 * request a route answers. Filled while routes are registered, before the server starts.
 */
public final class RouteMethods {
  /** The methods routes are registered for, in the order {@code Allow} lists them. */
  private static final List<String> ORDER = List.of("GET", "HEAD", "POST", "PUT", "DELETE");
  private static final Comparator<String> LISTED = Comparator.comparingInt(ORDER::indexOf);

  private static final Set<String> FILE_METHODS = Set.of("GET", "HEAD");

  private final Map<String, Set<String>> byTemplate = new LinkedHashMap<>();
  private Predicate<String> isFile = path -> false;

  /**
   * The request path as the router matches it: the server is configured to ignore one trailing
   * slash, so {@code /metrics/} is {@code /metrics}. Anything that decides by path (auth) must see
   * the same path the router does.
   */
  public static String routed(String requestPath) {
    return requestPath.length() > 1 && requestPath.endsWith("/") ? requestPath.substring(0, requestPath.length() - 1) : requestPath;
  }

  /** Records that {@code template} answers {@code method}; a GET also answers HEAD. */
  public void add(String method, String template) {
    if (!ORDER.contains(method)) {
      throw new IllegalArgumentException("no route method " + method);
    }
    Set<String> methods = byTemplate.computeIfAbsent(template, t -> new TreeSet<>(LISTED));
    methods.add(method);
    if (method.equals("GET")) {
      methods.add("HEAD");
    }
  }

  /**
   * Records which request paths no route has are files, answered to GET and HEAD alone: a
   * {@code DELETE /index.html} is then a 405 as a wrong method on a route is, not a 404.
   */
  public void addFiles(Predicate<String> isFile) {
    this.isFile = isFile;
  }

  /** The methods {@code requestPath} has routes for, as an {@code Allow} value; null when it has none. */
  public String allowed(String requestPath) {
    Set<String> methods = methods(requestPath);
    if (methods.isEmpty()) {
      return null;
    }
    StringJoiner allow = new StringJoiner(", ");
    methods.forEach(allow::add);
    return allow.toString();
  }

  /**
   * 405 for a request whose path has routes or is a file, but not for {@code method}; null when
   * the path has none, or has one for {@code method}.
   */
  public MethodNotAllowed refusal(String method, String requestPath) {
    Set<String> methods = methods(requestPath);
    return methods.isEmpty() || methods.contains(method) ? null : new MethodNotAllowed(method, requestPath, allowed(requestPath));
  }

  private Set<String> methods(String requestPath) {
    String[] segments = routed(requestPath).split("/", -1);
    Set<String> methods = new TreeSet<>(LISTED);
    for (Map.Entry<String, Set<String>> route : byTemplate.entrySet()) {
      if (matches(route.getKey().split("/", -1), segments)) {
        methods.addAll(route.getValue());
      }
    }
    if (methods.isEmpty() && isFile.test(requestPath)) {
      methods.addAll(FILE_METHODS);
    }
    return methods;
  }

  private static boolean matches(String[] template, String[] path) {
    if (template.length != path.length) {
      return false;
    }
    for (int i = 0; i < template.length; i++) {
      boolean parameter = template[i].startsWith("{") && template[i].endsWith("}");
      if (parameter ? path[i].isEmpty() : !template[i].equals(path[i])) {
        return false;
      }
    }
    return true;
  }
}
