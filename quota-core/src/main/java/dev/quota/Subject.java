package dev.quota;

import dev.quota.internal.Names;
import dev.quota.internal.Padding;
import dev.quota.internal.Printable;

/**
 * Who or what a request is attributed to: {@code scope:identifier}, e.g. {@code user:alice} or
 * {@code tool:web_search}. Built-in scopes are {@link #USER}, {@link #TEAM}, {@link #PROJECT},
 * {@link #TOOL} and {@link #PROVIDER}; any other lowercase name is allowed too.
 *
 * <p>A subject is always one concrete identifier, never {@code *}: that is the wildcard of policy
 * selectors ({@code user:*} is every user's default), so a subject {@code user:*} would count
 * against a name that means "everyone" and a reset of it would be ambiguous. Nor does an
 * identifier hold {@code ','}, which separates the two subjects of a pair: {@code user:a,tool:x}
 * must mean one thing wherever subjects are written as text (selectors, alerts, filters). An
 * identifier may hold {@code ':'}: scopes never do, so text splits at its first colon. Nor does it
 * begin or end with whitespace: {@code user:"alice "} would count apart from {@code user:alice}.
 *
 * <p>An identifier stored before that last rule (in a ledger row, a reservation, a policy's
 * selector) is read as stored: readers of stored data hold it only to {@link #validateStoredId},
 * and a selector to {@link Selector#parseStored}. No subject is made of it, since no request can
 * name it any more.
 */
public record Subject(String scope, String id) implements Comparable<Subject> {
  public static final String USER = "user";
  public static final String TEAM = "team";
  public static final String PROJECT = "project";
  public static final String TOOL = "tool";
  public static final String PROVIDER = "provider";

  public static final int MAX_ID_LENGTH = 128;
  /** The rule for a scope, for a field that holds more than the scope. */
  static final String SCOPE_RULE = "the scope " + Names.RULE;
  /** The rule a subject's identifier breaks when it is the selector wildcard. */
  public static final String WILDCARD_RULE =
      "must not be *: that is the wildcard of policy selectors, and a subject names one identifier";
  /** The rule a subject's or selector's identifier breaks when it holds the pair separator. */
  public static final String COMMA_RULE =
      "must not contain ',': that separates the two subjects of a pair (user:alice,tool:x)";
  /** The rule an identifier breaks when whitespace begins or ends it. */
  public static final String PADDING_RULE =
      "must not begin or end with whitespace, which would make it another identifier than the same text without it";

  /**
   * The rule a new identifier breaks when it is {@code .} or {@code ..}: the API names a subject in
   * its URL paths ({@code /v1/usage/user/alice}), where such a segment is resolved away, by
   * browsers and most clients alike, before the request leaves.
   */
  public static final String DOT_SEGMENT_RULE =
      "must not be '.' or '..': a URL path cannot name it, as clients resolve such a segment away";

  /** @throws ValidationException naming {@code scope} or {@code id} when either breaks its rule */
  public Subject {
    validateScope("scope", scope);
    validateSubjectId("id", id);
  }

  public static Subject of(String scope, String id) {
    return new Subject(scope, id);
  }

  /** Parses {@code scope:identifier}; the identifier may itself contain colons. */
  public static Subject parse(String text) {
    ValidationException.require(text != null, "subject", "is required");
    int colon = text.indexOf(':');
    ValidationException.require(colon > 0, "subject", "must be written scope:identifier");
    return new Subject(text.substring(0, colon), text.substring(colon + 1));
  }

  /**
   * Parses {@code scope:identifier} given as the value of {@code field} (e.g. {@code subjects[0]}):
   * whatever is wrong with it, the error names that field, and the rule says which part broke it.
   */
  public static Subject parse(String field, String text) {
    ValidationException.require(text != null, field, "is required");
    int colon = text.indexOf(':');
    ValidationException.require(colon > 0, field, "must be written scope:identifier");
    String scope = text.substring(0, colon);
    ValidationException.require(Names.isName(scope), field, SCOPE_RULE);
    String idRule = subjectIdRule(text.substring(colon + 1));
    if (idRule != null) {
      throw new ValidationException(field, "the identifier " + idRule);
    }
    return new Subject(scope, text.substring(colon + 1));
  }

