package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.BoardScore;
import io.loyaltyengine.core.spi.LeaderboardPort;
import io.loyaltyengine.core.spi.PointsIncrement;
import io.loyaltyengine.core.spi.ScoreChange;
import io.loyaltyengine.core.spi.TransientStorageException;
import io.loyaltyengine.jdbc.SqlDialect;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.MonthWinners;
import java.time.Instant;
import java.time.YearMonth;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.Update;

/**
 * Board scores read from the counters ({@code action_count}, {@code points_count}), points counters, removals from
 * the boards ({@code board_removal}) and closed months' winners ({@code month_winners}, {@code month_winner}).
 *
 * <h2>Boards</h2>
 * A board is a query over the counters themselves: the campaign's participants (created before the cutoff) LEFT
 * JOINed to their counter of the board's month, score {@code COALESCE(counter, 0)}, in board order
 * {@code score DESC, participant_id ASC}, a page continuing after its keyset with
 * {@code score < :s OR (score = :s AND participant_id > :id)}. Nothing is copied or reset when a month ends: a
 * counter belongs to its month. {@link #countAbove} is the SQL rank ({@code COUNT(*) + 1} of members scoring more);
 * for a score of 0 or more it walks only the counters above it, on the counters' board index. {@link #scan} streams
 * the board with a fetch size, so a million members are never held at once (PostgreSQL needs the transaction the
 * port runs in to use a cursor).
 *
 * <h2>Points counters</h2>
 * {@link #addPoints} never reads the counter into Java: on PostgreSQL one {@code INSERT ... ON CONFLICT DO UPDATE}
 * adds to it under the row lock; on H2 one {@code MERGE} does the same, and only if another transaction created the
 * counter between the MERGE's look and its insert (a unique violation, which H2 rolls back alone) is the counter
 * created at 0 if absent, then added to by one {@code UPDATE}, retried as the action counters are. The change's time
 * never moves back ({@code GREATEST}), so catching up from a time never misses a later change.
 *
 * <h2>Removals and winners</h2>
 * {@link #recordRemoval} inserts the removal if absent and deletes the participant's points counters (its action
 * counters go with {@code ActionPort.deleteAll}). {@link #insertWinners} inserts the month's header if absent (the
 * key decides between instances: on PostgreSQL a second insert waits for the first and does nothing; on H2 it fails
 * with a unique violation, which is ignored) and, only when it inserted it, the rows.
 *
 * <p>Not thread-safe: confined to its transaction.
 */
final class JdbcLeaderboardPort extends JdbcPort implements LeaderboardPort {
  /** Rows fetched at a time while a board is scanned. */
  static final int SCAN_FETCH_SIZE = 1_000;
  private static final int COUNTER_ATTEMPTS = 3;

  JdbcLeaderboardPort(Handle handle, Sql sql) {
    super(handle, sql);
  }

  @Override
  public void addPoints(long tenantId, long campaignId, long participantId, int month, long points, Instant at) {
    PointsIncrement increment = new PointsIncrement(tenantId, campaignId, participantId, month, points, at);
    try {
      bindIncrement(handle.createUpdate(sql.pointsUpsert()), increment).execute();
      return;
    } catch (JdbiException e) {
      if (sql.dialect() != SqlDialect.H2 || !SqlErrors.isUniqueViolation(e)) {
        throw SqlErrors.translate("points counter add", e);
      }
      // H2: another transaction created the counter between the MERGE's look and its insert (H2 rolled back only
      // that statement). Create-if-absent, then add.
    }
    for (int attempt = 0; attempt < COUNTER_ATTEMPTS; attempt++) {
      runInsertIfAbsent("points counter create", () -> handle.createUpdate(sql.pointsCounterCreate())
          .bind("tenantId", tenantId)
          .bind("participantId", participantId)
          .bind("month", month)
          .bind("campaignId", campaignId)
          .bind("at", Rows.timestamp(at))
          .execute());
      int rows = run("points counter add", () -> handle.createUpdate(Sql.POINTS_ADD)
          .bind("tenantId", tenantId)
          .bind("participantId", participantId)
          .bind("month", month)
          .bind("points", points)
          .bind("at", Rows.timestamp(at))
          .execute());
      if (rows > 0) {
        return;
      }
    }
    throw new TransientStorageException("a points counter was rolled back by another transaction while it was "
        + "added to; retry the unit of work", null);
  }

