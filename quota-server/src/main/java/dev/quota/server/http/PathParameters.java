package dev.quota.server.http;

/**
 * The parameters of one route's path ({@code /v1/usage/{scope}/{id}}) by segment, and the check
 * that each arrived as percent-encoded UTF-8. The servlet layer turns bytes that are not UTF-8 into
 * U+FFFD, so {@code /v1/usage/user/%FF} would read as the subject {@code user:\uFFFD}; it is
 * refused naming {@code id} instead.
 */
public final class PathParameters {
  /** The parameter's name at each segment of the route's path; null where the segment is literal. */
  private final String[] bySegment;
  private final boolean any;

  private PathParameters(String[] bySegment, boolean any) {
    this.bySegment = bySegment;
    this.any = any;
  }

  /** The parameters of a route path written as Javalin's are: {@code {name}} segments. */
  public static PathParameters of(String routePath) {
    String[] segments = routePath.split("/", -1);
    String[] names = new String[segments.length];
    boolean any = false;
    for (int i = 0; i < segments.length; i++) {
      String s = segments[i];
      if (s.length() > 2 && s.startsWith("{") && s.endsWith("}")) {
        names[i] = s.substring(1, s.length() - 1);
        any = true;
      }
    }
    return new PathParameters(names, any);
  }

  /** Refuses, naming the parameter, a segment of {@code rawPath} (as sent, not decoded) that does not decode. */
  public void requireWellFormed(String rawPath) {
    if (!any || rawPath == null || rawPath.indexOf('%') < 0) {
      return; // only an escape can fail to decode: a commit's or a release's path has none
    }
    String[] segments = rawPath.split("/", -1);
    for (int i = 0; i < Math.min(segments.length, bySegment.length); i++) {
      if (bySegment[i] != null && !PercentDecoding.decodes(segments[i])) {
        throw ApiError.badInput(bySegment[i], PercentDecoding.RULE);
      }
    }
  }
}
