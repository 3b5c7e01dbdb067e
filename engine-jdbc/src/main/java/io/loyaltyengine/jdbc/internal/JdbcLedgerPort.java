package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.BalanceAdjustment;
import io.loyaltyengine.core.spi.LedgerPort;
import io.loyaltyengine.core.spi.LockedParticipant;
import io.loyaltyengine.core.spi.PointsRows;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.jdbc.SqlDialect;
import io.loyaltyengine.points.LedgerEntry;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.Update;

/**
 * Balances (columns of {@code participant}) and the ledger (table {@code ledger_entry}).
 *
 * <h2>Balance changes</h2>
 * A credit or debit is one conditional {@code UPDATE} that returns the changed row ({@code RETURNING} on
 * PostgreSQL, a {@code FINAL TABLE} on H2): the database checks the bound (no overdraft, no overflow) and applies the
 * change under the row lock it takes, so concurrent changes of one participant, from any number of threads or
 * instances, serialize on that lock and none is lost. The balance is never read into Java and written back.
 *
 * <p>Not thread-safe: confined to its transaction.
 */
final class JdbcLedgerPort extends JdbcPort implements LedgerPort {
  JdbcLedgerPort(Handle handle, Sql sql) {
    super(handle, sql);
  }

  @Override
  public Optional<LockedParticipant> credit(long tenantId, long participantId, long amount) {
    requireNotNegative(amount);
    // Both totals must stay <= Long.MAX_VALUE: total + amount <= MAX  <=>  total <= MAX - amount.
    long ceiling = Long.MAX_VALUE - amount;
    return run("ledger credit", () -> handle.createQuery(sql.credit())
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .bind("amount", amount)
        .bind("ceiling", ceiling)
        .map(Rows.LOCKED_PARTICIPANT)
        .findOne());
  }

  @Override
  public Optional<LockedParticipant> debit(long tenantId, long participantId, long amount) {
    requireNotNegative(amount);
    return run("ledger debit", () -> handle.createQuery(sql.debit())
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .bind("amount", amount)
        .map(Rows.LOCKED_PARTICIPANT)
        .findOne());
  }

  /**
   * One statement from bound arrays when several participants are each named once ({@link #adjustAllAtOnce}),
   * otherwise one JDBC batch; every update must match its row.
   */
  @Override
  public void adjustAll(List<BalanceAdjustment> adjustments) {
    if (adjustments.isEmpty()) {
      return;
    }
    if (adjustments.size() > 1 && distinctParticipants(adjustments)) {
      adjustAllAtOnce(adjustments);
      return;
    }
    int[] counts = run("ledger adjust batch", () -> {
      PreparedBatch batch = handle.prepareBatch(Sql.BALANCE_ADJUST);
      for (BalanceAdjustment a : adjustments) {
        batch.bind("tenantId", a.tenantId())
            .bind("participantId", a.participantId())
            .bind("balanceDelta", a.balanceDelta())
            .bind("lifetimeDelta", a.lifetimeDelta())
            .bind("events", a.events())
            .add();
      }
      return batch.execute();
    });
    for (int count : counts) {
      // SUCCESS_NO_INFO (-2): the driver does not report counts of a batch; the rows were locked by the caller.
      if (count == 0) {
        throw new IllegalStateException(ADJUST_REFUSED);
      }
    }
  }

  private static final String ADJUST_REFUSED = "an adjusted participant is missing or its balance would go below zero";