  /**
   * On H2, several counters each named once in one {@code MERGE} from bound arrays ({@link Sql#H2_POINTS_UPSERT_ALL});
   * otherwise one JDBC batch of upserts ({@code INSERT ... ON CONFLICT} on PostgreSQL, {@code MERGE} on H2).
   */
  @Override
  public void addPointsAll(List<PointsIncrement> increments) {
    if (increments.isEmpty()) {
      return;
    }
    try {
      if (sql.dialect() == SqlDialect.H2 && increments.size() > 1 && distinctCounters(increments)) {
        bindIncrements(handle.createUpdate(Sql.H2_POINTS_UPSERT_ALL), increments, sql.dialect()).execute();
        return;
      }
      PreparedBatch batch = handle.prepareBatch(sql.pointsUpsert());
      for (PointsIncrement i : increments) {
        bindIncrement(batch, i).add();
      }
      batch.execute();
    } catch (JdbiException e) {
      if (sql.dialect() != SqlDialect.H2 || !SqlErrors.isUniqueViolation(e)) {
        throw SqlErrors.translate("points counter add batch", e);
      }
      // H2 rolled back only the statements that failed, and which ones is not reliably reported: retry the unit of
      // work, which then finds the counters created.
      throw new TransientStorageException("a points counter was created by another transaction during a batch; "
          + "retry the unit of work", SqlErrors.redacted(e));
    }
  }

  /** Binds every field of {@code c} as an array, {@code :cTenant} to {@code :cAt}. */
  static Update bindIncrements(Update statement, List<PointsIncrement> c, SqlDialect dialect) {
    return statement.bind("cTenant", SqlArray.bigint(c, PointsIncrement::tenantId))
        .bind("cParticipant", SqlArray.bigint(c, PointsIncrement::participantId))
        .bind("cMonth", SqlArray.integer(c, PointsIncrement::month))
        .bind("cCampaign", SqlArray.bigint(c, PointsIncrement::campaignId))
        .bind("cPoints", SqlArray.bigint(c, PointsIncrement::points))
        .bind("cAt", SqlArray.times(dialect, c, PointsIncrement::at));
  }

  /** Whether each counter is named once: a MERGE must not match a counter twice. */
  private static boolean distinctCounters(List<PointsIncrement> increments) {
    Set<CounterKey> seen = new HashSet<>();
    for (PointsIncrement i : increments) {
      if (!seen.add(new CounterKey(i.tenantId(), i.participantId(), i.month()))) {
        return false;
      }
    }
    return true;
  }

  private record CounterKey(long tenantId, long participantId, int month) {
  }

  private static <S extends SqlStatement<S>> S bindIncrement(S statement, PointsIncrement i) {
    return statement.bind("tenantId", i.tenantId())
        .bind("participantId", i.participantId())
        .bind("month", i.month())
        .bind("campaignId", i.campaignId())
        .bind("points", i.points())
        .bind("at", Rows.timestamp(i.at()));
  }

  @Override
  public void scan(long tenantId, long campaignId, BoardMetric metric, int month, Instant createdBefore,
      ScoreSink sink) {
    Objects.requireNonNull(sink, "sink");
    String statement = "SELECT p.participant_id, " + Sql.boardScore(metric) + " AS score, p.created_at"
        + Sql.boardFrom(metric) + Sql.BOARD_WHERE_CAMPAIGN + (createdBefore != null ? Sql.BOARD_AND_CREATED_BEFORE : "");
    run("board scan", () -> members(statement, tenantId, campaignId, month, createdBefore)
        .setFetchSize(SCAN_FETCH_SIZE)
        .reduceResultSet(null, (nothing, rs, ctx) -> {
          sink.accept(rs.getLong("participant_id"), rs.getLong("score"), Rows.instant(rs, "created_at"));
          return null;
        }));
  }

