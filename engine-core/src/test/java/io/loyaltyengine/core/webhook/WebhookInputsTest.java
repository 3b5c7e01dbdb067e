package io.loyaltyengine.core.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.event.EventsService;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pure input checks of the webhook package: endpoint URLs (only literal addresses here, so no DNS is needed),
 * event ids for replay, and {@code Retry-After} values. The service's storage paths are covered by the engine's
 * end-to-end tests, which can run on the test kit's in-memory store.
 */
class WebhookInputsTest {
  private static final Instant NOW = Instant.parse("2024-05-01T10:00:00Z");
  /** Only addresses are checked: a name that reached the resolver would fail the test. */
  private static final HostLookup LITERALS_ONLY = LiteralsOnly.lookup();

  @AfterAll
  static void closeLookup() {
    LITERALS_ONLY.close();
  }

  private static String checkUrl(String url, WebhookAddressPolicy policy) {
    return WebhookService.checkUrl(url, policy, LITERALS_ONLY, Duration.ofSeconds(5));
  }

  @Test
  void urlsOnAllowedAddressesAreAcceptedAndStripped() {
    assertEquals("http://127.0.0.1:8080/hook", checkUrl(" http://127.0.0.1:8080/hook\t",
        WebhookAddressPolicy.ALLOW_LOOPBACK));
    assertEquals("https://[::1]/hook?token=t", checkUrl("https://[::1]/hook?token=t",
        WebhookAddressPolicy.ALLOW_LOOPBACK));
    assertEquals("https://8.8.8.8/hook", checkUrl("https://8.8.8.8/hook",
        WebhookAddressPolicy.PUBLIC_ONLY));
    assertEquals("HTTPS://8.8.8.8:443/", checkUrl("HTTPS://8.8.8.8:443/",
        WebhookAddressPolicy.PUBLIC_ONLY));
    // ALLOW_ALL trusts every address and so looks nothing up.
    assertEquals("http://10.0.0.7/hook", checkUrl("http://10.0.0.7/hook",
        WebhookAddressPolicy.ALLOW_ALL));
    assertEquals("http://never-resolved.invalid/hook", checkUrl("http://never-resolved.invalid/hook",
        WebhookAddressPolicy.ALLOW_ALL));
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {" ", "not a url", "/relative/path", "//8.8.8.8/no-scheme", "mailto:ops@example.com",
      "ftp://8.8.8.8/hook", "https:opaque", "https://user:pw@8.8.8.8/hook", "https://user@8.8.8.8/hook",
      "https://8.8.8.8/hook#fragment", "https://8.8.8.8:0/hook", "https://8.8.8.8:99999/hook",
      "https://under_score.example/hook", "https:///path-only", "https://8.8.8.8/a b", "https://8.8.8.8/\u0007"})
  void malformedUrlsAreRejectedOnUrl(String url) {
    assertUrlRejected(url, WebhookAddressPolicy.ALLOW_ALL);
  }

  @Test
  void urlsLongerThan2048CharactersAreRejected() {
    String base = "https://8.8.8.8/";
    String longest = base + "a".repeat(WebhookService.MAX_URL_LENGTH - base.length());
    assertEquals(longest, checkUrl(longest, WebhookAddressPolicy.PUBLIC_ONLY));
    assertUrlRejected(longest + "a", WebhookAddressPolicy.PUBLIC_ONLY);
  }

  @Test
  void plainHttpIsRefusedUnderPublicOnly() {
    LoyaltyException e = assertUrlRejected("http://8.8.8.8/hook", WebhookAddressPolicy.PUBLIC_ONLY);
    assertEquals("url must use https", e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://169.254.169.254/latest",
      "https://192.168.0.10:8443/hook", "https://100.64.1.1/hook", "https://[::1]/hook", "https://[fd00::1]/hook",
      "https://[fe80::1]/hook", "https://[::ffff:10.0.0.1]/hook", "https://0.0.0.0/hook",
      // Other spellings the JDK's resolver reads as those addresses, as the client that connects would:
      // 127.0.0.1 and 192.168.1.1 as one decimal number, 0.0.0.0 as "0", and the IPv6 wildcard.
      "https://2130706433/hook", "https://3232235777/hook", "https://0/hook", "https://[::]/hook"})
  void nonPublicAddressesAreRefusedUnderPublicOnly(String url) {
    assertUrlRejected(url, WebhookAddressPolicy.PUBLIC_ONLY);
  }

