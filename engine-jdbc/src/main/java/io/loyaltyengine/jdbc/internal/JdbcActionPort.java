package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.ActionPort;
import io.loyaltyengine.core.spi.ActionRecord;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.core.spi.TransientStorageException;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.jdbc.SqlDialect;
import io.loyaltyengine.rewards.ActionCounts;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.Update;

/**
 * Loyalty actions (table {@code loyalty_action}) and their counters ({@code action_count}).
 *
 * <h2>Counters</h2>
 * On PostgreSQL {@link #increment} is one statement ({@link Sql#PG_COUNTER_ADD_ONE}): an insert of the row at 1 that,
 * when the row exists, adds one to it instead ({@code ON CONFLICT DO UPDATE ... RETURNING count}). On H2 it is two:
 * the counter's row is created at 0 if absent ({@code MERGE ... WHEN NOT MATCHED}), then one {@code SELECT count FROM
 * FINAL TABLE (UPDATE ... SET count = count + 1)} returns the new value. Either way the change is made under the
 * row lock to the latest committed value, so concurrent increments of one counter, from any number of threads or
 * instances, queue on that lock and each returns a distinct value. The count is never read into Java and written
 * back.
 *
 * {@link #incrementForAction} is one such statement for all four counters of an action on PostgreSQL.
 *
 * <p>On H2 a creation that meets another transaction's uncommitted creation fails with a unique violation, which is
 * ignored (the row exists). If that other creation then rolls back, the update finds no row: the increment creates
 * the row again and retries, a few times at most, and then reports a transient failure so that the engine retries
 * the unit of work. (PostgreSQL's statement waits for the other creation and goes on past a rollback by itself.)
 *
 * <p>Not thread-safe: confined to its transaction.
 */
final class JdbcActionPort extends JdbcPort implements ActionPort {
  private static final int COUNTER_ATTEMPTS = 3;

  JdbcActionPort(Handle handle, Sql sql) {
    super(handle, sql);
  }

  @Override
  public void insert(ActionRecord a) {
    Objects.requireNonNull(a, "action");
    Objects.requireNonNull(a.counts(), "counts");
    run("action insert", UniqueKey.ACTION_IDEMPOTENCY_KEY,
        () -> bindAction(handle.createUpdate(sql.actionInsert()), a).execute());
  }

  /**
   * PostgreSQL: the action and its event in one statement ({@link Sql#actionAndEventInsert}); the event's tenant,
   * campaign and participant must be the action's.
   *
   * @throws UniqueViolationException with {@link UniqueKey#ACTION_IDEMPOTENCY_KEY} if the key is taken
   */
  void insertWithEvent(ActionRecord a, EventRecord e) {
    run("action insert with its event", UniqueKey.ACTION_IDEMPOTENCY_KEY,
        () -> withEvent(sql.actionAndEventInsert(), a, e).execute());
  }

  /**
   * PostgreSQL: as {@link #insertWithEvent}, then COMMIT, sent together
   * ({@link JdbcTransaction#commitWithDeferredRows}). Not translated: a failure here is the commit's, which the
   * storage judges.
   */
  void insertWithEventAndCommit(ActionRecord a, EventRecord e) {
    withEvent(sql.actionAndEventInsertAndCommit(), a, e).execute();
  }

  /** Whether {@code e} can share {@link Sql#actionAndEventInsert} with {@code a}: the parameters they share agree. */
  static boolean sameKeys(ActionRecord a, EventRecord e) {
    return a.tenantId() == e.tenantId() && Objects.equals(a.campaignId(), e.campaignId())
        && Objects.equals(a.participantId(), e.participantId());
  }

  private Update withEvent(String statement, ActionRecord a, EventRecord e) {
    Objects.requireNonNull(a.counts(), "counts");
    if (!sameKeys(a, e)) {
      throw new IllegalArgumentException("the event's tenant, campaign and participant must be the action's");
    }
    return JdbcEventPort.bindEventOwnFields(bindAction(handle.createUpdate(statement), a), e);
  }

  private static <S extends SqlStatement<S>> S bindAction(S statement, ActionRecord a) {
    return statement.bind("tenantId", a.tenantId())
        .bind("actionId", a.actionId())
        .bind("campaignId", a.campaignId())
        .bind("participantId", a.participantId())
        .bind("campaignRewardId", a.campaignRewardId())
        .bind("source", JdbcRewardPort.name(a.source()))
        .bind("metadata", MetadataJson.write(a.metadata()))
        .bind("invitedParticipantId", a.invitedParticipantId())
        .bind("idempotencyKey", a.idempotencyKey())
        .bind("participantCreated", a.participantCreated())
        .bind("allTime", a.counts().allTime())
        .bind("currentMonth", a.counts().currentMonth())
        .bind("previousMonth", a.counts().previousMonth())
        .bind("rewardAllTime", a.counts().rewardAllTime())
        .bind("rewardCurrentMonth", a.counts().rewardCurrentMonth())
        .bind("recordedAt", Rows.timestamp(a.recordedAt()));
  }

  @Override
  public Optional<ActionRecord> findByIdempotencyKey(long tenantId, String idempotencyKey) {
    return run("action find by idempotency key", () -> handle.createQuery(Sql.ACTION_FIND_BY_KEY)
        .bind("tenantId", tenantId)
        .bind("idempotencyKey", idempotencyKey)
        .map(Rows.ACTION)
        .findOne());
  }