  @Override
  public List<BoardScore> page(long tenantId, long campaignId, BoardMetric metric, int month, Instant createdBefore,
      Long afterScore, Long afterId, int limit) {
    if ((afterScore == null) != (afterId == null)) {
      throw new IllegalArgumentException("afterScore and afterId must be given together (a keyset) or not at all");
    }
    checkLimit(limit);
    String score = Sql.boardScore(metric);
    String statement = "SELECT p.participant_id, " + score + " AS score, p.created_at" + Sql.boardFrom(metric)
        + Sql.BOARD_WHERE_CAMPAIGN + (createdBefore != null ? Sql.BOARD_AND_CREATED_BEFORE : "")
        + (afterScore != null ? " AND (" + score + " < :afterScore OR (" + score + " = :afterScore"
            + " AND p.participant_id > :afterId))" : "")
        + " ORDER BY score DESC, p.participant_id LIMIT :limit";
    return run("board page", () -> {
      Query query = members(statement, tenantId, campaignId, month, createdBefore).bind("limit", limit);
      if (afterScore != null) {
        query.bind("afterScore", afterScore.longValue()).bind("afterId", afterId.longValue());
      }
      return query.map(Rows.BOARD_SCORE).list();
    });
  }

  @Override
  public long countAbove(long tenantId, long campaignId, BoardMetric metric, int month, Instant createdBefore,
      long score) {
    String cutoff = createdBefore != null ? Sql.BOARD_AND_CREATED_BEFORE : "";
    if (score < 0) {
      // Scores are never negative: every member is above.
      return run("board count", () -> bindCutoff(handle.createQuery(Sql.BOARD_COUNT_MEMBERS + cutoff)
          .bind("tenantId", tenantId)
          .bind("campaignId", campaignId), createdBefore)
          .mapTo(Long.class)
          .one());
    }
    return run("board count above", () -> bindCutoff(handle.createQuery(Sql.boardCountAbove(metric) + cutoff)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .bind("month", month)
        .bind("score", score), createdBefore)
        .mapTo(Long.class)
        .one());
  }

  @Override
  public Optional<BoardScore> score(long tenantId, long participantId, BoardMetric metric, int month) {
    String statement = "SELECT p.participant_id, " + Sql.boardScore(metric) + " AS score, p.created_at"
        + Sql.boardFrom(metric) + Sql.BOARD_WHERE_PARTICIPANT;
    return run("board score", () -> handle.createQuery(statement)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .bind("month", month)
        .map(Rows.BOARD_SCORE)
        .findOne());
  }

  /** One query per {@value JdbcPort#IN_LIST_SIZE} ids. */
  @Override
  public List<BoardScore> scores(long tenantId, Collection<Long> participantIds, BoardMetric metric, int month) {
    String statement = "SELECT p.participant_id, " + Sql.boardScore(metric) + " AS score, p.created_at"
        + Sql.boardFrom(metric) + Sql.BOARD_WHERE_PARTICIPANTS;
    return inSlices(new TreeSet<>(participantIds), ids -> run("board scores", () -> handle.createQuery(statement)
        .bind("tenantId", tenantId)
        .bindList("participantIds", ids)
        .bind("month", month)
        .map(Rows.BOARD_SCORE)
        .list()));
  }

  @Override
  public List<ScoreChange> changedSince(long tenantId, long campaignId, List<Integer> months, Instant since,
      int limit) {
    Objects.requireNonNull(since, "since");
    checkLimit(limit);
    if (months.isEmpty() || limit == 0) {
      return List.of();
    }
    return run("board changes", () -> handle.createQuery(Sql.BOARD_CHANGED_SINCE)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .bindArray("months", Integer.class, List.copyOf(months))
        .bind("since", Rows.timestamp(since))
        .bind("limit", limit)
        .map((rs, ctx) -> new ScoreChange(rs.getLong("participant_id"), Rows.boardMetric(rs.getString("metric")),
            rs.getInt("year_month"), rs.getLong("score"), Rows.instant(rs, "updated_at")))
        .list());
  }

  @Override
  public List<BoardScore> createdSince(long tenantId, long campaignId, Instant since, int limit) {
    Objects.requireNonNull(since, "since");
    checkLimit(limit);
    return run("board members created", () -> handle.createQuery(Sql.BOARD_CREATED_SINCE)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .bind("since", Rows.timestamp(since))
        .bind("limit", limit)
        .map((rs, ctx) -> new BoardScore(rs.getLong("participant_id"), 0, Rows.instant(rs, "created_at")))
        .list());
  }

