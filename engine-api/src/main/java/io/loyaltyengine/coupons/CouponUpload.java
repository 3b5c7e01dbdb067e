package io.loyaltyengine.coupons;

import java.util.List;

/**
 * The outcome of uploading codes to a coupon pool. Immutable.
 *
 * @param added how many new codes were stored
 * @param duplicatesInUpload codes that appeared more than once in the upload (stored once)
 * @param alreadyInPool codes the pool already had (not stored again)
 * @param assignedToWaiting how many approved rewards that were waiting for a code got one at once, from the pool's
 *     free codes (the new ones, and any left free by an earlier upload that committed as they began to wait)
 */
public record CouponUpload(int added, List<String> duplicatesInUpload, List<String> alreadyInPool,
    int assignedToWaiting) {
  /**
   * Copies the lists.
   *
   * @param added how many new codes were stored
   * @param duplicatesInUpload codes that appeared more than once in the upload (stored once)
   * @param alreadyInPool codes the pool already had (not stored again)
   * @param assignedToWaiting how many approved rewards that were waiting for a code got one at once
   */
  public CouponUpload {
    duplicatesInUpload = List.copyOf(duplicatesInUpload);
    alreadyInPool = List.copyOf(alreadyInPool);
  }

  @Override
  public String toString() {
    // Codes are bearer secrets: counts only.
    return "CouponUpload[added=" + added + ", duplicatesInUpload=" + duplicatesInUpload.size() + ", alreadyInPool="
        + alreadyInPool.size() + ", assignedToWaiting=" + assignedToWaiting + "]";
  }
}
