package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.EventPort;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.core.spi.PruneCursor;
import io.loyaltyengine.core.spi.PruneStep;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.jdbc.SqlDialect;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.Update;

/**
 * The outbox (table {@code event_outbox}), the feeds' positions ({@code event_feed}) and each participant's event
 * counter (column {@code participant.event_sequence}).
 *
 * <h2>Sequences</h2>
 * {@link #nextSequence} (and {@link #nextSequenceInCampaign}) is one conditional
 * {@code UPDATE ... SET event_sequence = event_sequence + 1} that returns the new value ({@code RETURNING} on
 * PostgreSQL, {@code FINAL TABLE} on H2): it takes the participant's row lock, so concurrent events of one
 * participant are numbered in the order their transactions reach the row.
 *
 * <h2>Positions</h2>
 * {@link #lockFeed} creates the tenant's {@code event_feed} row if needed (an insert that does nothing when the row
 * exists) and reads it {@code FOR UPDATE}; that row lock serializes positioning per tenant until the transaction
 * ends. {@link #lastPosition} reads the same row without the lock (0 without a row).
 *
 * <h2>Pruning</h2>
 * {@link #prune} reads its step of the walk first, each event with whether an undelivered delivery holds it, and then
 * deletes each free one by key (its DELIVERED deliveries, then the event if no delivery is left), so the deliveries
 * and the events deleted are the same set even when deliveries change meanwhile, and the delivery's foreign key to
 * its event always holds.
 *
 * <p>Not thread-safe: confined to its transaction.
 */
final class JdbcEventPort extends JdbcPort implements EventPort {
  /** A cursor before every event: earlier than any time an engine positions an event at, and the lowest ids. */
  private static final PruneCursor FIRST =
      new PruneCursor(Instant.parse("0001-01-01T00:00:00Z"), Long.MIN_VALUE, Long.MIN_VALUE);

  JdbcEventPort(Handle handle, Sql sql) {
    super(handle, sql);
  }

  @Override
  public long nextSequence(long tenantId, long participantId) {
    return run("event sequence", () -> handle.createQuery(sql.nextSequence())
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .mapTo(Long.class)
        .findOne()
        .orElse(0L));
  }

  @Override
  public long nextSequenceInCampaign(long tenantId, long participantId, long campaignId) {
    return run("event sequence", () -> handle.createQuery(sql.nextSequenceInCampaign())
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .bind("campaignId", campaignId)
        .mapTo(Long.class)
        .findOne()
        .orElse(0L));
  }

  @Override
  public void append(EventRecord e) {
    Objects.requireNonNull(e, "event");
    run("event append", () -> bindEvent(handle.createUpdate(sql.eventInsert()), e).execute());
  }

  /**
   * On H2, several events in one statement from bound arrays ({@link Sql#H2_EVENT_INSERT_ALL}); otherwise one JDBC
   * batch (PostgreSQL writes the engine's points events with {@code JdbcLedgerPort.appendPointsRowsAtOnce}).
   */
  @Override
  public void appendAll(List<EventRecord> events) {
    if (events.isEmpty()) {
      return;
    }
    if (sql.dialect() == SqlDialect.H2 && events.size() > 1) {
      run("event append all",
          () -> bindEvents(handle.createUpdate(Sql.H2_EVENT_INSERT_ALL), events, sql.dialect()).execute());
      return;
    }
    run("event append batch", () -> {
      PreparedBatch batch = handle.prepareBatch(sql.eventInsert());
      for (EventRecord e : events) {
        bindEvent(batch, e).add();
      }
      return batch.execute();
    });
  }