  /** Scope names are 1-32 characters: a lowercase letter, then lowercase letters, digits or '_'. */
  public static void validateScope(String field, String scope) {
    ValidationException.require(scope != null, field, "is required");
    ValidationException.require(Names.isName(scope), field, Names.RULE);
  }

  /**
   * Identifiers are 1-128 printable characters (no control characters, no line breaks) that
   * neither begin nor end with whitespace.
   */
  public static void validateId(String field, String id) {
    String rule = idRule(id, false);
    if (rule != null) {
      throw new ValidationException(field, rule);
    }
  }

  /**
   * The rules an identifier stored by this or an earlier version meets: 1-128 printable
   * characters. Whitespace at either end was accepted before it was refused, so a stored row that
   * holds some (a ledger row written then, or a reservation settled now) is still written and read.
   */
  public static void validateStoredId(String field, String id) {
    String rule = idRule(id, true);
    if (rule != null) {
      throw new ValidationException(field, rule);
    }
  }

  /**
   * A subject's identifier follows {@link #validateId}'s rule, holds no {@code ','} (the separator
   * of a pair) and is not {@code *}, the selector wildcard, nor {@code .} or {@code ..}. Every field that names one concrete
   * subject is checked by this.
   */
  public static void validateSubjectId(String field, String id) {
    String rule = subjectIdRule(id);
    if (rule != null) {
      throw new ValidationException(field, rule);
    }
  }

  /** The rule a subject's identifier {@code id} breaks, or null: see {@link #identifierRule}. */
  static String subjectIdRule(String id) {
    return subjectIdRule(id, false);
  }

  /** {@link #subjectIdRule}, with only the rules of stored identifiers if {@code stored}. */
  static String subjectIdRule(String id, boolean stored) {
    if (Selector.ANY.equals(id)) {
      return WILDCARD_RULE;
    }
    return !stored && isDotSegment(id) ? DOT_SEGMENT_RULE : identifierRule(id, stored);
  }

  /** Whether {@code text} is {@code .} or {@code ..}, which URL paths cannot carry as a segment. */
  public static boolean isDotSegment(String text) {
    return ".".equals(text) || "..".equals(text);
  }

  /**
   * The rule an identifier of a subject or of a selector's part breaks, or null: {@link #idRule}'s,
   * and no {@code ','}, which separates the two parts of a pair. With {@code stored}, only the
   * rules every stored identifier meets (see {@link #validateStoredId}), and no ','.
   */
  static String identifierRule(String id, boolean stored) {
    String rule = idRule(id, stored);
    return rule == null && id.indexOf(',') >= 0 ? COMMA_RULE : rule;
  }

  /**
   * The rule {@code id} breaks, or null for a valid identifier: for callers that name the field
   * only once it is wrong, so a valid request builds no field name. With {@code stored}, the rules
   * of {@link #validateStoredId}: whitespace at either end is let through.
   */
  static String idRule(String id, boolean stored) {
    if (id == null || id.isEmpty()) {
      return "must not be empty";
    }
    if (id.codePointCount(0, id.length()) > MAX_ID_LENGTH) {
      return "must be at most 128 characters";
    }
    if (!Printable.isPrintable(id)) {
      return "must contain only printable characters";
    }
    return stored || !Padding.isPadded(id) ? null : PADDING_RULE;
  }

  @Override
  public int compareTo(Subject o) {
    int c = scope.compareTo(o.scope);
    return c != 0 ? c : id.compareTo(o.id);
  }

  @Override
  public String toString() {
    return scope + ":" + id;
  }
}