  /**
   * Every adjustment in one statement: PostgreSQL's {@code UPDATE ... FROM unnest(...)}
   * ({@link Sql#PG_BALANCE_ADJUST_ALL}), one round trip instead of one per participant, and H2's
   * {@code MERGE ... USING UNNEST(...)} ({@link Sql#H2_BALANCE_ADJUST_ALL}), one statement run instead of one per
   * participant. Either changes a row once however many source rows match it, so this form is only used when each
   * participant is named once (the engine's bulk path names each once); otherwise the batch applies them in order.
   */
  private void adjustAllAtOnce(List<BalanceAdjustment> a) {
    String statement = sql.dialect() == SqlDialect.H2 ? Sql.H2_BALANCE_ADJUST_ALL : Sql.PG_BALANCE_ADJUST_ALL;
    int updated = run("ledger adjust", () -> handle.createUpdate(statement)
        .bind("tenantIds", SqlArray.bigint(a, BalanceAdjustment::tenantId))
        .bind("participantIds", SqlArray.bigint(a, BalanceAdjustment::participantId))
        .bind("balanceDeltas", SqlArray.bigint(a, BalanceAdjustment::balanceDelta))
        .bind("lifetimeDeltas", SqlArray.bigint(a, BalanceAdjustment::lifetimeDelta))
        .bind("events", SqlArray.bigint(a, BalanceAdjustment::events))
        .execute());
    if (updated != a.size()) {
      throw new IllegalStateException(ADJUST_REFUSED);
    }
  }

  private static boolean distinctParticipants(List<BalanceAdjustment> adjustments) {
    Set<ParticipantKey> seen = new HashSet<>();
    for (BalanceAdjustment a : adjustments) {
      if (!seen.add(new ParticipantKey(a.tenantId(), a.participantId()))) {
        return false;
      }
    }
    return true;
  }

  private record ParticipantKey(long tenantId, long participantId) {
  }

  /**
   * PostgreSQL: the entries, events and counter additions in one statement ({@link Sql#PG_POINTS_ROWS_INSERT}),
   * each set bound as arrays ({@link PointsRows} names each counter once, as ON CONFLICT needs).
   */
  void appendPointsRowsAtOnce(PointsRows rows) {
    appendPointsRowsAtOnce(rows, Sql.PG_POINTS_ROWS_INSERT);
  }

  /**
   * PostgreSQL: as {@link #appendPointsRowsAtOnce(PointsRows)}, then COMMIT, sent together: one round trip for the
   * rows and the commit ({@link JdbcTransaction#commitWithDeferredRows}). Not translated: a failure here is the
   * commit's, which the storage judges.
   */
  void appendPointsRowsAndCommit(PointsRows rows) {
    pointsRowsStatement(rows, Sql.PG_POINTS_ROWS_INSERT_AND_COMMIT).execute();
  }

  private void appendPointsRowsAtOnce(PointsRows rows, String statement) {
    if (rows.entries().isEmpty() && rows.events().isEmpty() && rows.increments().isEmpty()) {
      return;
    }
    run("ledger append with events and counters", UniqueKey.LEDGER_IDEMPOTENCY_KEY,
        () -> pointsRowsStatement(rows, statement).execute());
  }

  private Update pointsRowsStatement(PointsRows rows, String statement) {
    Update update = bindEntries(handle.createUpdate(statement), rows.entries(), sql.dialect());
    JdbcEventPort.bindEvents(update, rows.events(), sql.dialect());
    return JdbcLeaderboardPort.bindIncrements(update, rows.increments(), sql.dialect());
  }

  /** Binds every field of {@code e} as an array, {@code :eTenant} to {@code :eRequested}. */
  private static Update bindEntries(Update statement, List<LedgerEntry> e, SqlDialect dialect) {
    return statement.bind("eTenant", SqlArray.bigint(e, LedgerEntry::tenantId))
        .bind("eId", SqlArray.bigint(e, LedgerEntry::id))
        .bind("eParticipant", SqlArray.bigint(e, LedgerEntry::participantId))
        .bind("eCampaign", SqlArray.bigint(e, LedgerEntry::campaignId))
        .bind("eKind", SqlArray.text(e, x -> x.kind().name()))
        .bind("eAmount", SqlArray.bigint(e, LedgerEntry::amount))
        .bind("eType", SqlArray.text(e, LedgerEntry::type))
        .bind("eDescription", SqlArray.text(e, LedgerEntry::description))
        .bind("eKey", SqlArray.text(e, LedgerEntry::idempotencyKey))
        .bind("eBalance", SqlArray.bigint(e, LedgerEntry::balanceAfter))
        .bind("eCreated", SqlArray.times(dialect, e, LedgerEntry::createdAt))
        .bind("eRequested", SqlArray.bigint(e, LedgerEntry::requestedAmount));
  }

