package io.loyaltyengine.core.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GoalsTest {
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  private static final ZoneId LOS_ANGELES = ZoneId.of("America/Los_Angeles");
  private static final ZoneId AUCKLAND = ZoneId.of("Pacific/Auckland");

  // ==================================================================== month keys

  @ParameterizedTest(name = "{0} in {1} is month {2}")
  @CsvSource({
      // The same instant is in different months depending on the campaign's zone.
      "2025-03-31T21:59:59Z, Europe/Berlin, 202503",
      "2025-03-31T22:00:00Z, Europe/Berlin, 202504",     // CEST (+02:00) since 30 March: midnight of 1 April
      "2025-03-31T23:59:59Z, UTC, 202503",
      "2025-04-01T06:59:59Z, America/Los_Angeles, 202503", // PDT (-07:00)
      "2025-04-01T07:00:00Z, America/Los_Angeles, 202504",
      // Daylight saving time changes inside a month move no boundary.
      "2025-03-30T01:00:00Z, Europe/Berlin, 202503",      // the hour Berlin skips
      "2025-10-26T01:30:00Z, Europe/Berlin, 202510",      // the hour Berlin repeats
      "2025-10-31T22:59:59Z, Europe/Berlin, 202510",      // CET (+01:00) again: midnight of 1 November is 23:00Z
      "2025-10-31T23:00:00Z, Europe/Berlin, 202511",
      // 29 February, and a zone far ahead of UTC (NZDT, +13:00).
      "2024-02-29T23:59:59Z, UTC, 202402",
      "2024-03-01T00:00:00Z, UTC, 202403",
      "2024-02-29T10:59:59Z, Pacific/Auckland, 202402",
      "2024-02-29T11:00:00Z, Pacific/Auckland, 202403",
      "2024-02-28T10:59:59Z, Pacific/Auckland, 202402",   // 23:59:59 on 28 February there
      // Year boundaries.
      "2024-12-31T23:00:00Z, Europe/Berlin, 202501",
      "2025-01-01T07:59:59Z, America/Los_Angeles, 202412",
  })
  void monthFollowsTheCampaignsCalendar(String instant, String zone, int month) {
    assertEquals(month, Goals.month(Instant.parse(instant), ZoneId.of(zone)));
  }

  @Test
  void extremeOffsetsAreTwentySixHoursApart() {
    Instant at = Instant.parse("2025-06-30T11:00:00Z");
    assertEquals(202507, Goals.month(at, ZoneOffset.ofHours(14)), "01:00 on 1 July at +14:00");
    assertEquals(202506, Goals.month(at, ZoneOffset.ofHours(-12)), "23:00 on 29 June at -12:00");
  }

  @ParameterizedTest(name = "before {0} is {1}")
  @CsvSource({"202503, 202502", "202501, 202412", "202412, 202411", "202403, 202402", "200001, 199912",
      "1, -88", "-89, -90"})
  void previousMonthWrapsTheYear(int month, int previous) {
    assertEquals(previous, Goals.previousMonth(month));
  }

  @Test
  void previousMonthRefusesKeysThatAreNoMonth() {
    assertThrows(IllegalArgumentException.class, () -> Goals.previousMonth(0));
    assertThrows(IllegalArgumentException.class, () -> Goals.previousMonth(202413));
    assertThrows(IllegalArgumentException.class, () -> Goals.previousMonth(202500));
  }

  @Test
  void previousMonthOfEveryMonthIsTheMonthOfTheDayBeforeItsFirst() {
    for (ZoneId zone : List.of(ZoneOffset.UTC, BERLIN, LOS_ANGELES, AUCKLAND)) {
      for (int year = 2023; year <= 2026; year++) {
        for (int m = 1; m <= 12; m++) {
          Instant first = java.time.LocalDate.of(year, m, 1).atStartOfDay(zone).toInstant();
          int month = Goals.month(first, zone);
          assertEquals(year * 100 + m, month, "local midnight of the 1st opens the month in " + zone);
          assertEquals(Goals.month(first.minusSeconds(1), zone), Goals.previousMonth(month),
              "one second earlier is the previous month in " + zone);
        }
      }
    }
  }

  // ==================================================================== unlocking

  @Test
  void everyKthActionUnlocksTheNextCycleUpToTheLimit() {
    List<Integer> cycles = new ArrayList<>();
    for (long n = 1; n <= 10; n++) {
      cycles.add(Goals.unlockedCycle(n, 3, 2));
    }
    assertEquals(List.of(0, 0, 1, 0, 0, 2, 0, 0, 0, 0), cycles, "goal 3, limit 2: actions 3 and 6 unlock");
  }

  @Test
  void unlimitedRewardsUnlockWithoutCap() {
    assertEquals(1, Goals.unlockedCycle(1, 1, null));
    assertEquals(1_000_000, Goals.unlockedCycle(1_000_000, 1, null));
    assertEquals(1_000, Goals.unlockedCycle(10_000_000, 10_000, null));
    assertEquals(Integer.MAX_VALUE, Goals.unlockedCycle(Integer.MAX_VALUE, 1, null));
    assertEquals(0, Goals.unlockedCycle(Integer.MAX_VALUE + 1L, 1, null), "cycles are ints");
  }

  @Test
  void unlockArgumentsAreChecked() {
    assertThrows(IllegalArgumentException.class, () -> Goals.unlockedCycle(0, 1, null));
    assertThrows(IllegalArgumentException.class, () -> Goals.unlockedCycle(1, 0, null));
    assertThrows(IllegalArgumentException.class, () -> Goals.unlocks(-1, 1, null));
  }

  /**
   * The unlock rule over random goals and limits: counting the actions that unlock something gives
   * {@code min(limit, floor(n / k))}, and they unlock cycles 1, 2, 3, ... in order.
   */
  @Test
  void unlockCountIsMinOfLimitAndActionsOverGoal() {
    long seed = Long.getLong("loyalty.seed", 20250301L);
    SplittableRandom random = new SplittableRandom(seed);
    try {
      for (int run = 0; run < 500; run++) {
        int k = 1 + random.nextInt(random.nextBoolean() ? 5 : 50);
        Integer limit = random.nextInt(4) == 0 ? null : 1 + random.nextInt(10);
        int n = random.nextInt(400);
        int unlocked = 0;
        for (long count = 1; count <= n; count++) {
          int cycle = Goals.unlockedCycle(count, k, limit);
          if (cycle > 0) {
            unlocked++;
            assertEquals(unlocked, cycle, "cycles unlock in order");
          }
        }
        long expected = limit == null ? n / k : Math.min(limit, n / k);
        assertEquals(expected, unlocked, "k=" + k + " limit=" + limit + " n=" + n);
        assertEquals(expected, Goals.unlocks(n, k, limit));
      }
    } catch (AssertionError e) {
      System.err.println("GoalsTest failed for seed " + seed + "; replay with -Dloyalty.seed=" + seed);
      throw e;
    }
  }
}
