package io.loyaltyengine.referrals;

import io.loyaltyengine.participant.NewParticipant;

/**
 * A signup: a person joins a campaign, optionally with a referral code. {@link #toString()} hides personal data.
 * Immutable.
 *
 * @param participant the person (email required; found if already enrolled, else enrolled); its IP address, if any,
 *     is screened
 * @param referralCode the code they arrived with, or null for a basic signup
 * @param visitorId the host's visitor id (cookie or device id) of the signup, 1..128 printable ASCII characters
 *     without spaces, or null
 * @param customerId the host's customer id of the person, or null: as {@link
 *     io.loyaltyengine.customers.CustomerMappings} take one (1..255 characters, not blank, no control characters),
 *     compared exactly with the referrer's, from its signup or its customer mapping
 */
public record Signup(NewParticipant participant, String referralCode, String visitorId, String customerId) {
  /**
   * A basic signup without a code.
   *
   * @param participant who signs up
   * @return the signup
   */
  public static Signup of(NewParticipant participant) {
    return new Signup(participant, null, null, null);
  }

  /**
   * A signup with a referral code.
   *
   * @param participant who signs up
   * @param referralCode the referrer's code
   * @return the signup
   */
  public static Signup referred(NewParticipant participant, String referralCode) {
    return new Signup(participant, referralCode, null, null);
  }

  /**
   * This signup with a visitor id.
   *
   * @param visitorId the visitor id of the tracked visit
   * @return a new signup
   */
  public Signup withVisitorId(String visitorId) {
    return new Signup(participant, referralCode, visitorId, customerId);
  }

  /**
   * This signup with the host's customer id.
   *
   * @param customerId the host's id of the customer
   * @return a new signup
   */
  public Signup withCustomerId(String customerId) {
    return new Signup(participant, referralCode, visitorId, customerId);
  }

  @Override
  public String toString() {
    return "Signup[" + participant + ", code " + (referralCode == null ? "none" : "given") + ", <ids hidden>]";
  }
}
