package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.BalanceChange;
import io.loyaltyengine.core.spi.LedgerPort;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.points.LedgerEntry;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.SqlStatement;

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
  public Optional<BalanceChange> credit(long tenantId, long participantId, long amount) {
    requireNotNegative(amount);
    // Both totals must stay <= Long.MAX_VALUE: total + amount <= MAX  <=>  total <= MAX - amount.
    long ceiling = Long.MAX_VALUE - amount;
    return run("ledger credit", () -> handle.createQuery(sql.credit())
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .bind("amount", amount)
        .bind("ceiling", ceiling)
        .map(Rows.BALANCE_CHANGE)
        .findOne());
  }

  @Override
  public Optional<BalanceChange> debit(long tenantId, long participantId, long amount) {
    requireNotNegative(amount);
    return run("ledger debit", () -> handle.createQuery(sql.debit())
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .bind("amount", amount)
        .map(Rows.BALANCE_CHANGE)
        .findOne());
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

  /** One JDBC batch. */
  @Override
  public void appendAll(List<LedgerEntry> entries) {
    if (entries.isEmpty()) {
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
        .bind("createdAt", Rows.timestamp(e.createdAt()));
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
