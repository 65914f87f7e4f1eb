package dev.quota;

import dev.quota.internal.Padding;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a policy is bound to: one scope with an exact identifier ({@code user:alice}), one scope
 * with the wildcard ({@code user:*}, the default for every user), or a pair of scopes
 * ({@code user:*,tool:image_gen}: each user's own use of that tool). Parts are kept sorted by scope
 * so every selector has one canonical spelling.
 */
public final class Selector implements Comparable<Selector> {
  public static final String ANY = "*";
  /** The longest selector in characters: two 32-character scopes, two identifiers, ':', ',' and ':'. */
  public static final int MAX_LENGTH = 2 * (32 + 1 + Subject.MAX_ID_LENGTH) + 1;

  /**
   * One part of a selector: a scope and an identifier or {@code *}. A part checks the rules every
   * stored selector meets; that its identifier neither begins nor ends with whitespace is checked
   * where a selector is made of parts ({@link #of(List)}, {@link #parse}), so that a selector stored
   * before that rule still loads ({@link #parseStored}).
   */
  public record Part(String scope, String id) {
    public Part {
      Subject.validateScope("selector.scope", scope);
      String rule = ANY.equals(id) ? null : Subject.identifierRule(id, true);
      if (rule != null) {
        throw new ValidationException("selector.id", rule);
      }
    }

    public boolean isWildcard() {
      return ANY.equals(id);
    }

    public boolean matches(String requestId) {
      return isWildcard() || id.equals(requestId);
    }

    @Override
    public String toString() {
      return scope + ":" + id;
    }
  }

  private final List<Part> parts;
  private final String text;

  private Selector(List<Part> parts) {
    this.parts = List.copyOf(parts);
    StringBuilder sb = new StringBuilder();
    for (Part p : this.parts) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(p);
    }
    this.text = sb.toString();
  }

  public static Selector of(String scope, String id) {
    return of(List.of(new Part(scope, id)));
  }

  public static Selector pair(String scope1, String id1, String scope2, String id2) {
    return of(List.of(new Part(scope1, id1), new Part(scope2, id2)));
  }

  /** @throws ValidationException naming {@code selector.id} for an identifier padded with whitespace */
  public static Selector of(List<Part> parts) {
    return of(parts, false);
  }

  private static Selector of(List<Part> parts, boolean stored) {
    ValidationException.require(
        parts != null && (parts.size() == 1 || parts.size() == 2),
        "selector",
        "must name one scope or a pair of scopes");
    if (!stored) {
      requireUnpadded(parts);
    }
    List<Part> sorted = new ArrayList<>(parts);
    sorted.sort((a, b) -> a.scope().compareTo(b.scope()));
    if (sorted.size() == 2) {
      ValidationException.require(
          !sorted.get(0).scope().equals(sorted.get(1).scope()),
          "selector",
          "a pair must name two different scopes");
    }
    return new Selector(sorted);
  }

  /** Parses {@code user:alice}, {@code user:*} or {@code user:*,tool:image_gen}. */
  public static Selector parse(String text) {
    return parse(text, false);
  }

  /**
   * Parses a selector as a store wrote it, or as it names something stored (a policy to read or
   * delete): by every rule of {@link #parse} but one, that no identifier begins or ends with
   * whitespace. Policies and overrides stored before that rule keep loading, applying and being
   * listed, and can be deleted by the selector they were stored under.
   */
  public static Selector parseStored(String text) {
    return parse(text, true);
  }

  private static Selector parse(String text, boolean stored) {
    ValidationException.require(text != null && !text.isBlank(), "selector", "is required");
    String[] pieces = text.split(",", -1);
    ValidationException.require(
        pieces.length <= 2, "selector", "must name one scope or a pair of scopes");
    List<Part> parts = new ArrayList<>(pieces.length);
    for (String piece : pieces) {
      int colon = piece.indexOf(':');
      ValidationException.require(
          colon > 0, "selector", "each part must be written scope:identifier or scope:*");
      parts.add(new Part(piece.substring(0, colon), piece.substring(colon + 1)));
    }
    return of(parts, stored);
  }

  /**
   * Refuses a selector {@link #parseStored} let through with an identifier padded with whitespace,
   * where a new policy or override would be bound to it.
   */
  void requireUnpadded() {
    requireUnpadded(parts);
  }

  private static void requireUnpadded(List<Part> parts) {
    for (Part p : parts) {
      // A policy for user:"alice " would never meet the requests of user:alice it was meant for.
      ValidationException.require(p.isWildcard() || !Padding.isPadded(p.id()), "selector.id", Subject.PADDING_RULE);
    }
  }

  public List<Part> parts() {
    return parts;
  }

  public boolean isPair() {
    return parts.size() == 2;
  }

  /** The scopes this selector reads, in canonical order; two selectors of one shape share it. */
  public String shape() {
    return isPair() ? parts.get(0).scope() + "," + parts.get(1).scope() : parts.get(0).scope();
  }

  /** Whether a request with these subjects (scope to identifier) falls under this selector. */
  public boolean matches(Map<String, String> subjects) {
    for (Part p : parts) {
      String id = subjects.get(p.scope());
      if (id == null || !p.matches(id)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int compareTo(Selector o) {
    return text.compareTo(o.text);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Selector s && s.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  @Override
  public String toString() {
    return text;
  }
}
