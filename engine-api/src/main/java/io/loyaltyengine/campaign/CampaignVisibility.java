package io.loyaltyengine.campaign;

/**
 * Whether anyone may join a campaign, or only participants the host enrols. The engine records it for the host's own
 * pages (whether to offer a public sign-up form) and refuses nothing by it: every enrolment, a referral signup's
 * included, is a call the host makes. Immutable.
 */
public enum CampaignVisibility {
  /** Open to anyone. */
  PUBLIC,
  /** Only participants the host enrols. */
  PRIVATE
}
