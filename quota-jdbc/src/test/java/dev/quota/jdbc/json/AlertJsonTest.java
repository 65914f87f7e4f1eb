package dev.quota.jdbc.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quota.ValidationException;
import dev.quota.alert.Alert;
import java.math.BigDecimal;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Alert bodies (the API's and the webhooks') write money as every other route does. */
class AlertJsonTest {
  static Alert alert(String threshold, String used, String limit) {
    Instant t = Instant.parse("2030-01-02T03:04:05Z");
    return new Alert("a1", t, "user:*", "user:u", "daily", Instant.parse("2030-01-02T00:00:00Z"),
        new BigDecimal(threshold), new BigDecimal(used), new BigDecimal(limit), "USD");
  }

  @Test
  void amountsAreMoneyTextAndThresholdsPlainNumbers() {
    assertThat(AlertJson.write(alert("0.5", "0.6", "1")))
        .contains("\"threshold\":0.5,\"used\":\"0.60\",\"limit\":\"1.00\"");
    assertThat(AlertJson.write(alert("1", "1.000000001", "1.0")))
        .contains("\"threshold\":1,\"used\":\"1.000000001\",\"limit\":\"1.00\"")
        .contains("\"exhausted\":true");
    assertThat(AlertJson.write(alert("0.0000001", "18014398.509481982", "1E+1")))
        .contains("\"threshold\":0.0000001,\"used\":\"18014398.509481982\",\"limit\":\"10.00\"");
  }

  @Test
  void instantsAreWrittenToTheMicrosecondAsTheHistoryKeepsThem() {
    Alert a = new Alert("a1", Instant.parse("2030-01-02T03:04:05.123456789Z"), "user:*", "user:u", "daily",
        Instant.parse("2030-01-02T00:00:00Z"), new BigDecimal("0.5"), BigDecimal.ONE, BigDecimal.TEN, "USD");
    assertThat(AlertJson.write(a)).contains("\"at\":\"2030-01-02T03:04:05.123456Z\"");
  }

  @Test
  void anAlertWrittenIsReadBackEqual() {
    Alert a = alert("0.0000001", "18014398.509481982", "10.00");
    assertThat(AlertJson.read(AlertJson.write(a))).isEqualTo(a);
  }

  @Test
  void aLineThatIsNotAnAlertIsRefusedNamingTheField() {
    String written = AlertJson.write(alert("0.5", "0.60", "1.00"));
    assertThatThrownBy(() -> AlertJson.read(written.replace("\"0.60\"", "\"lots\"")))
        .isInstanceOf(ValidationException.class).hasMessageContaining("used");
    assertThatThrownBy(() -> AlertJson.read(written.replace("2030-01-02T03:04:05Z", "yesterday")))
        .isInstanceOf(ValidationException.class).hasMessageContaining("at");
    assertThatThrownBy(() -> AlertJson.read("{\"id\":\"a1\""))
        .isInstanceOf(ValidationException.class).hasMessageContaining("body");
  }
}
