package io.loyaltyengine.referrals;

import java.math.BigDecimal;

/**
 * A conversion to track: an order placed through a referral code. {@link #toString()} hides the code, which names
 * its participant, and the buyer. Immutable.
 *
 * <p>Naming the buyer lets the engine tell a referral from a self-referral: an order whose buyer is the code's own
 * participant (its email is the referrer's mailbox, or its customer id the referrer's) is recorded
 * {@link ConversionStatus#REJECTED} and earns nothing. Without a buyer, every order through a code counts.
 *
 * @param code the referral code (any kind)
 * @param orderId the host's order id, 1..128 printable ASCII characters without spaces; a conversion is tracked once
 *     per order id and campaign
 * @param orderValue the order's value in currency units, 0..10^12 with at most 4 decimals
 * @param buyerEmail the buyer's email, or null: compared with the referrer's as a signup's is (case, a
 *     {@code +tag} and gmail's dots do not make another mailbox)
 * @param buyerCustomerId the host's customer id of the buyer, or null: as {@link
 *     io.loyaltyengine.customers.CustomerMappings} take one (1..255 characters, not blank, no control characters),
 *     compared exactly with the referrer's, from its signup or its customer mapping
 */
public record NewConversion(String code, String orderId, BigDecimal orderValue, String buyerEmail,
    String buyerCustomerId) {

  /**
   * A conversion without a named buyer: it counts, whoever bought.
   *
   * @param code the referral code (any kind)
   * @param orderId the host's order id
   * @param orderValue the order's value in currency units
   */
  public NewConversion(String code, String orderId, BigDecimal orderValue) {
    this(code, orderId, orderValue, null, null);
  }

  /**
   * This conversion with the buyer's email.
   *
   * @param email the buyer's email
   * @return a new conversion
   */
  public NewConversion withBuyerEmail(String email) {
    return new NewConversion(code, orderId, orderValue, email, buyerCustomerId);
  }

  /**
   * This conversion with the host's customer id of the buyer.
   *
   * @param customerId the host's id of the customer who placed the order
   * @return a new conversion
   */
  public NewConversion withBuyerCustomerId(String customerId) {
    return new NewConversion(code, orderId, orderValue, buyerEmail, customerId);
  }

  @Override
  public String toString() {
    return "NewConversion[code " + (code == null ? "none" : "given") + ", orderId=" + orderId + ", orderValue="
        + orderValue + ", buyer " + (buyerEmail == null && buyerCustomerId == null ? "none" : "<hidden>") + "]";
  }
}
