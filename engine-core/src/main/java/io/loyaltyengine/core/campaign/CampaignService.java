package io.loyaltyengine.core.campaign;

import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.CampaignStatus;
import io.loyaltyengine.campaign.CampaignUpdate;
import io.loyaltyengine.campaign.CampaignVisibility;
import io.loyaltyengine.campaign.Campaigns;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.validation.TextRules;
import java.time.ZoneOffset;
import java.util.List;

/** Campaigns of one tenant. Thread-safe when its context is. */
public final class CampaignService implements Campaigns {
  /** Longest campaign name. */
  public static final int MAX_NAME_LENGTH = 200;

  private final ScopeContext context;

  /** Creates the service. */
  public CampaignService(ScopeContext context) {
    this.context = context;
  }

  @Override
  public Campaign create(NewCampaign request) {
    TextRules.notNull("campaign", request);
    String name = name(request.name());
    CampaignStatus status = request.status() == null ? CampaignStatus.DRAFT : request.status();
    if (status != CampaignStatus.DRAFT && status != CampaignStatus.IN_PROGRESS) {
      throw LoyaltyException.validation("status", "a new campaign starts as DRAFT or IN_PROGRESS");
    }
    CampaignVisibility visibility = request.visibility() == null ? CampaignVisibility.PUBLIC : request.visibility();
    long tenantId = context.tenantId();
    Campaign campaign = new Campaign(context.ids().nextId(), tenantId, request.brandId(), name, status, visibility,
        request.timeZone() == null ? ZoneOffset.UTC : request.timeZone(), context.now());
    context.transactions().run(tx -> {
      if (tx.brands().find(tenantId, request.brandId()).isEmpty()) {
        throw LoyaltyException.notFound("brand");
      }
      tx.campaigns().insert(campaign);
      return null;
    });
    return campaign;
  }

  @Override
  public Campaign get(long campaignId) {
    return context.transactions().runRead(tx -> tx.campaigns().find(context.tenantId(), campaignId))
        .orElseThrow(() -> LoyaltyException.notFound("campaign"));
  }

  @Override
  public List<Campaign> listByBrand(long brandId) {
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      if (tx.brands().find(tenantId, brandId).isEmpty()) {
        throw LoyaltyException.notFound("brand");
      }
      return List.copyOf(tx.campaigns().listByBrand(tenantId, brandId));
    });
  }

  @Override
  public Campaign update(long campaignId, CampaignUpdate update) {
    TextRules.notNull("update", update);
    String name = name(update.name());
    // Required here, unlike on create: a null that meant PUBLIC would open a private campaign unasked.
    CampaignVisibility visibility = TextRules.notNull("visibility", update.visibility());
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> tx.campaigns().update(tenantId, campaignId,
        new CampaignUpdate(name, visibility))).orElseThrow(() -> LoyaltyException.notFound("campaign"));
  }

  @Override
  public Campaign changeStatus(long campaignId, CampaignStatus next) {
    TextRules.notNull("status", next);
    long tenantId = context.tenantId();
    return context.transactions().run(tx -> {
      // Under the campaign's row lock, so that a concurrent move is judged against the status it left, never
      // written over (the update below is a compare-and-set as well).
      tx.campaigns().lock(tenantId, campaignId);
      Campaign current = require(tx, tenantId, campaignId);
      if (current.status() == next) {
        return current; // already there: a retry of a move that was made finds it made
      }
      if (!current.status().canMoveTo(next)) {
        throw LoyaltyException.conflict("status",
            "a campaign cannot move from " + current.status() + " to " + next);
      }
      if (!tx.campaigns().updateStatus(tenantId, campaignId, current.status(), next)) {
        throw LoyaltyException.conflict("status", "the campaign's status changed concurrently; read it again");
      }
      return require(tx, tenantId, campaignId);
    });
  }

  /**
   * A campaign's name as a new campaign and an update take it.
   *
   * @return the name stripped
   * @throws LoyaltyException VALIDATION_ERROR naming {@code name}
   */
  private static String name(String name) {
    return TextRules.required("name", name, MAX_NAME_LENGTH);
  }

  /** Reads a campaign of the tenant inside a unit of work, or fails with NOT_FOUND. */
  public static Campaign require(io.loyaltyengine.core.spi.Transaction tx, long tenantId, long campaignId) {
    return tx.campaigns().find(tenantId, campaignId).orElseThrow(() -> LoyaltyException.notFound("campaign"));
  }
}
