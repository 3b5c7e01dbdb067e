package io.loyaltyengine.campaign;

/** Whether anyone may join a campaign, or only participants the host enrols. Immutable. */
public enum CampaignVisibility {
  /** Open to anyone. */
  PUBLIC,
  /** Only participants the host enrols. */
  PRIVATE
}
