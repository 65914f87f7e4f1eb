package dev.quota.server.http;

/**
 * 405: the path has routes, but none for this method. {@link #allow} lists the methods it has, for
 * the {@code Allow} header. No stack trace: an expected answer, not a bug.
 */
public final class MethodNotAllowed extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String allow;

  MethodNotAllowed(String method, String path, String allow) {
    super(method + " is not allowed on " + path + "; allowed: " + allow, null, false, false);
    this.allow = allow;
  }

  public String allow() {
    return allow;
  }
}
