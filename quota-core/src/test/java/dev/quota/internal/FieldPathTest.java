package dev.quota.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FieldPathTest {
  @Test
  void namesAFieldInsideAnother() {
    assertThat(FieldPath.child("budget", "daily")).isEqualTo("budget.daily");
    assertThat(FieldPath.child("", "cost")).isEqualTo("cost");
  }

  @Test
  void aBlankNameIsWrittenAsItsJsonString() {
    assertThat(FieldPath.child("subjects", "")).isEqualTo("subjects.\"\"");
    assertThat(FieldPath.child("meters", " \t")).isEqualTo("meters.\" \\u0009\"");
  }

  @Test
  void aNameLongerThanAnyOfTheApisIsCutWithAnEllipsis() {
    String longest = "m".repeat(FieldPath.MAX_SEGMENT);
    assertThat(FieldPath.child("meters", longest)).isEqualTo("meters." + longest);
    assertThat(FieldPath.child("meters", longest + "x")).isEqualTo("meters." + longest + "\u2026");
    // A pair of UTF-16 units is never split: the cut comes before it.
    String astral = "m".repeat(FieldPath.MAX_SEGMENT - 1) + "\uD83D\uDE00" + "tail";
    assertThat(FieldPath.child("", astral)).isEqualTo("m".repeat(FieldPath.MAX_SEGMENT - 1) + "\u2026");
  }
}
