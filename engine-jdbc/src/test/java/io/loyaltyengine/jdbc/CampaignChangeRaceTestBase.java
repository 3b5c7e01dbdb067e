package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.CampaignStatus;
import io.loyaltyengine.campaign.CampaignUpdate;
import io.loyaltyengine.campaign.CampaignVisibility;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import org.junit.jupiter.api.Test;

/**
 * A campaign's status changed while the host renames it, one backend per subclass: the status change answers with
 * the campaign as its write left it, not as it read it before waiting for the rename's row lock. The host
 * transaction holds the rename uncommitted, so who waits for whom is fixed with no timing assumed.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class CampaignChangeRaceTestBase extends HostTransactionTestBase {
  @Test
  void aStatusChangeWaitingForAnUncommittedRenameAnswersWithTheCampaignAsItsWriteLeftIt() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0));
    World w = new World(engine, 0);
    TenantScope scope = engine.forTenant(w.tenantId);
    Campaign spring = scope.campaigns().get(w.campaignId);
    Object changed = whileAHostHoldsAChange(scope,
        hosted -> hosted.campaigns().update(spring.id(), CampaignUpdate.of(spring).withName("Spring 2026")
            .withVisibility(CampaignVisibility.PRIVATE)),
        () -> scope.campaigns().changeStatus(spring.id(), CampaignStatus.PAUSED));
    Campaign answer = assertInstanceOf(Campaign.class, changed, () -> "the status change: " + changed);
    Campaign stored = scope.campaigns().get(spring.id());
    assertEquals(new Campaign(spring.id(), w.tenantId, spring.brandId(), "Spring 2026", CampaignStatus.PAUSED,
        CampaignVisibility.PRIVATE, spring.timeZone(), spring.createdAt()), stored);
    assertEquals(stored, answer, "the answer is the row as the status change left it");
  }
}
