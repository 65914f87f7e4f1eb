package dev.quota.server.http;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Request;

/**
 * A request's header lines as Jetty holds them, which a servlet's {@code getHeaders} would copy
 * into an enumeration for every request: the checks every body passes read them here.
 */
final class JettyFields {
  private JettyFields() {}

  /** {@code req}'s header lines, or null when it is not a Jetty request underneath (then read it through the servlet API). */
  static HttpFields of(HttpServletRequest req) {
    // The framework wraps Jetty's request (to track its input stream); the headers are Jetty's.
    ServletRequest unwrapped = req;
    while (unwrapped instanceof ServletRequestWrapper wrapper) {
      unwrapped = wrapper.getRequest();
    }
    return unwrapped instanceof Request jetty ? jetty.getHttpFields() : null;
  }
}
