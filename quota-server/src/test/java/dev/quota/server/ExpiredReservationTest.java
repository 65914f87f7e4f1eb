package dev.quota.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quota.store.conformance.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Settling a reservation after it expired is 410, and the detail says what came too late. */
class ExpiredReservationTest {
  static final MutableClock clock = new MutableClock(Instant.parse("2030-05-06T07:00:00Z"));
  @RegisterExtension
  static final SharedServer server = SharedServer.embedded(clock);

  @BeforeAll
  static void budget() {
    server.admin().put("/v1/policies/user:*", "{\"budget\":{\"currency\":\"USD\",\"daily\":\"1.00\"}}");
  }

  @Test
  void aLateReleaseIsToldItCameTooLateToRelease() {
    String id = expiredReservation();
    Api.Response r = server.admin().post("/v1/reservations/" + id + "/release", null);
    assertThat(r.status()).as(r.toString()).isEqualTo(410);
    JsonNode p = r.json();
    assertThat(p.get("detail").asText()).contains(id).contains("expired before it was released").doesNotContain("commit");
    assertThat(p.get("field").asText()).isEqualTo("reservationId");
  }

  @Test
  void aLateCommitIsToldItCameTooLateToCommit() {
    String id = expiredReservation();
    Api.Response r = server.admin().post("/v1/reservations/" + id + "/commit", "{\"actualCost\":\"0.10\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(410);
    assertThat(r.json().get("detail").asText()).contains(id).contains("expired before it was committed");
  }

  /** A reservation past its expiry is gone at once, before any call has released it. */
  @Test
  void anExpiredReservationIsNotFound() {
    Api.Response r = server.admin().post("/v1/reservations", "{\"subjects\":{\"user\":\"looked-up\"},\"ttl\":\"PT5S\"}");
    String id = r.json().get("reservationId").asText();
    clock.advance(Duration.ofMillis(4_999));
    assertThat(server.admin().get("/v1/reservations/" + id).status()).isEqualTo(200);
    clock.advance(Duration.ofMillis(1));
    Api.Response gone = server.admin().get("/v1/reservations/" + id);
    assertThat(gone.status()).as(gone.toString()).isEqualTo(404);
    assertThat(gone.json().get("detail").asText()).contains(id).contains("expired");
  }

  private static String expiredReservation() {
    Api.Response r = server.admin().post("/v1/reservations", "{\"subjects\":{\"user\":\"late\"},\"estimatedCost\":\"0.50\",\"ttl\":\"PT5S\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    clock.advance(Duration.ofSeconds(6));
    return r.json().get("reservationId").asText();
  }
}
