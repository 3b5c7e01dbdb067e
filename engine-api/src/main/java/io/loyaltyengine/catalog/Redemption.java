package io.loyaltyengine.catalog;

import java.time.Instant;

/**
 * A catalog reward redeemed by a participant. Immutable.
 *
 * @param id the redemption's id
 * @param tenantId the owning tenant
 * @param catalogRewardId what was redeemed
 * @param participantId who redeemed it
 * @param pointsSpent the points deducted
 * @param ledgerEntryId the deduction's ledger entry
 * @param balance the participant's balance right after
 * @param idempotencyKey the caller's key, or null
 * @param redeemedAt when
 * @param replayed whether this is the stored result of an earlier request with the same key
 */
public record Redemption(long id, long tenantId, long catalogRewardId, long participantId, long pointsSpent,
    long ledgerEntryId, long balance, String idempotencyKey, Instant redeemedAt, boolean replayed) {
}
