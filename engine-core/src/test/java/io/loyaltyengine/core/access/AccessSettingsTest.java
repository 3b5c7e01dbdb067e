package io.loyaltyengine.core.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.access.AccessSettings;
import io.loyaltyengine.access.AccessSettings.RateLimit;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** {@link AccessSettings}: validated at once, with messages naming the setting and its bound. */
class AccessSettingsTest {
  private static final Duration MINUTE = Duration.ofMinutes(1);

  private static void refused(String message, Executable settings) {
    assertEquals(message, assertThrows(IllegalArgumentException.class, settings).getMessage());
  }

  @Test
  void limitsAndPeriodsOutsideTheirBoundsAreRefusedNamingTheBound() {
    refused("plan \"free\" limit must be between 1 and 10000000 but was 0",
        () -> AccessSettings.builder().plan("free", 0, MINUTE));
    refused("plan \"pro\" limit must be between 1 and 10000000 but was 10000001",
        () -> AccessSettings.builder().plan("free", 1, MINUTE).plan("pro", 10_000_001, MINUTE));
    refused("plan \"free\" period must be between PT1S and PT24H but was PT0.999S",
        () -> AccessSettings.builder().plan("free", 1, Duration.ofMillis(999)));
    refused("plan \"free\" period must be between PT1S and PT24H but was PT24H0.001S",
        () -> AccessSettings.builder().plan("free", 1, Duration.ofDays(1).plusMillis(1)));
    // A rate made on its own has no plan's name to give.
    refused("plan limit must be between 1 and 10000000 but was 0", () -> new RateLimit(0, MINUTE));
    assertEquals(new RateLimit(1, Duration.ofSeconds(1)),
        AccessSettings.builder().plan("a", 1, Duration.ofSeconds(1)).defaultPlan("a").build().plans().get("a"));
    assertEquals(new RateLimit(10_000_000, Duration.ofDays(1)), AccessSettings.builder()
        .plan("a", 10_000_000, Duration.ofDays(1)).defaultPlan("a").build().plans().get("a"));
  }

  @Test
  void planNamesAreCheckedAndADuplicateIsRefused() {
    for (String bad : List.of("", "Free", "free plan", "frée", "p".repeat(51))) {
      refused("plan name must be 1 to 50 characters of a-z, 0-9, _ and - but was \"" + bad + "\"",
          () -> AccessSettings.builder().plan(bad, 1, MINUTE));
    }
    refused("plan name must be 1 to 50 characters of a-z, 0-9, _ and - but was null",
        () -> AccessSettings.builder().plan(null, 1, MINUTE));
    refused("plan \"free\" was already added",
        () -> AccessSettings.builder().plan("free", 1, MINUTE).plan("free", 2, MINUTE));
    assertTrue(AccessSettings.isPlanName("pro_2-" + "x".repeat(44)));
  }

  /**
   * The builder's build() refuses the combination as the engine's and the JDBC storage's builders refuse theirs
   * (IllegalStateException); the canonical constructor, whose arguments they are, with an IllegalArgumentException.
   */
  @Test
  void theDefaultPlanMustBeOneOfThePlans() {
    refusedAtBuild("defaultPlan must be set when plans are configured",
        () -> AccessSettings.builder().plan("free", 1, MINUTE).build());
    refusedAtBuild("defaultPlan must be one of the plans [free]",
        () -> AccessSettings.builder().plan("free", 1, MINUTE).defaultPlan("pro").build());
    refusedAtBuild("defaultPlan must be one of the plans but no plans are configured",
        () -> AccessSettings.builder().defaultPlan("free").build());
    refused("defaultPlan must be 1 to 50 characters of a-z, 0-9, _ and - but was null",
        () -> AccessSettings.builder().defaultPlan(null));
    refused("defaultPlan must be set when plans are configured",
        () -> new AccessSettings(Map.of("free", new RateLimit(1, MINUTE)), null, MINUTE));
    refused("defaultPlan must be one of the plans [free]",
        () -> new AccessSettings(Map.of("free", new RateLimit(1, MINUTE)), "pro", MINUTE));
    refused("defaultPlan must be one of the plans but no plans are configured",
        () -> new AccessSettings(Map.of(), "free", MINUTE));
  }

  private static void refusedAtBuild(String message, Executable build) {
    assertEquals(message, assertThrows(IllegalStateException.class, build).getMessage());
  }

  @Test
  void theKeyCacheTtlIsBetweenZeroAndTenMinutes() {
    refused("keyCacheTtl must be between PT0S and PT10M but was PT-1S",
        () -> AccessSettings.builder().keyCacheTtl(Duration.ofSeconds(-1)));
    refused("keyCacheTtl must be between PT0S and PT10M but was PT10M0.001S",
        () -> AccessSettings.builder().keyCacheTtl(Duration.ofMinutes(10).plusMillis(1)));
    assertEquals(Duration.ZERO, AccessSettings.builder().keyCacheTtl(Duration.ZERO).build().keyCacheTtl());
    assertEquals(Duration.ofSeconds(30), AccessSettings.DEFAULTS.keyCacheTtl());
  }

  @Test
  void aTenantOnAPlanNotConfiguredHereIsHeldToTheDefaultPlan() {
    AccessSettings settings = AccessSettings.builder().plan("free", 60, MINUTE).plan("pro", 1_000, MINUTE)
        .defaultPlan("free").build();
    assertEquals(new RateLimit(1_000, MINUTE), settings.rateOf("pro"));
    assertEquals(new RateLimit(60, MINUTE), settings.rateOf(null));
    assertEquals(new RateLimit(60, MINUTE), settings.rateOf("enterprise"));
    assertTrue(settings.limitsRates());
    assertFalse(AccessSettings.DEFAULTS.limitsRates());
    assertNull(AccessSettings.DEFAULTS.rateOf("pro"), "no plans: no limit");
    assertEquals(List.of("free", "pro"), List.copyOf(settings.plans().keySet()), "in the order given");
    assertThrows(UnsupportedOperationException.class, () -> settings.plans().put("x", new RateLimit(1, MINUTE)));
    refused("plan name must be 1 to 50 characters of a-z, 0-9, _ and - but was \"X\"",
        () -> new AccessSettings(Map.of("X", new RateLimit(1, MINUTE)), "X", MINUTE));
  }

  @Test
  void theEngineBuilderTakesAccessSettingsOnce() {
    LoyaltyEngine.Builder builder = LoyaltyEngine.builder().access(AccessSettings.DEFAULTS);
    assertTrue(assertThrows(IllegalStateException.class, () -> builder.access(AccessSettings.DEFAULTS))
        .getMessage().startsWith("access was already set to "));
    assertThrows(NullPointerException.class, () -> LoyaltyEngine.builder().access(null));
  }
}
