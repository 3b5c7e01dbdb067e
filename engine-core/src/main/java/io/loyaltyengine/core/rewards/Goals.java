package io.loyaltyengine.core.rewards;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/**
 * The arithmetic of goals and months, without I/O.
 *
 * <h2>Unlocking</h2>
 * A reward with {@code conversionsRequired = k} and {@code limit = L} (null: unlimited) is unlocked by the actions
 * whose per-reward all-time count {@code n} is a multiple of {@code k}: that action unlocks cycle {@code n / k},
 * provided the cycle is at most {@code L}. The store hands every action its own count (the counter is incremented
 * atomically), so each cycle has exactly one unlocking action, and {@code n} actions unlock
 * {@code min(L, floor(n / k))} cycles in all ({@link #unlocks}).
 *
 * <h2>Months</h2>
 * Monthly counters are keyed by {@code year * 100 + month} of the calendar of the campaign's time zone
 * ({@code 202503} for March 2025), so a month starts at local midnight of the 1st, whatever the offset and daylight
 * saving time; key 0 is reserved for all-time counters and is never a month.
 *
 * <p>Thread-safe: stateless.
 */
public final class Goals {
  private Goals() {
  }

  /**
   * The month key of {@code at} in {@code zone}: {@code year * 100 + month}.
   *
   * @throws ArithmeticException for a year beyond about ±21 million, whose key would not fit an {@code int}
   */
  public static int month(Instant at, ZoneId zone) {
    ZonedDateTime local = at.atZone(zone);
    return Math.addExact(Math.multiplyExact(local.getYear(), 100), local.getMonthValue());
  }

  /** The key of the month before {@code month} (January's is December of the year before). */
  public static int previousMonth(int month) {
    int year = Math.floorDiv(month, 100);
    int m = Math.floorMod(month, 100);
    if (m < 1 || m > 12) {
      throw new IllegalArgumentException("not a month key: " + month);
    }
    return m == 1 ? (year - 1) * 100 + 12 : month - 1;
  }

  /**
   * The cycle that the action with per-reward count {@code count} unlocks, or 0 when it unlocks nothing (not a
   * multiple of {@code conversionsRequired}, or past the limit). Cycles are {@code int}s: an unlimited reward
   * stops unlocking after {@link Integer#MAX_VALUE} cycles.
   *
   * @param count the per-reward all-time count right after the action, at least 1
   * @param conversionsRequired actions per unlock, at least 1
   * @param limit most unlocks, or null for unlimited
   */
  public static int unlockedCycle(long count, int conversionsRequired, Integer limit) {
    if (count < 1 || conversionsRequired < 1) {
      throw new IllegalArgumentException("count and conversionsRequired must be positive");
    }
    if (count % conversionsRequired != 0) {
      return 0;
    }
    long cycle = count / conversionsRequired;
    long max = limit == null ? Integer.MAX_VALUE : limit;
    return cycle <= max ? (int) cycle : 0;
  }

  /**
   * How many cycles {@code actions} actions unlock in all: {@code min(limit, floor(actions / conversionsRequired))}.
   */
  public static long unlocks(long actions, int conversionsRequired, Integer limit) {
    if (actions < 0 || conversionsRequired < 1) {
      throw new IllegalArgumentException("actions must not be negative and conversionsRequired must be positive");
    }
    long cycles = actions / conversionsRequired;
    return limit == null ? Math.min(cycles, Integer.MAX_VALUE) : Math.min(cycles, limit);
  }
}
