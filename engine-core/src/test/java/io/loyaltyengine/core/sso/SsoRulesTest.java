package io.loyaltyengine.core.sso;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.sso.SsoLogin;
import io.loyaltyengine.sso.SsoSettings;
import io.loyaltyengine.sso.SsoSignatures;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The pure rules of single sign-on: the signature format, secrets, and the settings' bounds. */
class SsoRulesTest {

  /** Vectors computed outside Java (Python's hmac), so the documented format is what the engine signs. */
  @Test
  void signaturesFollowTheDocumentedFormat() {
    assertEquals("v1\n42\ncust-7\nann@example.com\n1740824130",
        SsoSignatures.message(42, "cust-7", "ann@example.com", 1_740_824_130L));
    assertEquals("v1\n42\n\n\n-5", SsoSignatures.message(42, null, null, -5));
    assertEquals("a58d596c69fb37bfae80b561cf18934afe880074d81f72f37051fc0dfcbbe982",
        SsoSignatures.sign("test-secret-0123456789", 42, "cust-7", "ann@example.com", 1_740_824_130L));
    assertEquals("1a27b83631b947f8919fa8eef6817a1211d6ef37b546a5aedf95244369f39d99",
        SsoSignatures.sign("test-secret-0123456789", 42, "Ünïcødé-id", null, 1_740_824_130L),
        "UTF-8, and no email signs as the empty string");
    SsoLogin login = SsoSignatures.login("test-secret-0123456789", 42, "cust-7", "ann@example.com", 1_740_824_130L);
    assertEquals(new SsoLogin(42, "cust-7", "ann@example.com", 1_740_824_130L,
        "a58d596c69fb37bfae80b561cf18934afe880074d81f72f37051fc0dfcbbe982"), login);
    assertThrows(NullPointerException.class, () -> SsoSignatures.sign(null, 1, "c", null, 1));
    assertThrows(IllegalArgumentException.class, () -> SsoSignatures.sign("", 1, "c", null, 1));
  }

  @Test
  void secretsAre32RandomBytesInBase64Url() {
    String one = SingleSignOnService.newSecret();
    String two = SingleSignOnService.newSecret();
    assertEquals(32, Base64.getUrlDecoder().decode(one).length);
    assertTrue(one.matches("[A-Za-z0-9_-]{43}"), one);
    assertNotEquals(one, two);
  }

  @Test
  void settingsAreValidatedAtOnceNamingTheSettingAndTheBound() {
    assertEquals(new SsoSettings(Duration.ofMinutes(5), Duration.ofHours(1)), SsoSettings.DEFAULTS);
    assertEquals(SsoSettings.DEFAULTS, SsoSettings.builder().build());
    assertEquals("maxClockSkew must be between PT1S and PT1H but was PT0.999S", assertThrows(
        IllegalArgumentException.class, () -> SsoSettings.builder().maxClockSkew(Duration.ofMillis(999)))
        .getMessage());
    assertEquals("maxClockSkew must be between PT1S and PT1H but was PT1H0.001S", assertThrows(
        IllegalArgumentException.class, () -> new SsoSettings(Duration.ofMillis(3_600_001), Duration.ZERO))
        .getMessage());
    assertEquals("rotationGrace must be between PT0S and PT168H but was PT-1S", assertThrows(
        IllegalArgumentException.class, () -> SsoSettings.builder().rotationGrace(Duration.ofSeconds(-1)))
        .getMessage());
    assertEquals("rotationGrace must be between PT0S and PT168H but was PT168H0.001S", assertThrows(
        IllegalArgumentException.class, () -> SsoSettings.builder().rotationGrace(Duration.ofDays(7).plusMillis(1)))
        .getMessage());
    assertThrows(NullPointerException.class, () -> SsoSettings.builder().maxClockSkew(null));
    SsoSettings edges = SsoSettings.builder().maxClockSkew(Duration.ofSeconds(1)).rotationGrace(Duration.ofDays(7))
        .build();
    assertEquals(new SsoSettings(Duration.ofSeconds(1), Duration.ofDays(7)), edges);
    assertEquals(new SsoSettings(Duration.ofHours(1), Duration.ZERO).maxClockSkew(), Duration.ofHours(1));

    LoyaltyEngine.Builder builder = LoyaltyEngine.builder().singleSignOn(SsoSettings.DEFAULTS);
    assertTrue(assertThrows(IllegalStateException.class, () -> builder.singleSignOn(SsoSettings.DEFAULTS))
        .getMessage().startsWith("singleSignOn was already set"));
    assertThrows(NullPointerException.class, () -> LoyaltyEngine.builder().singleSignOn(null));
  }

  @Test
  void loginsAndSecretsHideWhatTheyCarry() {
    SsoLogin login = SsoSignatures.login("s3cr3t-value", 7, "cust-99", "ann@example.com", 12);
    String shown = login.toString();
    assertFalse(shown.contains("cust-99") || shown.contains("ann@") || shown.contains(login.signature()), shown);
    String secret = new io.loyaltyengine.sso.SsoSecret("s3cr3t-value", null, null).toString();
    assertFalse(secret.contains("s3cr3t"), secret);
  }
}
