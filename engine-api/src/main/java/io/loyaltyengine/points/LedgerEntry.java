package io.loyaltyengine.points;

import java.time.Instant;

/**
 * One entry of a participant's points ledger. Immutable. A participant's balance always equals the sum of its
 * entries' {@link #signedAmount()}.
 *
 * @param id the entry's id; entries of one participant made by one engine instance are ordered by it (across
 *     instances sharing a database, entries made within the same millisecond are ordered by node: {@code
 *     balanceAfter} tells their true order)
 * @param tenantId the owning tenant
 * @param campaignId the participant's campaign
 * @param participantId the participant
 * @param kind award or deduction
 * @param amount the points moved, always positive
 * @param type what the points are for, for example {@code purchase} or {@code redemption}
 * @param description free text, or {@code null}
 * @param idempotencyKey the caller's key, or {@code null}
 * @param balanceAfter the participant's balance right after this entry
 * @param createdAt when it was written
 */
public record LedgerEntry(long id, long tenantId, long campaignId, long participantId, LedgerEntryKind kind,
    long amount, String type, String description, String idempotencyKey, long balanceAfter, Instant createdAt) {

  /** The amount with its sign: positive for an award, negative for a deduction. */
  public long signedAmount() {
    return kind == LedgerEntryKind.AWARD ? amount : -amount;
  }
}
