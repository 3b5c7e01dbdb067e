package io.loyaltyengine.testkit.gen;

import java.util.Objects;

/**
 * A value the engine must reject, with the field a {@code VALIDATION_ERROR} is expected to name and why the value
 * is wrong. Immutable, and thread-safe if {@code value} is.
 *
 * <p>{@code field} is exact where the API documents it (for example {@code metadata.color} for a nested value under
 * {@code color}); where the API leaves the detail open (too many metadata keys, an over-long key) it is the parent
 * field, and a reported field equal to it or starting with it and a dot is a match: see {@link #fieldMatches}.
 *
 * @param value the bad value
 * @param field the field the error must name
 * @param why what is wrong, for messages; never the value itself
 * @param <T> the type of the value
 */
public record Invalid<T>(T value, String field, String why) {

  /** Validates the record. */
  public Invalid {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(why, "why");
  }

  /** Whether {@code reported} names this field: equal to it, or a sub-field of it ({@code field + "."...}). */
  public boolean fieldMatches(String reported) {
    return reported != null && (reported.equals(field) || reported.startsWith(field + "."));
  }

  /** Shows the reason and the field, not the value (it may be huge or unprintable). */
  @Override
  public String toString() {
    return why + " -> " + field;
  }
}