  @Test
  void privateAddressesAreRefusedUnderAllowLoopback() {
    assertUrlRejected("http://10.1.2.3/hook", WebhookAddressPolicy.ALLOW_LOOPBACK);
    assertUrlRejected("http://[fd00::1]/hook", WebhookAddressPolicy.ALLOW_LOOPBACK);
  }

  @Test
  void rejectionsNeverRepeatTheUrl() {
    for (String url : new String[] {"https://10.0.0.1/hook?token=SEKRIT-TOKEN", "http://8.8.8.8/x?token=SEKRIT-TOKEN",
        "https://8.8.8.8/x?token=SEKRIT-TOKEN#frag", "https://u:SEKRIT-TOKEN@8.8.8.8/", "bad url SEKRIT-TOKEN"}) {
      LoyaltyException e = assertUrlRejected(url, WebhookAddressPolicy.PUBLIC_ONLY);
      assertFalse(e.getMessage().contains("SEKRIT"), e.getMessage());
      assertNull(e.getCause());
    }
  }

  @Test
  void canonicalEventIdsParse() {
    assertEquals(1L, EventsService.parseEventId("evt_1"));
    assertEquals(7_421_903_766_441_984L, EventsService.parseEventId("evt_7421903766441984"));
    assertEquals(Long.MAX_VALUE, EventsService.parseEventId("evt_9223372036854775807"));
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"evt_", "evt", "1", "evt_0", "evt_007", "evt_-1", "evt_+1", "evt_1a", "evt_1 ", " evt_1",
      "EVT_1", "evt-1", "evt_1.0", "evt_9223372036854775808", "evt_99999999999999999999", "evt_\uff11",
      "evt_1e3"})
  void malformedEventIdsAreValidationErrorsOnEventId(String eventId) {
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> EventsService.parseEventId(eventId));
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals("eventId", e.field().orElseThrow());
  }

  @Test
  void retryAfterDeltaSeconds() {
    assertEquals(Duration.ofSeconds(120), WebhookDeliverer.parseRetryAfter("120", NOW));
    assertEquals(Duration.ZERO, WebhookDeliverer.parseRetryAfter(" 0 ", NOW));
    assertEquals(Duration.ofHours(24), WebhookDeliverer.parseRetryAfter("172800", NOW));
    assertEquals(Duration.ofHours(24), WebhookDeliverer.parseRetryAfter("99999999999999999999999", NOW));
  }

  @Test
  void retryAfterHttpDates() {
    DateTimeFormatter http = DateTimeFormatter.RFC_1123_DATE_TIME;
    assertEquals(Duration.ofSeconds(90),
        WebhookDeliverer.parseRetryAfter(http.format(NOW.plusSeconds(90).atOffset(ZoneOffset.UTC)), NOW));
    assertEquals(Duration.ofSeconds(90), WebhookDeliverer.parseRetryAfter("Wed, 01 May 2024 10:01:30 GMT", NOW));
    assertEquals(Duration.ZERO, WebhookDeliverer.parseRetryAfter("Wed, 01 May 2024 09:00:00 GMT", NOW));
    assertEquals(Duration.ofHours(24), WebhookDeliverer.parseRetryAfter("Sat, 04 May 2024 10:00:00 GMT", NOW));
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {" ", "-5", "+5", "1.5", "soon", "Wednesday, 01-May-24 10:01:30 GMT", "0x10"})
  void unreadableRetryAfterIsIgnored(String value) {
    assertNull(WebhookDeliverer.parseRetryAfter(value, NOW));
  }

  private static LoyaltyException assertUrlRejected(String url, WebhookAddressPolicy policy) {
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> checkUrl(url, policy),
        String.valueOf(url));
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals("url", e.field().orElseThrow());
    return e;
  }
}