  /** Binds every field of {@code v} as an array, {@code :vTenant} to {@code :vPayload}. */
  static Update bindEvents(Update statement, List<EventRecord> v, SqlDialect dialect) {
    return statement.bind("vTenant", SqlArray.bigint(v, EventRecord::tenantId))
        .bind("vId", SqlArray.bigint(v, EventRecord::eventId))
        .bind("vType", SqlArray.text(v, x -> x.type().wireName()))
        .bind("vCampaign", SqlArray.bigint(v, EventRecord::campaignId))
        .bind("vParticipant", SqlArray.bigint(v, EventRecord::participantId))
        .bind("vSequence", SqlArray.bigint(v, EventRecord::sequence))
        .bind("vOccurred", SqlArray.times(dialect, v, EventRecord::occurredAt))
        .bind("vVersion", SqlArray.integer(v, EventRecord::schemaVersion))
        .bind("vPosition", SqlArray.bigint(v, EventRecord::position))
        .bind("vPayload", SqlArray.text(v, EventRecord::payload));
  }

  private static <S extends SqlStatement<S>> S bindEvent(S statement, EventRecord e) {
    return bindEventOwnFields(statement.bind("tenantId", e.tenantId())
        .bind("campaignId", e.campaignId())
        .bind("participantId", e.participantId()), e);
  }

  /** Binds an event's fields but its tenant, campaign and participant (bound by a statement it shares them with). */
  static <S extends SqlStatement<S>> S bindEventOwnFields(S statement, EventRecord e) {
    return statement.bind("eventId", e.eventId())
        .bind("type", e.type().wireName())
        .bind("sequence", e.sequence())
        .bind("occurredAt", Rows.timestamp(e.occurredAt()))
        .bind("schemaVersion", e.schemaVersion())
        .bind("position", e.position())
        .bind("payload", e.payload());
  }

  @Override
  public List<Long> tenantsWithUnpositionedEvents(long afterTenantId, int limit) {
    checkLimit(limit);
    if (limit == 0 || afterTenantId == Long.MAX_VALUE) {
      return List.of();
    }
    return run("event tenants with unpositioned events",
        () -> handle.createQuery(Sql.EVENT_TENANTS_UNPOSITIONED)
            .bind("fromTenantId", afterTenantId + 1)
            .bind("limit", limit)
            .mapTo(Long.class)
            .list());
  }

  @Override
  public long lockFeed(long tenantId) {
    runInsertIfAbsent("event feed create", () -> handle.createUpdate(sql.feedCreate())
        .bind("tenantId", tenantId)
        .execute());
    return run("event feed lock", () -> handle.createQuery(Sql.FEED_LOCK)
        .bind("tenantId", tenantId)
        .mapTo(Long.class)
        .one());
  }

  @Override
  public List<EventRecord> unpositioned(long tenantId, int limit) {
    return run("event unpositioned", () -> handle.createQuery(Sql.EVENT_UNPOSITIONED)
        .bind("tenantId", tenantId)
        .bind("limit", checkLimit(limit))
        .map(Rows.EVENT)
        .list());
  }

  @Override
  public void position(long tenantId, long eventId, long position, Instant positionedAt) {
    Objects.requireNonNull(positionedAt, "positionedAt");
    run("event position", () -> handle.createUpdate(Sql.EVENT_POSITION)
        .bind("tenantId", tenantId)
        .bind("eventId", eventId)
        .bind("position", position)
        .bind("positionedAt", Rows.timestamp(positionedAt))
        .execute());
  }

  /** One JDBC batch: one statement prepared and sent for the whole list. */
  @Override
  public void positionAll(long tenantId, List<Long> eventIds, long firstPosition, Instant positionedAt) {
    Objects.requireNonNull(eventIds, "eventIds");
    Objects.requireNonNull(positionedAt, "positionedAt");
    if (eventIds.isEmpty()) {
      return;
    }
    run("event position all", () -> {
      PreparedBatch batch = handle.prepareBatch(Sql.EVENT_POSITION);
      for (int i = 0; i < eventIds.size(); i++) {
        batch.bind("tenantId", tenantId)
            .bind("eventId", eventIds.get(i).longValue())
            .bind("position", firstPosition + i)
            .bind("positionedAt", Rows.timestamp(positionedAt))
            .add();
      }
      return batch.execute();
    });
  }

