package io.loyaltyengine.points;

import java.time.Instant;

/**
 * One entry of a participant's points ledger. Immutable. A participant's balance always equals the sum of its
 * entries' {@link #signedAmount()}.
 *
 * @param id the entry's id; entries of one participant made by one engine instance are ordered by it (across
 *     instances sharing a database, entries made within the same millisecond of their clocks are ordered by node, and
 *     clocks that differ shift the order by as much: {@code balanceAfter} tells their true order)
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
 * @param requestedAmount the amount a deduction capped at the balance ({@link Points#deductUpToBalance}) asked for,
 *     at least {@code amount}; {@code null} for an award and a plain deduction. It tells the two kinds of deduction
 *     apart when an idempotency key is reused: a retry of a capped deduction replays only with the amount it asked
 *     for. Entries a store kept from before the engine recorded it (the JDBC schema before version 7) have none,
 *     and count as plain deductions.
 */
public record LedgerEntry(long id, long tenantId, long campaignId, long participantId, LedgerEntryKind kind,
    long amount, String type, String description, String idempotencyKey, long balanceAfter, Instant createdAt,
    Long requestedAmount) {

  /**
   * An entry of an award or a plain deduction: no {@link #requestedAmount()}.
   *
   * @param id the entry's id; entries of one participant made by one engine instance are ordered by it (across
   *     instances sharing a database, entries made within the same millisecond of their clocks are ordered by node, and
   *     clocks that differ shift the order by as much: {@code balanceAfter} tells their true order)
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
  public LedgerEntry(long id, long tenantId, long campaignId, long participantId, LedgerEntryKind kind, long amount,
      String type, String description, String idempotencyKey, long balanceAfter, Instant createdAt) {
    this(id, tenantId, campaignId, participantId, kind, amount, type, description, idempotencyKey, balanceAfter,
        createdAt, null);
  }

  /**
   * The amount with its sign: positive for an award, negative for a deduction.
   *
   * @return the signed amount
   */
  public long signedAmount() {
    return kind == LedgerEntryKind.AWARD ? amount : -amount;
  }
}
