package io.loyaltyengine.coupons;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;
import java.util.List;

/**
 * The coupon pools of one tenant's campaigns: codes uploaded by the host, handed out to approved COUPON rewards.
 * Thread-safe (see {@link io.loyaltyengine.TenantScope} for host transactions).
 *
 * <p>Assignment takes the oldest free code and marks it used in one atomic step in the database, so no code ever
 * goes to two rewards, under any concurrency and across engine instances. When the pool is empty the reward waits
 * (with a reason and a {@code coupon.pool_empty} event) and gets a code as soon as codes are uploaded, with a
 * {@code coupon.assigned} event that carries it (a code given at approval comes in {@code reward.approved}); an
 * assignment of the code after which the pool holds the campaign's low-stock threshold of codes writes a
 * {@code coupon.pool_low} event, once per code however many assignments run at once. A pool first uploaded with at
 * most that many codes has no such code: the assignment of its first code writes the event. So it comes once each
 * time the pool goes from above the threshold (or from new) to at most it; a refill that leaves the pool at most the
 * threshold writes none.
 */
public interface CouponPools {
  /**
   * Uploads codes (each 1..100 printable characters, stripped of surrounding whitespace and no-break spaces; at
   * most 10,000 per call).
   * Duplicates within the upload and codes already in the pool are reported, never stored twice. Free codes go to
   * the campaign's rewards waiting for one, oldest first, in the same transaction, each with a
   * {@code coupon.assigned} event.
   *
   * @param campaignId the campaign whose pool gets the codes
   * @param codes the codes
   * @return what was stored, and the duplicates
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code codes}; NOT_FOUND for the campaign;
   *     CONFLICT on {@code codes} when other uploads added codes of this one three times in a row while it ran;
   *     CONFLICT without a field when, three times in a row, a reward began waiting for a code while it ran and
   *     another transaction held that reward's participant (either way nothing is stored: upload again)
   */
  CouponUpload upload(long campaignId, List<String> codes);

  /**
   * How many free codes the campaign's pool has.
   *
   * @param campaignId the campaign
   * @return the number of free codes
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  long remaining(long campaignId);

  /**
   * The assigned codes of a campaign's pool, in upload order.
   *
   * @param campaignId the campaign
   * @param page which page
   * @return the page of assigned codes
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code page} (null); NOT_FOUND
   */
  CursorPage<AssignedCoupon> assigned(long campaignId, Keyset page);
}
