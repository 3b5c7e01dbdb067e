package io.loyaltyengine.core.spi;

import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.MonthWinners;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Board scores, read from the counters the features write, plus each closed month's winners.
 *
 * <h2>Boards</h2>
 * A board is (campaign, metric, month), {@code month} 0 being all time and otherwise {@code year * 100 + month} in
 * the campaign's zone (as {@link ActionPort}). Its members are the campaign's participants created before
 * {@code createdBefore} (all of them when null); a member's score is its counter on that board, 0 without one:
 * ACTIONS reads the action counters of campaign reward 0, POINTS the points counters below. Board order is score
 * descending, then participant id ascending.
 *
 * <h2>Points counters</h2>
 * {@link #addPoints} keeps, per participant, the points awarded all time (month 0) and per month, in the same unit of
 * work as the award; deductions never lower them.
 *
 * <h2>Catching up</h2>
 * Every counter row carries the time of its last change (the latest time its changes were given, by the engine's
 * clock), and every participant deletion leaves a removal row, so an index can read what changed since a time
 * ({@link #changedSince}, {@link #removedSince}, and new members through {@link #createdSince}); each returns the
 * oldest changes first, so a reader cut off by {@code limit} continues from the last time it saw.
 *
 * <p>Not thread-safe: obtained from a {@link Transaction}, and used only on its unit of work's thread while it runs.
 */
public interface LeaderboardPort {
  /** Adds awarded points to a participant's counter of a month (0: all time), creating it at 0 (atomic). */
  void addPoints(long tenantId, long campaignId, long participantId, int month, long points, Instant at);

  /**
   * As {@link #addPoints} for each increment, in order; a store may send them in one batch. Bulk imports use it, with
   * the increments of a chunk summed per counter.
   */
  default void addPointsAll(List<PointsIncrement> increments) {
    for (PointsIncrement i : increments) {
      addPoints(i.tenantId(), i.campaignId(), i.participantId(), i.month(), i.points(), i.at());
    }
  }

  /** Every member of a board with its score, in no particular order (to build an index). */
  void scan(long tenantId, long campaignId, BoardMetric metric, int month, Instant createdBefore, ScoreSink sink);

  /**
   * Members of a board after the keyset ({@code afterScore}, {@code afterId}) in board order (from the first when
   * both are null), at most {@code limit}.
   */
  List<BoardScore> page(long tenantId, long campaignId, BoardMetric metric, int month, Instant createdBefore,
      Long afterScore, Long afterId, int limit);

  /** How many members of a board have a score strictly above {@code score}. */
  long countAbove(long tenantId, long campaignId, BoardMetric metric, int month, Instant createdBefore, long score);

  /** A member's score on a board (0 without a counter); empty if the participant is not one of the tenant's. */
  Optional<BoardScore> score(long tenantId, long participantId, BoardMetric metric, int month);

  /**
   * The scores on a board of the tenant's participants with any of these ids (0 without a counter), each once, in no
   * particular order; ids without a participant are left out. As {@link #score} for each id; a store may read them
   * in one query.
   */
  default List<BoardScore> scores(long tenantId, Collection<Long> participantIds, BoardMetric metric, int month) {
    List<BoardScore> found = new ArrayList<>();
    for (long id : new TreeSet<>(participantIds)) {
      score(tenantId, id, metric, month).ifPresent(found::add);
    }
    return found;
  }

  /**
   * Counters of a campaign changed at or after {@code since}, of the given months (0 included if asked), at most
   * {@code limit}.
   */
  List<ScoreChange> changedSince(long tenantId, long campaignId, List<Integer> months, Instant since, int limit);

  /** Participants of a campaign created at or after {@code since}, with score 0, at most {@code limit}. */
  List<BoardScore> createdSince(long tenantId, long campaignId, Instant since, int limit);

  /**
   * Records that a participant left its campaign's boards (deleted), so other instances' indexes drop it, and deletes
   * its points counters (its action counters go with {@link ActionPort#deleteAll}). A second removal keeps the first.
   */
  void recordRemoval(long tenantId, long campaignId, long participantId, Instant at);

  /** Participants of a campaign removed at or after {@code since}, at most {@code limit}. */
  List<Long> removedSince(long tenantId, long campaignId, Instant since, int limit);

  /**
   * Records a closed month's winners unless recorded already (insert-if-absent on (tenant, campaign, metric, month)).
   *
   * @return whether they were recorded now
   */
  boolean insertWinners(long tenantId, MonthWinners winners);

  /** The recorded winners of a month. */
  Optional<MonthWinners> findWinners(long tenantId, long campaignId, BoardMetric metric, int month);

  /** Receives board members while a board is scanned; called only on the thread running the scan. */
  @FunctionalInterface
  interface ScoreSink {
    /** One member. */
    void accept(long participantId, long score, Instant createdAt);
  }
}
