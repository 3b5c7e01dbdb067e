package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.tenant.NewTenant;
import org.junit.jupiter.api.Test;

/** The builder's {@code maxGroupCommit}: bounds, set once, and both ends of the range build a working engine. */
class GroupCommitSettingTest {
  @Test
  void outOfRangeIsRefusedNamingTheSettingAndItsBounds() {
    for (int bad : new int[] {0, -1, 257, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> LoyaltyEngine.builder().maxGroupCommit(bad));
      assertTrue(e.getMessage().contains("maxGroupCommit") && e.getMessage().contains("256"), e.getMessage());
    }
  }

  @Test
  void settingItTwiceIsRefused() {
    LoyaltyEngine.Builder builder = LoyaltyEngine.builder().maxGroupCommit(8);
    assertThrows(IllegalStateException.class, () -> builder.maxGroupCommit(8));
  }

  @Test
  void bothEndsOfTheRangeBuildAWorkingEngine() {
    for (int operations : new int[] {1, 256}) {
      try (LoyaltyEngine engine = LoyaltyEngine.builder().storage(new InMemoryStorage())
          .maxGroupCommit(operations).build()) {
        TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business("Shop")).id());
        Brand brand = scope.brands().create(new NewBrand("Shop", "shop.example.com"));
        Campaign campaign = scope.campaigns().create(NewCampaign.running(brand.id(), "Points"));
        Participant p = scope.participants().create(campaign.id(), NewParticipant.withEmail("a@example.com"));
        assertEquals(5, scope.points().award(ParticipantRef.id(p.id()), PointsChange.of(5, "purchase")).balance());
      }
    }
  }
}
