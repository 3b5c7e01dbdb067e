package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import java.util.Optional;
import org.junit.jupiter.api.function.Executable;

/** Assertions on the errors the engine's API answers with, for the end-to-end tests. Stateless; thread-safe. */
final class Rejections {
  private Rejections() {
  }

  /** Asserts that {@code call} throws a {@link LoyaltyException} with {@code code} naming exactly {@code field}. */
  static LoyaltyException assertCode(ErrorCode code, String field, Executable call) {
    LoyaltyException e = assertThrows(LoyaltyException.class, call);
    assertEquals(code, e.code(), e.toString());
    assertEquals(Optional.ofNullable(field), e.field(), e.toString());
    return e;
  }
}
