package dev.quota;

/** Whether a policy's limits deny ({@code ENFORCE}) or only evaluate and report ({@code SHADOW}). */
public enum Mode {
  ENFORCE,
  SHADOW;

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public static Mode fromWire(String field, String text) {
    for (Mode m : values()) {
      if (m.wireName().equals(text)) {
        return m;
      }
    }
    throw new ValidationException(field, "must be enforce or shadow");
  }
}
