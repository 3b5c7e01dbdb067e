package io.loyaltyengine.referrals;

import java.math.BigDecimal;

/**
 * A conversion to track: an order placed through a referral code. {@link #toString()} hides the code, which names
 * its participant. Immutable.
 *
 * @param code the referral code (any kind)
 * @param orderId the host's order id, 1..128 printable ASCII characters without spaces; a conversion is tracked once
 *     per order id and campaign
 * @param orderValue the order's value in currency units, 0..10^12 with at most 4 decimals
 */
public record NewConversion(String code, String orderId, BigDecimal orderValue) {
  @Override
  public String toString() {
    return "NewConversion[code " + (code == null ? "none" : "given") + ", orderId=" + orderId + ", orderValue="
        + orderValue + "]";
  }
}
