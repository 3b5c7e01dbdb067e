package io.loyaltyengine.campaign;

import io.loyaltyengine.LoyaltyException;

/**
 * A campaign's new name and visibility, replacing both: {@code name} 1..200 characters as in {@link NewCampaign},
 * {@code visibility} required (an update has no default: a null would otherwise make a private campaign public).
 * The time zone never changes, since the campaign's months, monthly counts and leaderboards are cut by it and a new
 * zone would move past months; the status changes by {@link Campaigns#changeStatus}. Immutable.
 *
 * <pre>{@code
 * campaigns.update(spring.id(), CampaignUpdate.of(spring).withName("Spring 2026"));   // only the name changes
 * }</pre>
 *
 * @param name display name
 * @param visibility public or private
 */
public record CampaignUpdate(String name, CampaignVisibility visibility) {

  /**
   * The current name and visibility of {@code campaign}, to change one of them.
   *
   * @param campaign the campaign as read
   * @return an update that would change nothing
   * @throws LoyaltyException VALIDATION_ERROR on field {@code campaign} if it is null
   */
  public static CampaignUpdate of(Campaign campaign) {
    if (campaign == null) {
      throw LoyaltyException.validation("campaign", "campaign is required");
    }
    return new CampaignUpdate(campaign.name(), campaign.visibility());
  }

  /**
   * This update with another name.
   *
   * @param text the display name
   * @return a new update
   */
  public CampaignUpdate withName(String text) {
    return new CampaignUpdate(text, visibility);
  }

  /**
   * This update with another visibility.
   *
   * @param value public or private
   * @return a new update
   */
  public CampaignUpdate withVisibility(CampaignVisibility value) {
    return new CampaignUpdate(name, value);
  }
}