  /**
   * On PostgreSQL one statement ({@link Sql#PG_ACTION_COUNTERS_ADD_ONE}), the previous month's total included; on H2
   * four increments and a read.
   */
  @Override
  public ActionIncrements incrementForAction(long tenantId, long campaignId, long participantId,
      long campaignRewardId, int month, int previousMonth, Instant at) {
    ActionIncrements.requireFour(campaignRewardId, month, previousMonth);
    Objects.requireNonNull(at, "at");
    if (sql.dialect() != SqlDialect.POSTGRESQL) {
      return ActionPort.super.incrementForAction(tenantId, campaignId, participantId, campaignRewardId, month,
          previousMonth, at);
    }
    // The four counters, then the previous month's total (0 when it has no row).
    long[] values = new long[5];
    List<Integer> rows = run("action counters increment",
        () -> counter(handle.createQuery(Sql.PG_ACTION_COUNTERS_ADD_ONE), tenantId, participantId, campaignRewardId,
            month)
        .bind("campaignId", campaignId)
        .bind("previousMonth", previousMonth)
        .bind("at", Rows.timestamp(at))
        .map((rs, ctx) -> {
          // RETURNING gives no order: each row says which counter it is (the months differ, so the read one too).
          int yearMonth = rs.getInt("year_month");
          int which = yearMonth == previousMonth ? 4
              : (rs.getLong("campaign_reward_id") == 0 ? 0 : 2) + (yearMonth == 0 ? 0 : 1);
          values[which] = rs.getLong("count");
          return which;
        })
        .list());
    Set<Integer> distinct = new HashSet<>(rows);
    distinct.remove(4);
    if (distinct.size() != 4 || rows.size() != 4 + (rows.contains(4) ? 1 : 0)) {
      throw new IllegalStateException("four action counters were to be incremented, the database returned "
          + rows);
    }
    return new ActionIncrements(values[0], values[1], values[2], values[3], values[4]);
  }

  @Override
  public long increment(long tenantId, long campaignId, long participantId, long campaignRewardId, int month,
      Instant at) {
    Objects.requireNonNull(at, "at");
    if (sql.dialect() == SqlDialect.POSTGRESQL) {
      return run("action counter increment", () -> counter(handle.createQuery(Sql.PG_COUNTER_ADD_ONE),
          tenantId, participantId, campaignRewardId, month)
          .bind("campaignId", campaignId)
          .bind("at", Rows.timestamp(at))
          .mapTo(Long.class)
          .one());
    }
    for (int attempt = 0; attempt < COUNTER_ATTEMPTS; attempt++) {
      runInsertIfAbsent("action counter create", () -> counter(handle.createUpdate(Sql.H2_COUNTER_CREATE),
          tenantId, participantId, campaignRewardId, month)
          .bind("campaignId", campaignId)
          .bind("at", Rows.timestamp(at))
          .execute());
      Optional<Long> value = run("action counter increment", () -> counter(handle.createQuery(Sql.H2_COUNTER_INCREMENT),
          tenantId, participantId, campaignRewardId, month)
          .bind("at", Rows.timestamp(at))
          .mapTo(Long.class)
          .findOne());
      if (value.isPresent()) {
        return value.get();
      }
    }
    throw new TransientStorageException("an action counter was rolled back by another transaction while it was "
        + "incremented; retry the unit of work", null);
  }

  /** Binds a counter's key. */
  private static <S extends SqlStatement<S>> S counter(S statement, long tenantId, long participantId,
      long campaignRewardId, int month) {
    return statement.bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .bind("campaignRewardId", campaignRewardId)
        .bind("month", month);
  }

  @Override
  public long count(long tenantId, long participantId, long campaignRewardId, int month) {
    return run("action counter find", () -> counter(handle.createQuery(Sql.COUNTER_FIND),
        tenantId, participantId, campaignRewardId, month)
        .mapTo(Long.class)
        .findOne()
        .orElse(0L));
  }

  /** One statement ({@link Sql#COUNTERS_FIND}), so that its five values are of one snapshot. */
  @Override
  public ActionCounts counts(long tenantId, long participantId, long campaignRewardId, int month,
      int previousMonth) {
    long[] values = new long[5]; // all time, month, previous month, reward all time, reward month
    run("action counters find", () -> handle.createQuery(Sql.COUNTERS_FIND)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .bind("campaignRewardId", campaignRewardId)
        .bind("month", month)
        .bind("previousMonth", previousMonth)
        .map((rs, ctx) -> {
          long reward = rs.getLong("campaign_reward_id");
          int yearMonth = rs.getInt("year_month");
          long count = rs.getLong("count");
          if (reward == 0) {
            values[yearMonth == 0 ? 0 : yearMonth == month ? 1 : 2] = count;
          }
          if (reward == campaignRewardId && yearMonth != previousMonth) {
            values[yearMonth == 0 ? 3 : 4] = count;
          }
          return count;
        })
        .list());
    return new ActionCounts(values[0], values[1], values[2], values[3], values[4]);
  }

  @Override
  public long campaignActions(long tenantId, long campaignId) {
    return run("action campaign total", () -> handle.createQuery(Sql.COUNTER_CAMPAIGN_ACTIONS)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .mapTo(Long.class)
        .one());
  }

  @Override
  public void deleteAll(long tenantId, long participantId) {
    run("action delete", () -> handle.createUpdate(Sql.ACTION_DELETE_ALL)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .execute());
    run("action counter delete", () -> handle.createUpdate(Sql.COUNTER_DELETE_ALL)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .execute());
  }
}
