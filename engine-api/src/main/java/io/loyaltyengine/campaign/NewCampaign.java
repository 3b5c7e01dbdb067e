package io.loyaltyengine.campaign;

import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A request to create a campaign. {@code name} is 1..200 characters. A null {@code status} means
 * {@link CampaignStatus#DRAFT} (the only other allowed initial status is IN_PROGRESS), a null {@code visibility}
 * means {@link CampaignVisibility#PUBLIC}, and a null {@code timeZone} means UTC. Immutable.
 *
 * @param brandId the owning brand
 * @param name display name
 * @param status initial status, DRAFT or IN_PROGRESS
 * @param visibility public or private
 * @param timeZone the zone of its monthly periods
 */
public record NewCampaign(long brandId, String name, CampaignStatus status, CampaignVisibility visibility,
    ZoneId timeZone) {

  /**
   * A public campaign in UTC, in progress from the start.
   *
   * @param brandId the owning brand
   * @param name the campaign's name
   * @return the request
   */
  public static NewCampaign running(long brandId, String name) {
    return new NewCampaign(brandId, name, CampaignStatus.IN_PROGRESS, CampaignVisibility.PUBLIC, ZoneOffset.UTC);
  }

  /**
   * This request with another visibility.
   *
   * @param visibility public or private
   * @return a new request
   */
  public NewCampaign withVisibility(CampaignVisibility visibility) {
    return new NewCampaign(brandId, name, status, visibility, timeZone);
  }

  /**
   * This request with another time zone.
   *
   * @param timeZone the zone months and days are counted in
   * @return a new request
   */
  public NewCampaign withTimeZone(ZoneId timeZone) {
    return new NewCampaign(brandId, name, status, visibility, timeZone);
  }

  /**
   * This request with another initial status.
   *
   * @param status the initial status
   * @return a new request
   */
  public NewCampaign withStatus(CampaignStatus status) {
    return new NewCampaign(brandId, name, status, visibility, timeZone);
  }
}