  private static void requireNotNegative(long amount) {
    if (amount < 0) {
      throw new IllegalArgumentException("amount must not be negative but was " + amount);
    }
  }

  @Override
  public void append(LedgerEntry e) {
    run("ledger append", UniqueKey.LEDGER_IDEMPOTENCY_KEY,
        () -> bindEntry(handle.createUpdate(Sql.LEDGER_INSERT), e).execute());
  }

  /**
   * On H2, several entries in one statement from bound arrays ({@link Sql#H2_LEDGER_INSERT_ALL}); otherwise one JDBC
   * batch (PostgreSQL writes the engine's entries with {@link #appendPointsRowsAtOnce}).
   */
  @Override
  public void appendAll(List<LedgerEntry> entries) {
    if (entries.isEmpty()) {
      return;
    }
    if (sql.dialect() == SqlDialect.H2 && entries.size() > 1) {
      run("ledger append all", UniqueKey.LEDGER_IDEMPOTENCY_KEY,
          () -> bindEntries(handle.createUpdate(Sql.H2_LEDGER_INSERT_ALL), entries, sql.dialect()).execute());
      return;
    }
    run("ledger append batch", UniqueKey.LEDGER_IDEMPOTENCY_KEY, () -> {
      PreparedBatch batch = handle.prepareBatch(Sql.LEDGER_INSERT);
      for (LedgerEntry e : entries) {
        bindEntry(batch, e).add();
      }
      return batch.execute();
    });
  }

  private static <S extends SqlStatement<S>> S bindEntry(S statement, LedgerEntry e) {
    return statement.bind("tenantId", e.tenantId())
        .bind("entryId", e.id())
        .bind("participantId", e.participantId())
        .bind("campaignId", e.campaignId())
        .bind("kind", e.kind().name())
        .bind("amount", e.amount())
        .bind("type", e.type())
        .bind("description", e.description())
        .bind("idempotencyKey", e.idempotencyKey())
        .bind("balanceAfter", e.balanceAfter())
        .bind("createdAt", Rows.timestamp(e.createdAt()))
        .bind("requestedAmount", e.requestedAmount());
  }

  /** One query per {@value JdbcPort#IN_LIST_SIZE} keys. */
  @Override
  public List<LedgerEntry> findByIdempotencyKeys(long tenantId, Collection<String> idempotencyKeys) {
    return inSlices(idempotencyKeys, keys -> run("ledger find by idempotency keys",
        () -> handle.createQuery(Sql.LEDGER_FIND_BY_KEYS)
            .bind("tenantId", tenantId)
            .bindList("keys", keys)
            .map(Rows.LEDGER_ENTRY)
            .list()));
  }

  @Override
  public Optional<LedgerEntry> findByIdempotencyKey(long tenantId, String idempotencyKey) {
    return run("ledger find by idempotency key", () -> handle.createQuery(Sql.LEDGER_FIND_BY_KEY)
        .bind("tenantId", tenantId)
        .bind("idempotencyKey", idempotencyKey)
        .map(Rows.LEDGER_ENTRY)
        .findOne());
  }

  @Override
  public List<LedgerEntry> history(long tenantId, long participantId, Long beforeId, int limit) {
    String statement = Sql.LEDGER_HISTORY + (beforeId == null ? "" : Sql.LEDGER_AND_BEFORE) + Sql.LEDGER_ORDER_LIMIT;
    return run("ledger history", () -> {
      var query = handle.createQuery(statement)
          .bind("tenantId", tenantId)
          .bind("participantId", participantId)
          .bind("limit", limit);
      if (beforeId != null) {
        query.bind("beforeId", beforeId.longValue());
      }
      return query.map(Rows.LEDGER_ENTRY).list();
    });
  }

  @Override
  public void deleteAll(long tenantId, long participantId) {
    run("ledger delete", () -> handle.createUpdate(Sql.LEDGER_DELETE_ALL)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .execute());
  }
}
