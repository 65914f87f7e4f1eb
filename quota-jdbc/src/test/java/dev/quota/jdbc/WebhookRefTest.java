package dev.quota.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A webhook's name in the alert history: stable, distinct per configured URL, and free of its credentials. */
class WebhookRefTest {
  @Test
  void theUrlShownLeavesOutUserInfoQueryAndFragment() {
    WebhookRef ref = WebhookRef.of("https://bot:pa55@hooks.example:8443/quota/alerts?token=s3cret#x");
    assertThat(ref.url()).isEqualTo("https://hooks.example:8443/quota/alerts");
    assertThat(ref.id()).matches("[0-9a-f]{16}").doesNotContain("s3cret");
  }

  @Test
  void thePublicLabelKeepsOnlyTheOriginSinceAPathCanHoldATokenToo() {
    WebhookRef slack = WebhookRef.of("https://hooks.slack.example/services/T000/B000/XXXXSECRET");
    assertThat(slack.publicLabel()).isEqualTo("https://hooks.slack.example " + slack.id()).doesNotContain("SECRET");
    WebhookRef bare = WebhookRef.of("http://127.0.0.1:9099");
    assertThat(bare.publicLabel()).isEqualTo("http://127.0.0.1:9099 " + bare.id());
  }

  @Test
  void theIdIsTheSameAtEveryStartAndTellsApartUrlsThatDifferOnlyInTheirQuery() {
    WebhookRef a = WebhookRef.of("https://hooks.example/q?token=a");
    WebhookRef b = WebhookRef.of("https://hooks.example/q?token=b");
    assertThat(WebhookRef.of("https://hooks.example/q?token=a")).isEqualTo(a);
    assertThat(a.url()).isEqualTo(b.url());
    assertThat(a.id()).isNotEqualTo(b.id());
  }
}
