package io.loyaltyengine.jdbc;

import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;

/** The six boards of a campaign, a metric and a period each, for the leaderboard tests of this package. */
enum Board {
  POINTS_ALL_TIME(BoardMetric.POINTS, BoardPeriod.ALL_TIME),
  POINTS_THIS_MONTH(BoardMetric.POINTS, BoardPeriod.CURRENT_MONTH),
  POINTS_LAST_MONTH(BoardMetric.POINTS, BoardPeriod.PREV_MONTH),
  ACTIONS_ALL_TIME(BoardMetric.ACTIONS, BoardPeriod.ALL_TIME),
  ACTIONS_THIS_MONTH(BoardMetric.ACTIONS, BoardPeriod.CURRENT_MONTH),
  ACTIONS_LAST_MONTH(BoardMetric.ACTIONS, BoardPeriod.PREV_MONTH);

  final BoardMetric metric;
  final BoardPeriod period;

  Board(BoardMetric metric, BoardPeriod period) {
    this.metric = metric;
    this.period = period;
  }

  static Board of(BoardMetric metric, BoardPeriod period) {
    for (Board b : values()) {
      if (b.metric == metric && b.period == period) {
        return b;
      }
    }
    throw new IllegalArgumentException(metric + " " + period);
  }
}
