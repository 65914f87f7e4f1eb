package dev.quota.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PaddingTest {
  /** Spaces of every kind at either end: ASCII, no-break, en and em, narrow no-break, ideographic, and tab. */
  private static final List<String> SPACES =
      List.of(" ", "\t", "\u00a0", "\u2002", "\u2003", "\u2007", "\u202f", "\u205f", "\u3000", "\u1680");

  @Test
  void whitespaceOfAnyKindAtEitherEndPads() {
    for (String space : SPACES) {
      assertThat(Padding.isPadded("alice" + space)).as("U+%04X after", (int) space.charAt(0)).isTrue();
      assertThat(Padding.isPadded(space + "alice")).as("U+%04X before", (int) space.charAt(0)).isTrue();
      assertThat(Padding.isPadded(space)).isTrue();
      assertThat(Padding.isPadded("Alice" + space + "Smith")).as("U+%04X inside", (int) space.charAt(0)).isFalse();
    }
  }

  @Test
  void anythingElseAtTheEndsDoesNot() {
    assertThat(Padding.isPadded("")).isFalse();
    assertThat(Padding.isPadded("a")).isFalse();
    assertThat(Padding.isPadded("~alice!")).isFalse();
    assertThat(Padding.isPadded("zoë")).isFalse();
    assertThat(Padding.isPadded("\uD83D\uDE80 rocket \uD83D\uDE80")).as("a supplementary code point at each end").isFalse();
    // Invisible but not whitespace: the printable rule refuses these, not this one.
    assertThat(Padding.isPadded("alice\u200b")).isFalse();
  }
}
