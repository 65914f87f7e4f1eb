package dev.quota.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The streaming reading of a decision body gives what the tree reading gives, and leaves every
 * body it does not take to the tree reading, so refusals stay exactly as they were.
 */
class DecisionBodyTest {
  private static final Set<String> REQUEST = Set.of("subjects", "estimatedCost", "meters", "idempotencyKey", "ttl");
  private static final Set<String> USAGE = Set.of("subjects", "cost", "meters", "idempotencyKey");

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"subjects\":{\"user\":\"u1\"},\"estimatedCost\":\"0.0001\"}",
      "{\"subjects\":{\"user\":\"u1\",\"tool\":\"web_search\",\"provider\":\"openai\"},\"estimatedCost\":\"0.05\",\"meters\":{\"tokens\":1200,\"images\":0}}",
      " {\"estimatedCost\":null, \"subjects\":{\"user\":\"\\u00fc\"},\"meters\":null,\"idempotencyKey\":\"k-1\",\"ttl\":\"PT30S\"} ",
      "{\"subjects\":{\"user\":\"u1\"},\"idempotencyKey\":null,\"ttl\":null,\"meters\":{}}",
      "{\"subjects\":{\"user\":\"u1\"},\"meters\":{\"tokens\":9007199254740991}}"})
  void plainBodiesReadAsTheTreeReadsThem(String json) {
    byte[] body = bytes(json);
    DecisionBody plain = DecisionBody.plain(body, REQUEST, "estimatedCost");
    assertThat(plain).isNotNull().isEqualTo(DecisionBody.of(JsonBody.fields(body, REQUEST, false), "estimatedCost"));
    assertThat(DecisionBody.read(body, REQUEST, "estimatedCost")).isEqualTo(plain);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "[1,2]",
      "{\"subjects\":{\"user\":\"u1\"}",
      "{\"subjects\":{\"user\":\"u1\"}} {}",
      "{\"subjects\":{\"user\":\"u1\"},\"subjects\":{\"user\":\"u2\"}}",
      "{\"subjects\":{\"user\":\"u1\",\"user\":\"u2\"}}",
      "{\"subjects\":{\"user\":\"u1\"},\"meters\":{\"t\":1,\"t\":2}}",
      "{\"subjects\":{\"user\":\"u1\"},\"surprise\":1}",
      "{\"subjects\":{\"user\":\"u1\"},\"ttl\":\"PT1M\"}",
      "{\"subjects\":{}}",
      "{\"subjects\":null}",
      "{\"estimatedCost\":\"1\"}",
      "{\"subjects\":\"user:u1\"}",
      "{\"subjects\":{\"user\":7}}",
      "{\"subjects\":{\"user\":\"u1\"},\"cost\":0.05}",
      "{\"subjects\":{\"user\":\"u1\"},\"meters\":{\"tokens\":-5}}",
      "{\"subjects\":{\"user\":\"u1\"},\"meters\":{\"tokens\":1.5}}",
      "{\"subjects\":{\"user\":\"u1\"},\"meters\":{\"tokens\":99999999999999999999}}",
      "{\"subjects\":{\"user\":\"u1\"},\"meters\":{\"tokens\":9007199254740992}}",
      "{\"subjects\":{\"user\":\"u1\"},\"meters\":7}",
      "{\"subjects\":{\"user\":\"u1\"},\"idempotencyKey\":5}",
      "{\"subjects\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\",\"d\":\"4\",\"e\":\"5\",\"f\":\"6\",\"g\":\"7\",\"h\":\"8\",\"i\":\"9\",\"j\":\"10\",\"k\":\"11\",\"l\":\"12\",\"m\":\"13\",\"n\":\"14\",\"o\":\"15\",\"p\":\"16\",\"q\":\"17\"}}"})
  void anythingElseIsLeftToTheTreeReading(String json) {
    assertThat(DecisionBody.plain(bytes(json), USAGE, "cost")).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"subjects\":{\"user\":\"u1\"},\"estimatedCost\":\"-1\",\"idempotencyKey\":\"" + "x129xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" + "\"}",
      "{\"subjects\":{\"user\":\"u1\"},\"estimatedCost\":\"0.0000000001\"}",
      "{\"subjects\":{\"user\":\"u1\"},\"idempotencyKey\":\"" + "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk" + "\"}",
      "{\"subjects\":{\"user\":\"u1\"},\"ttl\":\"forever\"}"})
  void wrongValuesAreRefusedWithTheTreeReadingsFieldAndRule(String json) {
    byte[] body = bytes(json);
    ApiError streamed = catchThrowableOfType(() -> DecisionBody.plain(body, REQUEST, "estimatedCost"), ApiError.class);
    ApiError tree = catchThrowableOfType(() -> DecisionBody.of(JsonBody.fields(body, REQUEST, false), "estimatedCost"), ApiError.class);
    assertThat(streamed).isNotNull();
    assertThat(tree).isNotNull();
    assertThat(streamed.field()).isEqualTo(tree.field());
    assertThat(streamed.rule()).isEqualTo(tree.rule());
    assertThat(streamed.getMessage()).isEqualTo(tree.getMessage());
  }

  private static byte[] bytes(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }
}
