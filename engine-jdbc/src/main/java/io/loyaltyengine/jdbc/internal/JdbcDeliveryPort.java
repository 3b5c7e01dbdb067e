package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.ClaimedDelivery;
import io.loyaltyengine.core.spi.DeliveryPort;
import io.loyaltyengine.core.spi.DeliveryRecord;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.events.DeliveryStatus;
import io.loyaltyengine.jdbc.SqlDialect;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * Deliveries in table {@code event_delivery}.
 *
 * <h2>Claiming</h2>
 * {@link #claim} is one unit of work: a {@code SELECT ... FOR UPDATE} of the claimable rows
 * ({@link Sql#deliveryClaim(boolean)}: the DeliveryPort rule in SQL, in its order, limited; the skipped subscribers,
 * bound as one array, filtered out before the turns are ranked), an update that leases each selected row to the
 * claimer, and a read of their events by id. Only delivery rows are locked, never events, so instances claiming
 * different subscribers of one event do not meet.
 *
 * <p>On PostgreSQL, which refuses {@code FOR UPDATE} beside the window function that ranks turns, the select is two:
 * the candidates' keys, turn by turn, four per delivery asked, read without a lock; then the first of them still
 * claimable, locked in that order ({@link Sql#DELIVERY_LOCK_CANDIDATES}), skipping rows another transaction holds
 * ({@code SKIP LOCKED}): concurrent claimers take disjoint rows without waiting. A row leased and committed by another
 * claimer after the candidates were read is re-checked when it is locked (READ COMMITTED re-evaluates the condition
 * on the newest row version), fails the lease condition and is left out, so a delivery is never leased twice. On H2
 * the select waits for such rows instead (see {@link Sql#deliveryClaim(boolean)}) and then re-reads them, with the
 * same outcome.
 *
 * <h2>Overdue webhook deliveries</h2>
 * {@link #parkOverdueWebhooks} picks its rows due first first, at most the limit, through
 * {@code ix_event_delivery_claim} ({@code status, next_attempt_at}), each with the evidence of its endpoint's failure
 * (none of its deliveries DELIVERED, one PARKED, since the row was due) read through {@code ix_event_delivery_outcome}
 * ({@code tenant_id, subscriber, status, updated_at}, V18; partial on PostgreSQL), and parks them with a re-check,
 * so that a row leased meanwhile is left. On PostgreSQL that is one {@code UPDATE} whose materialized
 * subquery locks the rows {@code FOR UPDATE SKIP LOCKED} (a claim's rows in progress, and another instance's parking
 * at the same time, are passed by). On H2 a {@code SELECT ... FOR UPDATE} of their keys (waiting for a claim in
 * progress, then re-reading) and a conditional update per key, in one JDBC batch: the update with the subquery inside
 * parked fewer rows than it picked.
 *
 * <h2>After an attempt</h2>
 * {@link #reschedule} and {@link #park} are compare-and-set updates ({@code ... AND status = 'PENDING' AND
 * lease_owner = ?}): an instance whose lease ran out and was taken over changes nothing. {@link #delivered} is
 * unconditional: a success is always recorded.
 *
 * <p>Not thread-safe: confined to its transaction.
 */
final class JdbcDeliveryPort extends JdbcPort implements DeliveryPort {
  /** Every subscriber of a webhook endpoint is named {@code webhook:<endpoint id>}. */
  private static final String WEBHOOK_PATTERN = "webhook:%";
  /**
   * On PostgreSQL, candidates read per delivery claimed: enough for four instances claiming at once each to find a
   * full batch past the rows the others lock.
   */
  private static final int CANDIDATES_PER_DELIVERY = 4;
  /** The most reads of a page of a subscriber's deliveries with their events (see {@link #listForSubscriber}). */
  private static final int LIST_READS = 3;

  JdbcDeliveryPort(Handle handle, Sql sql) {
    super(handle, sql);
  }

  @Override
  public void create(DeliveryRecord d) {
    Objects.requireNonNull(d, "delivery");
    runInsertIfAbsent("delivery create", () -> bindDelivery(handle.createUpdate(sql.deliveryCreate()), d).execute());
  }

  /**
   * One JDBC batch: one statement prepared and sent for the whole list. The dispatcher creates a batch's deliveries
   * with the tenant's feed locked, so no other transaction inserts them meanwhile (on H2, where a concurrent insert
   * of the same delivery fails rather than waits, {@link #create} takes that failure as the delivery existing).
   */
  @Override
  public void createAll(List<DeliveryRecord> deliveries) {
    Objects.requireNonNull(deliveries, "deliveries");
    if (deliveries.isEmpty()) {
      return;
    }
    run("delivery create all", () -> {
      PreparedBatch batch = handle.prepareBatch(sql.deliveryCreate());
      for (DeliveryRecord d : deliveries) {
        bindDelivery(batch, Objects.requireNonNull(d, "delivery")).add();
      }
      return batch.execute();
    });
  }

  private static <S extends SqlStatement<S>> S bindDelivery(S statement, DeliveryRecord d) {
    return statement.bind("tenantId", d.tenantId())
        .bind("eventId", d.eventId())
        .bind("subscriber", d.subscriber())
        .bind("participantId", d.participantId())
        .bind("sequence", d.sequence())
        .bind("position", d.position())
        .bind("status", d.status().name())
        .bind("attempts", d.attempts())
        .bind("nextAttemptAt", Rows.timestamp(d.nextAttemptAt()))
        .bind("leaseOwner", d.leaseOwner())
        .bind("leaseUntil", Rows.timestamp(d.leaseUntil()))
        .bind("lastError", d.lastError())
        .bind("updatedAt", Rows.timestamp(d.updatedAt()));
  }

  @Override
  public List<ClaimedDelivery> claim(Set<String> listeners, boolean webhooks, Set<String> skipped, Instant now,
      String owner, Instant leaseUntil, int limit) {
    Objects.requireNonNull(listeners, "listeners");
    Objects.requireNonNull(skipped, "skipped");
    DeliveryPort.checkSkipped(skipped);
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(leaseUntil, "leaseUntil");
    if (checkLimit(limit) == 0 || listeners.isEmpty() && !webhooks) {
      return List.of();
    }
    boolean candidatesFirst = sql.dialect() == SqlDialect.POSTGRESQL;
    List<DeliveryRecord> claimable = run("delivery claim", () -> {
      var query = handle.createQuery(sql.deliveryClaim(webhooks))
          .bind("now", Rows.timestamp(now))
          .bindArray("listeners", String.class, List.copyOf(listeners))
          .bindArray("skipped", String.class, List.copyOf(skipped))
          .bind("limit", candidatesFirst ? limit * CANDIDATES_PER_DELIVERY : limit);
      if (webhooks) {
        query.bind("webhookPattern", WEBHOOK_PATTERN);
      }
      if (!candidatesFirst) {
        return query.map(Rows.DELIVERY).list();
      }
      List<DeliveryKey> candidates = query.map((rs, ctx) -> new DeliveryKey(rs.getLong("tenant_id"),
          rs.getLong("event_id"), rs.getString("subscriber"))).list();
      if (candidates.isEmpty()) {
        return List.<DeliveryRecord>of();
      }
      return handle.createQuery(Sql.DELIVERY_LOCK_CANDIDATES)
          .bind("tenantIds", SqlArray.bigint(candidates, DeliveryKey::tenantId))
          .bind("eventIds", SqlArray.bigint(candidates, DeliveryKey::eventId))
          .bind("subscribers", SqlArray.text(candidates, DeliveryKey::subscriber))
          .bind("keys", SqlArray.text(candidates, k -> k.tenantId() + ":" + k.eventId() + ":" + k.subscriber()))
          .bind("now", Rows.timestamp(now))
          .bind("limit", limit)
          .map(Rows.DELIVERY).list();
    });
    if (claimable.isEmpty()) {
      return List.of();
    }
    run("delivery lease", () -> {
      PreparedBatch batch = handle.prepareBatch(Sql.DELIVERY_LEASE);
      for (DeliveryRecord d : claimable) {
        batch.bind("owner", owner)
            .bind("leaseUntil", Rows.timestamp(leaseUntil))
            .bind("now", Rows.timestamp(now))
            .bind("tenantId", d.tenantId())
            .bind("eventId", d.eventId())
            .bind("subscriber", d.subscriber())
            .add();
      }
      return batch.execute();
    });
    Instant until = Rows.micros(leaseUntil);
    Instant updatedAt = Rows.micros(now);
    List<DeliveryRecord> leased = new ArrayList<>(claimable.size());
    for (DeliveryRecord d : claimable) {
      leased.add(new DeliveryRecord(d.tenantId(), d.eventId(), d.subscriber(), d.participantId(), d.sequence(),
          d.position(), d.status(), d.attempts(), d.nextAttemptAt(), owner, until, d.lastError(), updatedAt));
    }
    return withEvents(leased);
  }

  /** A delivery's key: a candidate of a claim on PostgreSQL. */
  private record DeliveryKey(long tenantId, long eventId, String subscriber) {
  }

  @Override
  public void delivered(long tenantId, long eventId, String subscriber, Instant now) {
    Objects.requireNonNull(now, "now");
    run("delivery delivered", () -> key(handle.createUpdate(Sql.DELIVERY_DELIVERED), tenantId, eventId, subscriber)
        .bind("now", Rows.timestamp(now))
        .execute());
  }

  @Override
  public boolean reschedule(long tenantId, long eventId, String subscriber, String owner, int attempts,
      Instant nextAttemptAt, String lastError, Instant now) {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
    Objects.requireNonNull(now, "now");
    int rows = run("delivery reschedule", () -> key(handle.createUpdate(Sql.DELIVERY_RESCHEDULE), tenantId, eventId,
        subscriber)
        .bind("owner", owner)
        .bind("attempts", attempts)
        .bind("nextAttemptAt", Rows.timestamp(nextAttemptAt))
        .bind("lastError", lastError)
        .bind("now", Rows.timestamp(now))
        .execute());
    return rows > 0;
  }

  @Override
  public boolean park(long tenantId, long eventId, String subscriber, String owner, int attempts, String lastError,
      Instant now) {
    Objects.requireNonNull(now, "now");
    String statement = owner == null ? Sql.DELIVERY_PARK : Sql.DELIVERY_PARK + Sql.DELIVERY_AND_OWNER;
    int rows = run("delivery park", () -> {
      var update = key(handle.createUpdate(statement), tenantId, eventId, subscriber)
          .bind("attempts", attempts)
          .bind("lastError", lastError)
          .bind("now", Rows.timestamp(now));
      if (owner != null) {
        update.bind("owner", owner);
      }
      return update.execute();
    });
    return rows > 0;
  }

  @Override
  public int parkOverdueWebhooks(Instant dueBefore, String lastError, Instant now, int limit) {
    Objects.requireNonNull(dueBefore, "dueBefore");
    Objects.requireNonNull(now, "now");
    if (checkLimit(limit) == 0) {
      return 0;
    }
    if (sql.dialect() == SqlDialect.POSTGRESQL) {
      return run("delivery park overdue", () -> handle.createUpdate(sql.deliveryParkOverdue())
          .bind("lastError", lastError)
          .bind("now", Rows.timestamp(now))
          .bind("dueBefore", Rows.timestamp(dueBefore))
          .bind("webhookPattern", WEBHOOK_PATTERN)
          .bind("limit", limit)
          .execute());
    }
    List<DeliveryKey> picked = run("delivery overdue", () -> handle.createQuery(sql.deliveryParkOverdue())
        .bind("now", Rows.timestamp(now))
        .bind("dueBefore", Rows.timestamp(dueBefore))
        .bind("webhookPattern", WEBHOOK_PATTERN)
        .bind("limit", limit)
        .map((rs, ctx) -> new DeliveryKey(rs.getLong("tenant_id"), rs.getLong("event_id"), rs.getString("subscriber")))
        .list());
    if (picked.isEmpty()) {
      return 0;
    }
    int[] rows = run("delivery park overdue", () -> {
      PreparedBatch batch = handle.prepareBatch(Sql.DELIVERY_PARK_OVERDUE_KEY);
      for (DeliveryKey k : picked) {
        batch.bind("lastError", lastError)
            .bind("now", Rows.timestamp(now))
            .bind("dueBefore", Rows.timestamp(dueBefore))
            .bind("webhookPattern", WEBHOOK_PATTERN)
            .bind("tenantId", k.tenantId())
            .bind("eventId", k.eventId())
            .bind("subscriber", k.subscriber())
            .add();
      }
      return batch.execute();
    });
    int parked = 0;
    for (int n : rows) {
      parked += n;
    }
    return parked;
  }

  @Override
  public List<ClaimedDelivery> parked(String subscriber, Long tenantId, Long afterEventId, int limit) {
    Objects.requireNonNull(subscriber, "subscriber");
    StringBuilder statement = new StringBuilder(Sql.DELIVERY_PARKED);
    if (tenantId != null) {
      statement.append(Sql.DELIVERY_AND_TENANT);
    }
    if (afterEventId != null) {
      statement.append(Sql.DELIVERY_AND_AFTER_EVENT);
    }
    statement.append(tenantId != null ? Sql.DELIVERY_PARKED_OF_TENANT_ORDER : Sql.DELIVERY_PARKED_ORDER);
    List<DeliveryRecord> rows = run("delivery parked", () -> {
      var query = handle.createQuery(statement.toString())
          .bind("subscriber", subscriber)
          .bind("limit", checkLimit(limit));
      if (tenantId != null) {
        query.bind("tenantId", tenantId.longValue());
      }
      if (afterEventId != null) {
        query.bind("afterEventId", afterEventId.longValue());
      }
      return query.map(Rows.DELIVERY).list();
    });
    return withEvents(rows);
  }

  /**
   * One statement ({@link Sql#deliveriesOfSubscriber(DeliveryStatus, boolean)}), then the events by id, as
   * {@link #parked} reads them. Unlike the parked ones, the DELIVERED deliveries it lists may be pruned with their
   * events between the two statements when they run at READ COMMITTED (in a host's transaction): the page is read
   * again then, and no longer lists them.
   */
  @Override
  public List<ClaimedDelivery> listForSubscriber(long tenantId, String subscriber, DeliveryStatus status,
      Long beforeEventId, int limit) {
    Objects.requireNonNull(subscriber, "subscriber");
    checkLimit(limit);
    for (int read = 1; ; read++) {
      List<DeliveryRecord> rows = run("delivery list", () -> {
        var query = handle.createQuery(sql.deliveriesOfSubscriber(status, beforeEventId != null))
            .bind("tenantId", tenantId)
            .bind("subscriber", subscriber)
            .bind("limit", limit);
        if (beforeEventId != null) {
          query.bind("beforeEventId", beforeEventId.longValue());
        }
        return query.map(Rows.DELIVERY).list();
      });
      Map<Long, Map<Long, EventRecord>> events = eventsOf(rows);
      // Each read again follows a pruning that committed between the two statements; a few are plenty, and past
      // them a missing event is reported as withEvents reports it.
      if (read == LIST_READS || rows.stream().allMatch(d -> events.get(d.tenantId()).containsKey(d.eventId()))) {
        return withEvents(rows, events);
      }
    }
  }

  @Override
  public boolean replay(long tenantId, long eventId, String subscriber, Instant now) {
    Objects.requireNonNull(now, "now");
    int rows = run("delivery replay", () -> key(handle.createUpdate(Sql.DELIVERY_REPLAY), tenantId, eventId,
        subscriber)
        .bind("now", Rows.timestamp(now))
        .execute());
    return rows > 0;
  }

  @Override
  public void deleteAll(long tenantId, String subscriber) {
    Objects.requireNonNull(subscriber, "subscriber");
    run("delivery delete", () -> handle.createUpdate(Sql.DELIVERY_DELETE_ALL)
        .bind("tenantId", tenantId)
        .bind("subscriber", subscriber)
        .execute());
  }

  private static <S extends SqlStatement<S>> S key(S statement, long tenantId,
      long eventId, String subscriber) {
    return statement.bind("tenantId", tenantId)
        .bind("eventId", eventId)
        .bind("subscriber", Objects.requireNonNull(subscriber, "subscriber"));
  }

  /** The deliveries with their events, in the deliveries' order: one read per tenant among them. */
  private List<ClaimedDelivery> withEvents(List<DeliveryRecord> deliveries) {
    return withEvents(deliveries, eventsOf(deliveries));
  }

  /** The events of the deliveries, by tenant and id: one read per tenant among them. */
  private Map<Long, Map<Long, EventRecord>> eventsOf(List<DeliveryRecord> deliveries) {
    Map<Long, List<Long>> idsByTenant = new LinkedHashMap<>();
    for (DeliveryRecord d : deliveries) {
      idsByTenant.computeIfAbsent(d.tenantId(), t -> new ArrayList<>()).add(d.eventId());
    }
    Map<Long, Map<Long, EventRecord>> events = new HashMap<>();
    for (Map.Entry<Long, List<Long>> tenant : idsByTenant.entrySet()) {
      List<EventRecord> found = run("delivery events", () -> handle.createQuery(Sql.EVENT_FIND_ALL)
          .bind("tenantId", tenant.getKey().longValue())
          .bindArray("eventIds", Long.class, tenant.getValue())
          .map(Rows.EVENT)
          .list());
      Map<Long, EventRecord> byId = new HashMap<>();
      for (EventRecord e : found) {
        byId.put(e.eventId(), e);
      }
      events.put(tenant.getKey(), byId);
    }
    return events;
  }

  /** The deliveries with their events, read by {@link #eventsOf}, in the deliveries' order. */
  private static List<ClaimedDelivery> withEvents(List<DeliveryRecord> deliveries,
      Map<Long, Map<Long, EventRecord>> events) {
    List<ClaimedDelivery> result = new ArrayList<>(deliveries.size());
    for (DeliveryRecord d : deliveries) {
      EventRecord event = events.get(d.tenantId()).get(d.eventId());
      if (event == null) {
        // The foreign key makes this impossible unless the schema was changed by hand.
        throw new StorageException("a delivery's event is missing from event_outbox", null);
      }
      result.add(new ClaimedDelivery(d, event));
    }
    return List.copyOf(result);
  }
}
