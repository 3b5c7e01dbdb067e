package io.loyaltyengine.jdbc;

import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.Standing;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

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

  /**
   * A reference board from (participant, score) rows: score descending, then id ascending; ties share the rank of the
   * first of them.
   */
  static List<BoardEntry> ranked(List<long[]> rows) {
    rows.sort(Comparator.<long[]>comparingLong(r -> -r[1]).thenComparingLong(r -> r[0]));
    List<BoardEntry> board = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      long rank = i > 0 && rows.get(i - 1)[1] == rows.get(i)[1] ? board.get(i - 1).rank() : i + 1;
      board.add(new BoardEntry(rows.get(i)[0], rows.get(i)[1], rank));
    }
    return board;
  }

  /** A participant's standing by {@code metric}, as the reference {@code boards} give it. */
  static Standing standing(Map<Board, List<BoardEntry>> boards, long id, BoardMetric metric) {
    BoardEntry all = entryOf(boards.get(of(metric, BoardPeriod.ALL_TIME)), id);
    BoardEntry month = entryOf(boards.get(of(metric, BoardPeriod.CURRENT_MONTH)), id);
    BoardEntry last = entryOf(boards.get(of(metric, BoardPeriod.PREV_MONTH)), id);
    return new Standing(id, metric, all.score(), all.rank(), month.score(), month.rank(),
        last == null ? 0 : last.score(), last == null ? null : last.rank());
  }

  /** A participant's row of a reference board, or null. */
  static BoardEntry entryOf(List<BoardEntry> board, long id) {
    return board.stream().filter(e -> e.participantId() == id).findFirst().orElse(null);
  }
}
