package dev.quota.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which declared media types a body is read under: application/json, in UTF-8 if a charset is named. */
class BodyMediaTypeTest {
  @ParameterizedTest(name = "[{0}]")
  @ValueSource(strings = {
      "application/json",
      "APPLICATION/JSON",
      " application/json ",
      "application/json;charset=utf-8",
      "application/json; charset=UTF-8",
      "application/json;\tcharset=\"utf-8\"",
      "application/json; CHARSET=Utf-8",
      "application/json; version=2; charset=utf-8",
      "application/json; profile=\"https://example.com/a;b\"",
      "application/json; note=\"a \\\" quote\"",
      "application/json;",
      "application/json;;charset=utf-8"})
  void takes(String value) {
    assertThat(BodyMediaType.problem(value)).isNull();
  }

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(strings = {
      "",
      "json",
      "application/",
      "application/jso",
      "application/jsonx",
      "application/json5",
      "application/json-seq",
      "application/x-json",
      "application/merge-patch+json",
      "text/plain",
      "application/json charset=utf-8",
      "application/json; charset",
      "application/json; charset=",
      "application/json; =utf-8",
      "application/json; charset=\"utf-8",
      "application/json; charset=utf-8 x",
      "application/json, application/json"})
  void refusesAnotherType(String value) {
    assertThat(BodyMediaType.problem(value)).isEqualTo(BodyMediaType.TYPE_RULE);
  }

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(strings = {
      "application/json; charset=iso-8859-1",
      "application/json; charset=utf8",
      "application/json; charset=utf-16",
      "application/json; charset=\"\"",
      "application/json; charset=utf-8x",
      "application/json; charset=utf 8",
      "application/json; charset=\"utf\\-8\"",
      "application/json; charset=utf-8; charset=us-ascii"})
  void refusesAnotherCharset(String value) {
    assertThat(BodyMediaType.problem(value)).isEqualTo(BodyMediaType.CHARSET_RULE);
  }
}
