package dev.quota.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Raw text spliced into a body after it is written: markers stand for it in the tree, so a value
 * can be any bytes (a number past every range, a lone surrogate's escape, bytes that are not
 * UTF-8) and a field can be named as written or given twice.
 */
final class RawJson {
  private final Map<String, byte[]> spliced = new LinkedHashMap<>();

  /** A value standing for {@code json}, written as it is. */
  JsonNode value(String json) {
    return value(json.getBytes(StandardCharsets.UTF_8));
  }

  JsonNode value(byte[] raw) {
    String m = marker();
    spliced.put("\"" + m + "\"", raw);
    return JsonNodeFactory.instance.textNode(m);
  }

  /** A field name standing for {@code asWritten}, the text between its quotes, escapes included. */
  String name(String asWritten) {
    String m = marker();
    spliced.put("\"" + m + "\"", ("\"" + asWritten + "\"").getBytes(StandardCharsets.UTF_8));
    return m;
  }

  /** A field name whose member (given the value 0) becomes {@code "name":valueJson}: a second field of that name. */
  String repeat(String name, String valueJson) {
    String m = marker();
    spliced.put("\"" + m + "\":0", ("\"" + name + "\":" + valueJson).getBytes(StandardCharsets.UTF_8));
    return m;
  }

  /** {@code body} written, each marker replaced by its text; a marker a later change removed is skipped. */
  byte[] render(JsonNode body) {
    byte[] out = ValidRequests.bytes(body);
    for (Map.Entry<String, byte[]> e : spliced.entrySet()) {
      out = replace(out, e.getKey().getBytes(StandardCharsets.UTF_8), e.getValue());
    }
    return out;
  }

  private String marker() {
    return "@@raw" + spliced.size() + "@@";
  }

  private static byte[] replace(byte[] in, byte[] what, byte[] with) {
    for (int i = 0; i <= in.length - what.length; i++) {
      if (Arrays.equals(in, i, i + what.length, what, 0, what.length)) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(in, 0, i);
        out.writeBytes(with);
        out.write(in, i + what.length, in.length - i - what.length);
        return out.toByteArray();
      }
    }
    return in;
  }
}
