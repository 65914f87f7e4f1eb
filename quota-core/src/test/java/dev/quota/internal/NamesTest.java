package dev.quota.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.Subject;
import dev.quota.ValidationException;
import org.junit.jupiter.api.Test;

class NamesTest {
  @Test
  void namesAreALowercaseLetterThenUpTo31LettersDigitsOrUnderscores() {
    assertThat(Names.isName("a")).isTrue();
    assertThat(Names.isName("user_2")).isTrue();
    assertThat(Names.isName("a" + "b".repeat(31))).isTrue();
    assertThat(Names.isName("a" + "b".repeat(32))).isFalse();
    assertThat(Names.isName("")).isFalse();
    assertThat(Names.isName("2user")).isFalse();
    assertThat(Names.isName("_user")).isFalse();
    assertThat(Names.isName("User")).isFalse();
    assertThat(Names.isName("us-er")).isFalse();
    assertThat(Names.isName("usér")).isFalse();
  }

  @Test
  void identifiersMayHoldAnyPrintableTextButNoControlOrBrokenCharacters() {
    assertThat(Subject.of("user", "alice@example.com").id()).isEqualTo("alice@example.com");
    assertThat(Subject.of("user", "zoë 🚀").id()).isEqualTo("zoë 🚀");
    for (String bad : new String[] {"a\nb", "a\u0000", "a\u2028b", "a\ud800b", "a\u200bb"}) {
      assertThatThrownBy(() -> Subject.of("user", bad))
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("printable");
    }
  }
}