  @Override
  public void advanceFeed(long tenantId, long lastPosition) {
    run("event feed advance", () -> handle.createUpdate(Sql.FEED_ADVANCE)
        .bind("tenantId", tenantId)
        .bind("lastPosition", lastPosition)
        .execute());
  }

  @Override
  public long lastPosition(long tenantId) {
    return run("event feed last position", () -> handle.createQuery(Sql.FEED_LAST_POSITION)
        .bind("tenantId", tenantId)
        .mapTo(Long.class)
        .findOne()
        .orElse(0L));
  }

  @Override
  public List<EventRecord> feed(long tenantId, long afterPosition, Set<EventType> types, Long campaignId,
      int limit) {
    Objects.requireNonNull(types, "types");
    StringBuilder statement = new StringBuilder(Sql.EVENT_FEED);
    if (!types.isEmpty()) {
      statement.append(Sql.EVENT_AND_TYPES);
    }
    if (campaignId != null) {
      statement.append(Sql.EVENT_AND_CAMPAIGN);
    }
    statement.append(Sql.EVENT_ORDER_BY_POSITION_LIMIT);
    int checkedLimit = checkLimit(limit);
    if (afterPosition == Long.MAX_VALUE) {
      return List.of();
    }
    return run("event feed", () -> {
      var query = handle.createQuery(statement.toString())
          .bind("tenantId", tenantId)
          // One past the cursor; unpositioned events (position 0) are never in the feed, whatever the cursor.
          .bind("fromPosition", Math.max(afterPosition, 0) + 1)
          .bind("limit", checkedLimit);
      if (!types.isEmpty()) {
        query.bindArray("types", String.class, Rows.wireNameList(types));
      }
      if (campaignId != null) {
        query.bind("campaignId", campaignId.longValue());
      }
      return query.map(Rows.EVENT).list();
    });
  }

  @Override
  public Optional<EventRecord> find(long tenantId, long eventId) {
    return run("event find", () -> handle.createQuery(Sql.EVENT_FIND)
        .bind("tenantId", tenantId)
        .bind("eventId", eventId)
        .map(Rows.EVENT)
        .findOne());
  }

  @Override
  public PruneStep prune(Instant before, PruneCursor after, int limit) {
    Objects.requireNonNull(before, "before");
    PruneCursor from = after != null ? after : FIRST;
    List<Examined> examined = run("event prune", () -> handle.createQuery(Sql.EVENT_PRUNE_WALK)
        .bind("before", Rows.timestamp(before))
        .bind("afterAt", Rows.timestamp(from.positionedAt()))
        .bind("afterTenantId", from.tenantId())
        .bind("afterEventId", from.eventId())
        .bind("limit", checkLimit(limit))
        .map((rs, ctx) -> new Examined(new PruneCursor(Rows.instant(rs, "positioned_at"), rs.getLong("tenant_id"),
            rs.getLong("event_id")), rs.getString("held_by") != null))
        .list());
    List<PruneCursor> prunable = examined.stream().filter(e -> !e.held()).map(Examined::event).toList();
    int count = 0;
    if (!prunable.isEmpty()) {
      run("event prune deliveries", () -> byKey(Sql.EVENT_PRUNE_DELIVERIES, prunable).execute());
      int[] deleted = run("event prune events", () -> byKey(Sql.EVENT_PRUNE_EVENT, prunable).execute());
      for (int rows : deleted) {
        count += Math.max(rows, 0);
      }
    }
    return new PruneStep(examined.size(), count, examined.isEmpty() ? null : examined.get(examined.size() - 1).event());
  }

  private PreparedBatch byKey(String statement, List<PruneCursor> keys) {
    PreparedBatch batch = handle.prepareBatch(statement);
    for (PruneCursor key : keys) {
      batch.bind("tenantId", key.tenantId()).bind("eventId", key.eventId()).add();
    }
    return batch;
  }

  /** An event a step of pruning examined, and whether an undelivered delivery holds it. */
  private record Examined(PruneCursor event, boolean held) {
  }
}
