package io.loyaltyengine.core.referrals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.InMemoryStorage;
import io.loyaltyengine.testkit.SettableClock;
import java.lang.reflect.Field;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The engine's cache of referral signing keys ({@link SigningKeys}) over a host's many tenants. Each cached set holds,
 * per key, an initialised {@code Mac} for every thread that signed or verified with it ({@link SignedCodes}: "Each
 * key keeps one initialised Mac per thread"), and the cache kept every tenant's set for the engine's life: a host
 * with thousands of tenants and a pool of request threads held tenants times threads of them, growing as tenants
 * came, never shrinking as they went quiet or left. A set is read again anyway before it signs once a minute has
 * passed since its read began ({@link SigningKeys#SIGNER_REFRESH}), so keeping one idle for long saves a single read
 * of the tenant's keys. The cache is read through a package-private accessor, after Caffeine's maintenance if any.
 */
class SigningKeysGrowthTest {
  private LoyaltyEngine engine;

  @AfterEach
  void tearDown() {
    if (engine != null) {
      engine.close();
    }
  }

  /**
   * 200 tenants each sign one code, then go quiet for an hour; one more tenant signs. Only the tenants used lately
   * stay cached, and a quiet tenant's code still verifies (its keys are read again).
   */
  @Test
  void setsOfTenantsQuietForAnHourAreDropped() {
    SettableClock clock = SettableClock.at(Instant.parse("2025-06-15T12:00:00Z"));
    engine = LoyaltyEngine.builder()
        .storage(InMemoryStorage.newDatabase().openStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().build())
        .nodeId(1)
        .build();
    Issued first = issue(0);
    for (int i = 1; i < 200; i++) {
      issue(i);
    }
    assertEquals(200, cachedTenants(), "every tenant that signed, while in use");

    clock.advance(Duration.ofHours(1));
    issue(200);
    assertTrue(cachedTenants() <= 1, cachedTenants() + " tenants' key sets cached after an hour in which only one"
        + " tenant signed");
    assertEquals(first.participantId, first.scope.referrals().decode(first.campaignId, first.code).participantId(),
        "a quiet tenant's code verifies, its keys read again");
  }

  private record Issued(TenantScope scope, long campaignId, long participantId, String code) {
  }

  private Issued issue(int i) {
    TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business("Shop " + i)).id());
    long brand = scope.brands().create(new NewBrand("Shop " + i, "https://shop" + i + ".example.com")).id();
    long campaign = scope.campaigns().create(NewCampaign.running(brand, "Referrals")).id();
    long participant = scope.participants().create(campaign, NewParticipant.withEmail("ada@example.com")).id();
    return new Issued(scope, campaign, participant,
        scope.referrals().codes(ParticipantRef.id(participant)).signed());
  }

  private long cachedTenants() {
    try {
      Field field = engine.getClass().getDeclaredField("signingKeys");
      field.setAccessible(true);
      return ((SigningKeys) field.get(engine)).cachedTenants();
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("the core engine no longer keeps its signing keys in a field named signingKeys", e);
    }
  }
}
