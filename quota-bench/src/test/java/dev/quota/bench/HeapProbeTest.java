package dev.quota.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HeapProbeTest {
  @Test
  void heldReservationsKeepHeapUntilSettled() {
    HeapProbe.Held held = HeapProbe.held(1_000, 20_000);

    assertThat(held.users()).isEqualTo(1_000);
    assertThat(held.reservations()).isEqualTo(20_000);
    // Each held reservation must show up (the store keeps it to return its holds), and stays small:
    // before reservations were compacted, one took about 440 bytes in a dozen objects.
    assertThat(held.bytesPerHeldReservation()).isBetween(16.0, 300.0);
  }
}
