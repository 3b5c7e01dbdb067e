package io.loyaltyengine.examples.replay;

import io.loyaltyengine.ErrorCode;
import java.math.BigInteger;
import java.util.EnumMap;
import java.util.Map;

/**
 * What the replay did to the invoices: counts and points. The replay keeps one for the invoices committed and one
 * for the batch in progress, merged into the first when the batch commits, so the figures never count work that was
 * rolled back.
 *
 * <p>Not thread-safe: the replay's one thread.
 */
final class Tally {
  long purchases;
  long cancellations;
  /** Cancellations that took less than they asked for, the balance being smaller. */
  long cancellationsCapped;
  /** Cancellations that found a zero balance and took nothing. */
  long cancellationsOnZero;
  long pointsAwarded;
  long pointsDeducted;
  /** What the cancellations asked for, before the cap: exact, as a cancellation may ask for more than a long holds. */
  BigInteger pointsAskedBack = BigInteger.ZERO;
  long rewardsUnlocked;
  long newCustomers;
  /** Invoices whose engine calls all came back as replays of an earlier request with the same idempotency key. */
  long replayedByKey;
  /** Invoices an earlier run applied (found in the replay's own table). */
  long alreadyApplied;
  final Map<Invoice.SkipReason, Long> skipped = new EnumMap<>(Invoice.SkipReason.class);
  /** Invoices the engine refused, by error code (nothing of them was applied). */
  final Map<ErrorCode, Long> refused = new EnumMap<>(ErrorCode.class);

  /** Invoices applied (purchases and cancellations, this run). */
  long applied() {
    return purchases + cancellations;
  }

  /** Invoices skipped, all reasons. */
  long skippedTotal() {
    return skipped.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Invoices refused by the engine, all codes. */
  long refusedTotal() {
    return refused.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Adds {@code other} to this one and clears it. */
  void absorb(Tally other) {
    purchases += other.purchases;
    cancellations += other.cancellations;
    cancellationsCapped += other.cancellationsCapped;
    cancellationsOnZero += other.cancellationsOnZero;
    pointsAwarded += other.pointsAwarded;
    pointsDeducted += other.pointsDeducted;
    pointsAskedBack = pointsAskedBack.add(other.pointsAskedBack);
    rewardsUnlocked += other.rewardsUnlocked;
    newCustomers += other.newCustomers;
    replayedByKey += other.replayedByKey;
    alreadyApplied += other.alreadyApplied;
    other.skipped.forEach((k, v) -> skipped.merge(k, v, Long::sum));
    other.refused.forEach((k, v) -> refused.merge(k, v, Long::sum));
    other.clear();
  }

  private void clear() {
    purchases = 0;
    cancellations = 0;
    cancellationsCapped = 0;
    cancellationsOnZero = 0;
    pointsAwarded = 0;
    pointsDeducted = 0;
    pointsAskedBack = BigInteger.ZERO;
    rewardsUnlocked = 0;
    newCustomers = 0;
    replayedByKey = 0;
    alreadyApplied = 0;
    skipped.clear();
    refused.clear();
  }
}
