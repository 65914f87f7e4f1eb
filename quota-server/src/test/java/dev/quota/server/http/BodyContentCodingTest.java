package dev.quota.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which declared content codings a body is read under: none but identity. */
class BodyContentCodingTest {
  @ParameterizedTest(name = "[{0}]")
  @ValueSource(strings = {"", " ", "identity", "IDENTITY", " Identity\t", "identity, identity", ",identity,", ", ,"})
  void takesNoCodingButIdentity(String value) {
    assertThat(BodyContentCoding.onlyIdentity(value)).isTrue();
  }

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(strings = {"gzip", "GZIP", "x-gzip", "deflate", "br", "zstd", "compress", "identity, gzip", "gzip, identity",
      "identity;q=1", "identityx", "identit", "identity gzip", "*", "\"identity\""})
  void refusesAnyOtherCoding(String value) {
    assertThat(BodyContentCoding.onlyIdentity(value)).isFalse();
  }
}
