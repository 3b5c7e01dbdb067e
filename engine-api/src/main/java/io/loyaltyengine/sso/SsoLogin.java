package io.loyaltyengine.sso;

/**
 * A login the host's server signed for its logged-in customer, handed to {@link SingleSignOn#recognize}. Typically
 * the host's server renders these fields into its storefront, and the widget sends them back with its requests.
 * Make one with {@link SsoSignatures#login}. {@link #toString()} hides the customer id, the email and the signature.
 * Immutable.
 *
 * @param campaignId the campaign the customer takes part in
 * @param customerId the host's id of the customer (see {@link io.loyaltyengine.customers.CustomerMappings} for its
 *     rules)
 * @param email the customer's email, or null (or empty) for none: with one, an unknown customer is enrolled
 * @param timestamp when it was signed, in seconds since the epoch
 * @param signature lowercase hex of the HMAC-SHA256 the host computed (see {@link SsoSignatures})
 */
public record SsoLogin(long campaignId, String customerId, String email, long timestamp, String signature) {
  @Override
  public String toString() {
    return "SsoLogin[campaignId=" + campaignId + ", customerId=<hidden>, email=<hidden>, timestamp=" + timestamp
        + ", signature=<hidden>]";
  }
}
