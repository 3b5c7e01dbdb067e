package io.loyaltyengine.core.leaderboard;

import io.loyaltyengine.LoyaltyException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;

/**
 * Month keys ({@code year * 100 + month}, as {@link io.loyaltyengine.core.rewards.Goals}) and where months start in
 * a campaign's zone. Pure. Thread-safe: stateless.
 */
final class Months {
  /** The first and last years a month of a board may name. */
  static final int MIN_YEAR = 1;
  static final int MAX_YEAR = 9999;

  private Months() {
  }

  /**
   * The key of a month named by the caller.
   *
   * @throws LoyaltyException VALIDATION_ERROR naming {@code field} when null or outside years 1..9999
   */
  static int key(String field, YearMonth month) {
    if (month == null) {
      throw LoyaltyException.validation(field, field + " is required");
    }
    if (month.getYear() < MIN_YEAR || month.getYear() > MAX_YEAR) {
      throw LoyaltyException.validation(field, field + " must be in the years " + MIN_YEAR + ".." + MAX_YEAR);
    }
    return month.getYear() * 100 + month.getMonthValue();
  }

  /** The month of a key. */
  static YearMonth of(int key) {
    return YearMonth.of(Math.floorDiv(key, 100), Math.floorMod(key, 100));
  }

  /**
   * When the month starts in {@code zone}: local midnight of the 1st (or the first instant after a gap). Where the
   * clocks go back across that midnight to the day before (America/St_Johns on 1 November 2009, from 00:01 to 23:01
   * of 31 October), the month before comes again after it ({@link io.loyaltyengine.core.rewards.Goals#month} puts
   * those instants in it), so the month starts at the second midnight, after which none does.
   */
  static Instant start(int key, ZoneId zone) {
    return startOf(of(key), zone);
  }

  /** When the month ends in {@code zone}: the start of the next month. Members of its board were created before. */
  static Instant end(int key, ZoneId zone) {
    return startOf(of(key).plusMonths(1), zone);
  }

  private static Instant startOf(YearMonth month, ZoneId zone) {
    LocalDateTime midnight = month.atDay(1).atStartOfDay();
    ZonedDateTime start = month.atDay(1).atStartOfDay(zone);
    ZoneOffsetTransition overlap = zone.getRules().getTransition(midnight);
    if (overlap != null && overlap.isOverlap() && overlap.getDateTimeAfter().isBefore(midnight)) {
      start = start.withLaterOffsetAtOverlap();
    }
    return start.toInstant();
  }

  /** Microseconds since the epoch (what the index keeps of creation times). */
  static long micros(Instant at) {
    return Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1_000);
  }
}
