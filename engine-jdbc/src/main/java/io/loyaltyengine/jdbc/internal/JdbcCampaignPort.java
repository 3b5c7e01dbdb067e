package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.CampaignStatus;
import io.loyaltyengine.campaign.CampaignUpdate;
import io.loyaltyengine.core.spi.CampaignPort;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** Campaigns in table {@code campaign}. Not thread-safe: confined to its transaction. */
final class JdbcCampaignPort extends JdbcPort implements CampaignPort {
  JdbcCampaignPort(Handle handle, Sql sql) {
    super(handle, sql);
  }

  @Override
  public void insert(Campaign campaign) {
    run("campaign insert", () -> handle.createUpdate(Sql.CAMPAIGN_INSERT)
        .bind("tenantId", campaign.tenantId())
        .bind("campaignId", campaign.id())
        .bind("brandId", campaign.brandId())
        .bind("name", campaign.name())
        .bind("status", campaign.status().name())
        .bind("visibility", campaign.visibility().name())
        .bind("timeZone", campaign.timeZone().getId())
        .bind("createdAt", Rows.timestamp(campaign.createdAt()))
        .execute());
  }

  @Override
  public Optional<Campaign> find(long tenantId, long campaignId) {
    return run("campaign find", () -> handle.createQuery(Sql.CAMPAIGN_FIND)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .map(Rows.CAMPAIGN)
        .findOne());
  }

  @Override
  public List<Campaign> listByBrand(long tenantId, long brandId) {
    return run("campaign list", () -> handle.createQuery(Sql.CAMPAIGN_LIST_BY_BRAND)
        .bind("tenantId", tenantId)
        .bind("brandId", brandId)
        .map(Rows.CAMPAIGN)
        .list());
  }

  @Override
  public Optional<Campaign> update(long tenantId, long campaignId, CampaignUpdate update) {
    Objects.requireNonNull(update, "update");
    return run("campaign update", () -> handle.createQuery(sql.campaignUpdate())
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .bind("name", update.name())
        .bind("visibility", update.visibility().name())
        .map(Rows.CAMPAIGN)
        .findOne());
  }

  @Override
  public void lock(long tenantId, long campaignId) {
    run("campaign lock", () -> handle.createQuery(Sql.CAMPAIGN_FIND + " FOR UPDATE")
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .mapToMap()
        .findOne());
  }

  @Override
  public boolean updateStatus(long tenantId, long campaignId, CampaignStatus expected, CampaignStatus next) {
    int rows = run("campaign status update", () -> handle.createUpdate(Sql.CAMPAIGN_UPDATE_STATUS)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .bind("expected", expected.name())
        .bind("next", next.name())
        .execute());
    return rows > 0;
  }
}
