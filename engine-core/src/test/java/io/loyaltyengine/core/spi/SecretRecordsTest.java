package io.loyaltyengine.core.spi;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The storage records that carry secrets or bearer codes keep them out of their {@code toString}, which a store's or a
 * host's log line, an assertion message or a debugger may print.
 */
class SecretRecordsTest {
  private static final Instant AT = Instant.parse("2026-11-24T10:00:00Z");

  @Test
  void recordsCarryingSecretsOrCouponCodesDoNotPrintThem() {
    String secret = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ";
    String code = "GIFT-7QX2-PRIVATE";
    List<Object> values = List.of(
        new WebhookEndpointRecord(1, 2, "https://hooks.example.com/x", Set.of(), null, true, null, secret, null,
            null, AT, AT),
        new SsoSecretRecord(1, secret, null, null, AT),
        new CouponPort.NewCode(3, code));
    for (Object value : values) {
      String text = value.toString();
      for (String datum : List.of(secret, code)) {
        assertFalse(text.contains(datum), value.getClass().getSimpleName() + " prints " + datum + ": " + text);
      }
    }
  }
}