  @Override
  public void recordRemoval(long tenantId, long campaignId, long participantId, Instant at) {
    Objects.requireNonNull(at, "at");
    runInsertIfAbsent("board removal insert", () -> handle.createUpdate(sql.removalInsertIfAbsent())
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .bind("participantId", participantId)
        .bind("removedAt", Rows.timestamp(at))
        .execute());
    // The participant is gone: its points counters go too, as ActionPort.deleteAll takes its action counters.
    run("points counter delete", () -> handle.createUpdate(Sql.POINTS_DELETE_ALL)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .execute());
  }

  @Override
  public List<Long> removedSince(long tenantId, long campaignId, Instant since, int limit) {
    Objects.requireNonNull(since, "since");
    checkLimit(limit);
    return run("board removals", () -> handle.createQuery(Sql.BOARD_REMOVED_SINCE)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .bind("since", Rows.timestamp(since))
        .bind("limit", limit)
        .mapTo(Long.class)
        .list());
  }

  @Override
  public boolean insertWinners(long tenantId, MonthWinners winners) {
    Objects.requireNonNull(winners, "winners");
    Objects.requireNonNull(winners.metric(), "metric");
    Objects.requireNonNull(winners.recordedAt(), "recordedAt");
    int month = month(winners.month());
    int inserted = runInsertIfAbsent("month winners insert", () -> handle.createUpdate(sql.winnersInsertIfAbsent())
        .bind("tenantId", tenantId)
        .bind("campaignId", winners.campaignId())
        .bind("metric", winners.metric().name())
        .bind("yearMonth", month)
        .bind("recordedAt", Rows.timestamp(winners.recordedAt()))
        .execute());
    if (inserted == 0) {
      return false;
    }
    if (!winners.winners().isEmpty()) {
      run("month winner insert", () -> {
        PreparedBatch batch = handle.prepareBatch(Sql.WINNER_INSERT);
        int position = 1;
        for (BoardEntry entry : winners.winners()) {
          batch.bind("tenantId", tenantId)
              .bind("campaignId", winners.campaignId())
              .bind("metric", winners.metric().name())
              .bind("month", month)
              .bind("position", position++)
              .bind("participantId", entry.participantId())
              .bind("score", entry.score())
              .bind("rank", entry.rank())
              .add();
        }
        return batch.execute();
      });
    }
    return true;
  }

  @Override
  public Optional<MonthWinners> findWinners(long tenantId, long campaignId, BoardMetric metric, int month) {
    Objects.requireNonNull(metric, "metric");
    Optional<Instant> recordedAt = run("month winners find", () -> handle.createQuery(Sql.WINNERS_FIND)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .bind("metric", metric.name())
        .bind("month", month)
        .map((rs, ctx) -> Rows.instant(rs, "recorded_at"))
        .findOne());
    if (recordedAt.isEmpty()) {
      return Optional.empty();
    }
    List<BoardEntry> rows = run("month winner list", () -> handle.createQuery(Sql.WINNER_LIST)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .bind("metric", metric.name())
        .bind("month", month)
        .map((rs, ctx) -> new BoardEntry(rs.getLong("participant_id"), rs.getLong("score"), rs.getLong("rank")))
        .list());
    return Optional.of(new MonthWinners(campaignId, metric, YearMonth.of(month / 100, month % 100), rows,
        recordedAt.get()));
  }

  /** A board's members query with its common parameters bound. */
  private Query members(String statement, long tenantId, long campaignId, int month, Instant createdBefore) {
    return bindCutoff(handle.createQuery(statement)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .bind("month", month), createdBefore);
  }

  private static Query bindCutoff(Query query, Instant createdBefore) {
    return createdBefore != null ? query.bind("createdBefore", Rows.timestamp(createdBefore)) : query;
  }

  /** {@code year * 100 + month}, as the counters' months. */
  private static int month(YearMonth month) {
    Objects.requireNonNull(month, "month");
    return Math.addExact(Math.multiplyExact(month.getYear(), 100), month.getMonthValue());
  }
}
