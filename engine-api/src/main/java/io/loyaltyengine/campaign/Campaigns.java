package io.loyaltyengine.campaign;

import java.util.List;

/**
 * Campaigns of one tenant. A host corrects a campaign's name or visibility with {@link #update} and moves it through
 * its life with {@link #changeStatus}; its time zone never changes. Configuration changes write no events.
 * Thread-safe (see {@link io.loyaltyengine.TenantScope} for host transactions).
 */
public interface Campaigns {
  /**
   * Creates a campaign.
   *
   * @param campaign the new campaign
   * @return the created campaign
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR naming the field; NOT_FOUND if the brand is not the
   *     tenant's
   */
  Campaign create(NewCampaign campaign);

  /**
   * Reads a campaign.
   *
   * @param campaignId the campaign's id
   * @return the campaign
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND if the tenant has no such campaign
   */
  Campaign get(long campaignId);

  /**
   * The campaigns of one of the tenant's brands, oldest first.
   *
   * @param brandId the brand's id
   * @return the brand's campaigns
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND if the tenant has no such brand
   */
  List<Campaign> listByBrand(long brandId);

  /**
   * Replaces a campaign's name and visibility, in one update of its row. The time zone is not editable:
   * the campaign's months, monthly counts and leaderboards are cut by it, and another zone would move past months.
   * The status changes only by {@link #changeStatus}; the brand, id and creation time are unchanged.
   *
   * @param campaignId the campaign's id
   * @param update the new name and visibility
   * @return the campaign as the update left it
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR naming {@code update}, {@code name} (as
   *     {@link NewCampaign}'s) or {@code visibility} (required here); NOT_FOUND if the tenant has no such campaign
   */
  Campaign update(long campaignId, CampaignUpdate update);

  /**
   * Moves a campaign to another status, under the campaign's row lock: concurrent moves take turns, each judged
   * against the status the one before it left. A campaign already in {@code status} is returned as it is, nothing
   * written: a retry of a move whose answer was lost (STORAGE_UNAVAILABLE) finds it made and succeeds.
   *
   * @param campaignId the campaign's id
   * @param status the status to move to
   * @return the campaign in its new status
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code status} if it is null; CONFLICT on
   *     {@code status} when the move is not allowed from the current status (see {@link CampaignStatus#canMoveTo});
   *     NOT_FOUND for an unknown campaign
   */
  Campaign changeStatus(long campaignId, CampaignStatus status);
}
