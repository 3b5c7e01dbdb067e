package io.loyaltyengine.leaderboard;

import java.time.Instant;
import java.time.YearMonth;
import java.util.List;

/**
 * The winners of a closed month, recorded once. Immutable.
 *
 * @param campaignId the campaign
 * @param metric what the scores count
 * @param month the month, in the campaign's time zone
 * @param winners the board's first rows (at most 10; fewer when fewer participants scored above zero)
 * @param recordedAt when they were recorded (by whichever engine instance read them first after the month closed)
 */
public record MonthWinners(long campaignId, BoardMetric metric, YearMonth month, List<BoardEntry> winners,
    Instant recordedAt) {
  /**
   * Copies {@code winners}.
   *
   * @param campaignId the campaign
   * @param metric what the scores count
   * @param month the month, in the campaign's time zone
   * @param winners the board's first rows (at most 10; fewer when fewer participants scored above zero)
   * @param recordedAt when they were recorded (by whichever engine instance read them first after the month closed)
   */
  public MonthWinners {
    winners = List.copyOf(winners);
  }
}
