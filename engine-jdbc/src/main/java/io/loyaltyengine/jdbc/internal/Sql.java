package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.events.DeliveryStatus;
import io.loyaltyengine.jdbc.SqlDialect;
import io.loyaltyengine.leaderboard.BoardMetric;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Every SQL statement of the storage, for one dialect: the one place to read when asking what the engine does to the
 * database. The dialects differ only where standard SQL gives no common form (returning the row an UPDATE changed,
 * binding a JSON column, inserting a row unless it exists, an upsert) and in how deliveries are claimed, coupon
 * codes looked up, counted and assigned, and referral stats and points counters added (see
 * {@link #deliveryClaim(boolean)}, {@link #couponExisting()}, {@link #couponCountAfter()}, {@link #couponAssignNext()},
 * {@link #referralStatsUpsert()} and {@link #pointsUpsert()});
 * everything else is shared.
 *
 * <p>Every value is a bound parameter. The few statements with optional filters are assembled from the constant
 * fragments below, never from input.
 *
 * <p>Immutable and thread-safe.
 */
public final class Sql {

  static final String TENANT_INSERT =
      "INSERT INTO tenant (tenant_id, name, type, created_at, plan)"
      + " VALUES (:tenantId, :name, :type, :createdAt, :plan)";
  static final String TENANT_FIND =
      "SELECT tenant_id, name, type, created_at, plan FROM tenant WHERE tenant_id = :tenantId";
  static final String TENANT_UPDATE_PLAN = "UPDATE tenant SET plan = :plan WHERE tenant_id = :tenantId";

  static final String API_KEY_COLUMNS = "tenant_id, key_id, name, scopes, hint, secret_hash, created_at, revoked_at";
  static final String API_KEY_INSERT = "INSERT INTO api_key (" + API_KEY_COLUMNS + ") VALUES (:tenantId, :keyId,"
      + " :name, :scopes, :hint, :secretHash, :createdAt, :revokedAt)";
  static final String API_KEY_FIND =
      "SELECT " + API_KEY_COLUMNS + " FROM api_key WHERE tenant_id = :tenantId AND key_id = :keyId";
  static final String API_KEY_LIST = "SELECT " + API_KEY_COLUMNS + " FROM api_key WHERE tenant_id = :tenantId"
      + " ORDER BY created_at DESC, key_id DESC";
  static final String API_KEY_COUNT_LIVE =
      "SELECT COUNT(*) FROM api_key WHERE tenant_id = :tenantId AND revoked_at IS NULL";
  static final String API_KEY_REVOKE = "UPDATE api_key SET revoked_at = :at"
      + " WHERE tenant_id = :tenantId AND key_id = :keyId AND revoked_at IS NULL";
  static final String API_KEY_DELETE = "DELETE FROM api_key WHERE tenant_id = :tenantId AND key_id = :keyId";

  /** A tenant's bucket's debt refilled up to :now (RateBucket.lease): a clock behind refilled_at refills nothing. */
  private static final String RATE_BUCKET_REFILLED = "(CASE WHEN CAST(:now AS BIGINT) - refilled_at >= period_us"
      + " THEN 0 WHEN CAST(:now AS BIGINT) > refilled_at THEN GREATEST(0, debt - (CAST(:now AS BIGINT) - refilled_at)"
      + " * token_limit) ELSE debt END)";
  /** The tokens a lease takes: as many whole tokens as the refilled bucket has, at most :batch. */
  private static final String RATE_BUCKET_TAKEN = "LEAST(CAST(:batch AS BIGINT), (token_limit * period_us - "
      + RATE_BUCKET_REFILLED + ") / period_us)";
  /**
   * One lease of a tenant's shared bucket, in one conditional update: every SET expression reads the row as it was
   * (the refill), so concurrent leases serialize on the row lock and each sees the debt the previous one left.
   */
  static final String RATE_BUCKET_LEASE = "UPDATE rate_bucket SET debt = " + RATE_BUCKET_REFILLED + " + "
      + RATE_BUCKET_TAKEN + " * period_us, granted = " + RATE_BUCKET_TAKEN + ", refilled_at = GREATEST(refilled_at,"
      + " CAST(:now AS BIGINT)) WHERE tenant_id = :tenantId AND token_limit = :limit AND period_us = :period";

  static final String BRAND_COLUMNS = "tenant_id, brand_id, name, domain, created_at";
  static final String BRAND_INSERT = "INSERT INTO brand (" + BRAND_COLUMNS + ")"
      + " VALUES (:tenantId, :brandId, :name, :domain, :createdAt)";
  static final String BRAND_FIND =
      "SELECT " + BRAND_COLUMNS + " FROM brand WHERE tenant_id = :tenantId AND brand_id = :brandId";
  static final String BRAND_LIST =
      "SELECT " + BRAND_COLUMNS + " FROM brand WHERE tenant_id = :tenantId ORDER BY brand_id";
  /** A brand's name and domain, by one update: uq_brand_domain refuses a domain another brand of the tenant has. */
  private static final String BRAND_UPDATE = "UPDATE brand SET name = :name, domain = :domain"
      + " WHERE tenant_id = :tenantId AND brand_id = :brandId";

  static final String CAMPAIGN_COLUMNS =
      "tenant_id, campaign_id, brand_id, name, status, visibility, time_zone, created_at";
  static final String CAMPAIGN_INSERT = "INSERT INTO campaign (" + CAMPAIGN_COLUMNS + ")"
      + " VALUES (:tenantId, :campaignId, :brandId, :name, :status, :visibility, :timeZone, :createdAt)";
  static final String CAMPAIGN_FIND = "SELECT " + CAMPAIGN_COLUMNS
      + " FROM campaign WHERE tenant_id = :tenantId AND campaign_id = :campaignId";
  static final String CAMPAIGN_LIST_BY_BRAND = "SELECT " + CAMPAIGN_COLUMNS
      + " FROM campaign WHERE tenant_id = :tenantId AND brand_id = :brandId ORDER BY campaign_id";
  private static final String CAMPAIGN_UPDATE = "UPDATE campaign SET name = :name, visibility = :visibility"
      + " WHERE tenant_id = :tenantId AND campaign_id = :campaignId";
  static final String CAMPAIGN_UPDATE_STATUS = "UPDATE campaign SET status = :next"
      + " WHERE tenant_id = :tenantId AND campaign_id = :campaignId AND status = :expected";

  static final String PARTICIPANT_COLUMNS = "tenant_id, participant_id, campaign_id, email, email_sanitized,"
      + " first_name, last_name, ip_address, tier, metadata, points_balance, lifetime_points, created_at, updated_at,"
      + " risk_level, risk_reason";
  static final String PARTICIPANT_SELECT = "SELECT " + PARTICIPANT_COLUMNS + " FROM participant";
  static final String PARTICIPANT_FIND =
      PARTICIPANT_SELECT + " WHERE tenant_id = :tenantId AND participant_id = :participantId";
  static final String PARTICIPANT_LOCK = PARTICIPANT_FIND + " FOR UPDATE";
  /**
   * Locks the row unless another transaction holds it: no row then. H2's SKIP LOCKED misbehaves only with ORDER BY
   * and LIMIT (see {@link #deliveryClaim(boolean)}); a read by key has neither.
   */
  static final String PARTICIPANT_TRY_LOCK = "SELECT participant_id FROM participant"
      + " WHERE tenant_id = :tenantId AND participant_id = :participantId FOR UPDATE SKIP LOCKED";
  static final String PARTICIPANT_EXISTS = "SELECT participant_id FROM participant"
      + " WHERE tenant_id = :tenantId AND participant_id = :participantId";
  static final String PARTICIPANT_FIND_ALL = PARTICIPANT_SELECT
      + " WHERE tenant_id = :tenantId AND participant_id IN (<ids>) ORDER BY participant_id";
  static final String PARTICIPANT_FIND_ALL_BY_EMAIL = PARTICIPANT_SELECT
      + " WHERE tenant_id = :tenantId AND campaign_id = :campaignId AND email_sanitized IN (<emails>)";
  /** Rows locked in ascending id order, so that two such locks over overlapping sets never wait in a cycle. */
  static final String PARTICIPANT_LOCK_ALL = "SELECT " + PARTICIPANT_COLUMNS + ", event_sequence FROM participant"
      + " WHERE tenant_id = :tenantId AND participant_id IN (<ids>) ORDER BY participant_id FOR UPDATE";
  static final String PARTICIPANT_FIND_BY_EMAIL = PARTICIPANT_SELECT
      + " WHERE tenant_id = :tenantId AND campaign_id = :campaignId AND email_sanitized = :emailSanitized";
  static final String PARTICIPANT_DELETE =
      "DELETE FROM participant WHERE tenant_id = :tenantId AND participant_id = :participantId";
  static final String PARTICIPANT_COUNT = "SELECT COUNT(*) FROM participant";
  static final String PARTICIPANT_COUNT_IN_CAMPAIGNS =
      PARTICIPANT_COUNT + " WHERE tenant_id = :tenantId AND campaign_id IN (<campaignIds>)";
  /** The screening's level and reason; no profile column changes. */
  static final String PARTICIPANT_SET_RISK = "UPDATE participant SET risk_level = :riskLevel,"
      + " risk_reason = :riskReason WHERE tenant_id = :tenantId AND participant_id = :participantId";
  /** The filter every participant list starts with. */
  static final String PARTICIPANT_WHERE_CAMPAIGN = " WHERE tenant_id = :tenantId AND campaign_id = :campaignId";
  /**
   * A plain substring match: the pattern's {@code %}, {@code _} and {@code !} are escaped with {@code !}. Not with a
   * backslash: Jdbi's statement parser reads {@code \'} inside a quoted literal as an escaped quote, so a second
   * {@code ESCAPE '\'} in one statement hid the named parameters between the two from it.
   */
  static final String PARTICIPANT_AND_SEARCH = " AND search_text LIKE :pattern ESCAPE '!'";
  /**
   * As {@link #PARTICIPANT_AND_SEARCH}, also matching the search's decomposed form, which search texts stored before
   * they were normalized to NFC hold for a name given decomposed ({@code ParticipantSearch.decomposed}).
   */
  static final String PARTICIPANT_AND_SEARCH_EITHER_FORM =
      " AND (search_text LIKE :pattern ESCAPE '!' OR search_text LIKE :decomposedPattern ESCAPE '!')";
  static final String PARTICIPANT_AND_TIER = " AND tier = :tier";
  static final String PARTICIPANT_AND_AFTER = " AND participant_id > :afterId";
  /**
   * The keyset lists below are ordered by every column of the index that serves them, the columns their WHERE clause
   * fixes too, in the same order as ordering by the id alone: ordered by the id alone, H2 (2.5) reads the whole
   * range after the cursor and sorts it (a first page of 21 of a campaign of 60,000 participants read all of them),
   * where the index's full order lets it read the page and stop. PostgreSQL drops the fixed columns from the order,
   * so its plans are unchanged. KeysetPagePlanH2Test checks each list.
   */
  static final String PARTICIPANT_ORDER_LIMIT = " ORDER BY tenant_id, campaign_id, participant_id LIMIT :limit";
  static final String PARTICIPANT_ORDER_LIMIT_OFFSET =
      " ORDER BY tenant_id, campaign_id, participant_id LIMIT :limit OFFSET :offset";

  /** {@code requested_amount}: what a capped deduction asked for; NULL for an award or a plain deduction. */
  static final String LEDGER_COLUMNS = "tenant_id, entry_id, participant_id, campaign_id, kind, amount, type,"
      + " description, idempotency_key, balance_after, created_at, requested_amount";
  static final String LEDGER_INSERT = "INSERT INTO ledger_entry (" + LEDGER_COLUMNS + ") VALUES (:tenantId, :entryId,"
      + " :participantId, :campaignId, :kind, :amount, :type, :description, :idempotencyKey, :balanceAfter,"
      + " :createdAt, :requestedAmount)";
  /**
   * H2: many ledger entries in one statement, from bound arrays. A JDBC batch runs its statement once per row; one
   * run over the arrays saves H2 the work of each run (with the events', counters' and balances' forms, 4-11% of a
   * bulk chunk's time; docs/BENCHMARKS.md, "H2's bulk writes, one statement each").
   */
  static final String H2_LEDGER_INSERT_ALL = "INSERT INTO ledger_entry (" + LEDGER_COLUMNS + ") SELECT * FROM UNNEST("
      + h2Arrays("eTenant BIGINT", "eId BIGINT", "eParticipant BIGINT", "eCampaign BIGINT", "eKind VARCHAR",
      "eAmount BIGINT", "eType VARCHAR", "eDescription VARCHAR", "eKey VARCHAR", "eBalance BIGINT",
      "eCreated TIMESTAMP(6) WITH TIME ZONE", "eRequested BIGINT") + ")";
  static final String LEDGER_FIND_BY_KEY = "SELECT " + LEDGER_COLUMNS
      + " FROM ledger_entry WHERE tenant_id = :tenantId AND idempotency_key = :idempotencyKey";
  static final String LEDGER_FIND_BY_KEYS = "SELECT " + LEDGER_COLUMNS
      + " FROM ledger_entry WHERE tenant_id = :tenantId AND idempotency_key IN (<keys>)";
  static final String LEDGER_HISTORY = "SELECT " + LEDGER_COLUMNS
      + " FROM ledger_entry WHERE tenant_id = :tenantId AND participant_id = :participantId";
  static final String LEDGER_AND_BEFORE = " AND entry_id < :beforeId";
  /** ix_ledger_participant's order, newest first (see {@link #PARTICIPANT_ORDER_LIMIT}). */
  static final String LEDGER_ORDER_LIMIT =
      " ORDER BY tenant_id DESC, participant_id DESC, entry_id DESC LIMIT :limit";
  static final String LEDGER_DELETE_ALL =
      "DELETE FROM ledger_entry WHERE tenant_id = :tenantId AND participant_id = :participantId";

  /** Credit: one conditional update; the bounds keep both totals at or below Long.MAX_VALUE. */
  private static final String CREDIT_UPDATE = "UPDATE participant SET points_balance = points_balance + :amount,"
      + " lifetime_points = lifetime_points + :amount, event_sequence = event_sequence + 1"
      + " WHERE tenant_id = :tenantId AND participant_id = :participantId"
      + " AND points_balance <= :ceiling AND lifetime_points <= :ceiling";
  /** Debit: one conditional update; never below zero. */
  private static final String DEBIT_UPDATE = "UPDATE participant SET points_balance = points_balance - :amount,"
      + " event_sequence = event_sequence + 1"
      + " WHERE tenant_id = :tenantId AND participant_id = :participantId AND points_balance >= :amount";
  /** What a balance change returns: the participant's row and the event sequence number it took. */
  private static final String CHANGED_COLUMNS = PARTICIPANT_COLUMNS + ", event_sequence";

  /** The sums of a bulk chunk, applied under the locks {@link #PARTICIPANT_LOCK_ALL} took. */
  static final String BALANCE_ADJUST = "UPDATE participant SET points_balance = points_balance + :balanceDelta,"
      + " lifetime_points = lifetime_points + :lifetimeDelta, event_sequence = event_sequence + :events"
      + " WHERE tenant_id = :tenantId AND participant_id = :participantId AND points_balance + :balanceDelta >= 0";

  /**
   * H2: {@link #BALANCE_ADJUST} for many participants at once, each named once, from bound arrays (see
   * {@link #H2_LEDGER_INSERT_ALL}). The caller compares the rows changed with the adjustments given.
   */
  static final String H2_BALANCE_ADJUST_ALL = "MERGE INTO participant p USING (SELECT * FROM UNNEST("
      + h2Arrays("tenantIds BIGINT", "participantIds BIGINT", "balanceDeltas BIGINT", "lifetimeDeltas BIGINT",
      "events BIGINT") + ")) a (tenant_id, participant_id, balance_delta, lifetime_delta, events)"
      + " ON p.tenant_id = a.tenant_id AND p.participant_id = a.participant_id"
      + " WHEN MATCHED AND p.points_balance + a.balance_delta >= 0 THEN UPDATE"
      + " SET points_balance = p.points_balance + a.balance_delta,"
      + " lifetime_points = p.lifetime_points + a.lifetime_delta, event_sequence = p.event_sequence + a.events";

  /**
   * PostgreSQL: {@link #BALANCE_ADJUST} for many participants at once, each named once, from bound arrays. The
   * caller compares the rows changed with the adjustments given.
   */
  static final String PG_BALANCE_ADJUST_ALL = "UPDATE participant p"
      + " SET points_balance = p.points_balance + a.balance_delta,"
      + " lifetime_points = p.lifetime_points + a.lifetime_delta, event_sequence = p.event_sequence + a.events"
      + " FROM unnest(CAST(:tenantIds AS bigint[]), CAST(:participantIds AS bigint[]),"
      + " CAST(:balanceDeltas AS bigint[]), CAST(:lifetimeDeltas AS bigint[]), CAST(:events AS bigint[]))"
      + " AS a (tenant_id, participant_id, balance_delta, lifetime_delta, events)"
      + " WHERE p.tenant_id = a.tenant_id AND p.participant_id = a.participant_id"
      + " AND p.points_balance + a.balance_delta >= 0";

  static final String NEXT_SEQUENCE_UPDATE = "UPDATE participant SET event_sequence = event_sequence + 1"
      + " WHERE tenant_id = :tenantId AND participant_id = :participantId";

  static final String EVENT_COLUMNS = "tenant_id, event_id, type, campaign_id, participant_id, sequence, occurred_at,"
      + " schema_version, position, payload";
  static final String EVENT_SELECT = "SELECT " + EVENT_COLUMNS + " FROM event_outbox";
  /** H2: many events in one statement, from bound arrays (see {@link #H2_LEDGER_INSERT_ALL}). */
  static final String H2_EVENT_INSERT_ALL = "INSERT INTO event_outbox (" + EVENT_COLUMNS + ") SELECT * FROM UNNEST("
      + h2Arrays("vTenant BIGINT", "vId BIGINT", "vType VARCHAR", "vCampaign BIGINT", "vParticipant BIGINT",
      "vSequence BIGINT", "vOccurred TIMESTAMP(6) WITH TIME ZONE", "vVersion INTEGER", "vPosition BIGINT",
      "vPayload VARCHAR") + ")";

  /** PostgreSQL: the timestamp {@code column} microseconds after the epoch, exactly (see below). */
  private static String pgEpochMicros(String column) {
    return "TIMESTAMPTZ 'epoch' + (" + column + " / 1000000) * INTERVAL '1 second' + (" + column
        + " % 1000000) * INTERVAL '1 microsecond'";
  }

  /**
   * PostgreSQL: the ledger entries, events and counter additions of points changes in one statement, each row set
   * bound as arrays and unnested (an award's rows then cost one round trip, a bulk chunk's a few). Times travel as
   * microseconds since the epoch, turned into timestamps as whole seconds plus microseconds: each product stays far
   * below 2^53, where an interval's floating-point multiplication is exact, for any year the tables can hold. The
   * counter additions must name each counter once (ON CONFLICT cannot change one row twice in one statement).
   */
  static final String PG_POINTS_ROWS_INSERT = "WITH entries AS (INSERT INTO ledger_entry (" + LEDGER_COLUMNS + ")"
      + " SELECT u.tenant_id, u.entry_id, u.participant_id, u.campaign_id, u.kind, u.amount, u.type, u.description,"
      + " u.idempotency_key, u.balance_after, " + pgEpochMicros("u.created_us") + ", u.requested_amount"
      + " FROM unnest(CAST(:eTenant AS bigint[]), CAST(:eId AS bigint[]), CAST(:eParticipant AS bigint[]),"
      + " CAST(:eCampaign AS bigint[]), CAST(:eKind AS text[]), CAST(:eAmount AS bigint[]), CAST(:eType AS text[]),"
      + " CAST(:eDescription AS text[]), CAST(:eKey AS text[]), CAST(:eBalance AS bigint[]),"
      + " CAST(:eCreated AS bigint[]), CAST(:eRequested AS bigint[])) AS u (tenant_id, entry_id, participant_id,"
      + " campaign_id, kind, amount, type, description, idempotency_key, balance_after, created_us,"
      + " requested_amount)),"
      + " events AS (INSERT INTO event_outbox (" + EVENT_COLUMNS + ")"
      + " SELECT u.tenant_id, u.event_id, u.type, u.campaign_id, u.participant_id, u.sequence,"
      + " " + pgEpochMicros("u.occurred_us") + ", u.schema_version, u.position,"
      + " CAST(u.payload AS json)"
      + " FROM unnest(CAST(:vTenant AS bigint[]), CAST(:vId AS bigint[]), CAST(:vType AS text[]),"
      + " CAST(:vCampaign AS bigint[]), CAST(:vParticipant AS bigint[]), CAST(:vSequence AS bigint[]),"
      + " CAST(:vOccurred AS bigint[]), CAST(:vVersion AS integer[]), CAST(:vPosition AS bigint[]),"
      + " CAST(:vPayload AS text[])) AS u (tenant_id, event_id, type, campaign_id, participant_id, sequence,"
      + " occurred_us, schema_version, position, payload))"
      + " INSERT INTO points_count AS x (tenant_id, participant_id, year_month, campaign_id, points, updated_at)"
      + " SELECT u.tenant_id, u.participant_id, u.year_month, u.campaign_id, u.points,"
      + " " + pgEpochMicros("u.at_us")
      + " FROM unnest(CAST(:cTenant AS bigint[]), CAST(:cParticipant AS bigint[]), CAST(:cMonth AS integer[]),"
      + " CAST(:cCampaign AS bigint[]), CAST(:cPoints AS bigint[]), CAST(:cAt AS bigint[]))"
      + " AS u (tenant_id, participant_id, year_month, campaign_id, points, at_us)"
      + " ON CONFLICT (tenant_id, participant_id, year_month) DO UPDATE SET points = x.points + EXCLUDED.points,"
      + " updated_at = GREATEST(x.updated_at, EXCLUDED.updated_at)";

  /** PostgreSQL: {@link #PG_POINTS_ROWS_INSERT} and the commit in one round trip ({@link #withCommit}). */
  static final String PG_POINTS_ROWS_INSERT_AND_COMMIT = withCommit(PG_POINTS_ROWS_INSERT);

  static final String EVENT_FIND = EVENT_SELECT + " WHERE tenant_id = :tenantId AND event_id = :eventId";
  /** The events of one tenant with the given ids (an array parameter, so one statement serves any count). */
  static final String EVENT_FIND_ALL = EVENT_SELECT + " WHERE tenant_id = :tenantId AND event_id = ANY(:eventIds)";
  /**
   * The tenants with an unpositioned event from {@code :fromTenantId} on, at most {@code :limit}, one index entry
   * each: each step reads the first entry of the position 0 range past the tenant before (ix_event_outbox_unpositioned
   * on H2, its partial index by tenant on PostgreSQL). As a DISTINCT, H2 read every unpositioned event of the tenants
   * after the cursor (a backlog of 100,000 for a page of 3 tenants); and with a {@code >} bound it seeks the bound's
   * value and walks past the entries equal to it, every unpositioned event of the tenant before, so each step starts
   * at the next id ({@code >=}, the cursor tenant's id plus one), stopping below the largest id.
   */
  static final String EVENT_TENANTS_UNPOSITIONED = "WITH RECURSIVE next_tenant (tenant_id, n) AS ("
      + "SELECT (SELECT tenant_id FROM event_outbox WHERE position = 0 AND tenant_id >= :fromTenantId"
      + " ORDER BY position, tenant_id LIMIT 1), 1"
      + " UNION ALL SELECT (SELECT o.tenant_id FROM event_outbox o WHERE o.position = 0"
      + " AND o.tenant_id >= t.tenant_id + 1 ORDER BY o.position, o.tenant_id LIMIT 1), t.n + 1 FROM next_tenant t"
      + " WHERE t.tenant_id IS NOT NULL AND t.tenant_id < 9223372036854775807 AND t.n < :limit)"
      + " SELECT tenant_id FROM next_tenant WHERE tenant_id IS NOT NULL ORDER BY tenant_id";
  static final String EVENT_UNPOSITIONED =
      EVENT_SELECT + " WHERE tenant_id = :tenantId AND position = 0"
          // H2: ix_event_outbox_feed's order (see PARTICIPANT_ORDER_LIMIT); PostgreSQL: its partial index's.
          + " ORDER BY tenant_id, position, event_id LIMIT :limit";
  static final String EVENT_POSITION =
      "UPDATE event_outbox SET position = :position, positioned_at = :positionedAt"
          + " WHERE tenant_id = :tenantId AND event_id = :eventId";
  /**
   * From {@code :fromPosition}, one past the cursor: H2 seeks a {@code >} bound's value and walks past the entries
   * equal to it, which at the cursor 0 are all the tenant's events not positioned yet.
   */
  static final String EVENT_FEED = EVENT_SELECT + " WHERE tenant_id = :tenantId AND position >= :fromPosition";
  static final String EVENT_AND_TYPES = " AND type = ANY(:types)";
  static final String EVENT_AND_CAMPAIGN = " AND campaign_id = :campaignId";
  /** ix_event_outbox_feed's order (see {@link #PARTICIPANT_ORDER_LIMIT}). */
  static final String EVENT_ORDER_BY_POSITION_LIMIT = " ORDER BY tenant_id, position LIMIT :limit";
  /**
   * A step of pruning's walk: the next events positioned before the cutoff, after the cursor, each with the status of
   * a delivery that is not DELIVERED, if one holds it (a scalar subquery of one event's deliveries each: PostgreSQL
   * made an {@code EXISTS} a hashed subplan of every undelivered delivery, read at every step). By positioned_at, not occurred_at: an event positioned late is not pruned
   * before a feed reader could read it. ix_event_outbox_pruning serves the order and the row comparison's range, so a
   * step reads about its limit (filtering the prunable ones in the statement read every held event before them at
   * each step); the cursor is always bound, as a first step's lower bound keeps H2 from reading the events not yet
   * positioned, whose NULL times its index holds first.
   */
  static final String EVENT_PRUNE_WALK = "SELECT e.tenant_id, e.event_id, e.positioned_at, (SELECT d.status"
      + " FROM event_delivery d WHERE d.tenant_id = e.tenant_id AND d.event_id = e.event_id"
      + " AND d.status <> 'DELIVERED' LIMIT 1) AS held_by FROM event_outbox e"
      + " WHERE e.positioned_at < :before AND (e.positioned_at, e.tenant_id, e.event_id)"
      + " > (:afterAt, :afterTenantId, :afterEventId) AND e.position > 0"
      + " ORDER BY e.positioned_at, e.tenant_id, e.event_id LIMIT :limit";
  static final String EVENT_PRUNE_DELIVERIES = "DELETE FROM event_delivery"
      + " WHERE tenant_id = :tenantId AND event_id = :eventId AND status = 'DELIVERED'";
  /** Rechecks at delete time: a delivery created since the selection keeps its event (and the foreign key holds). */
  static final String EVENT_PRUNE_EVENT = "DELETE FROM event_outbox WHERE tenant_id = :tenantId AND event_id = :eventId"
      + " AND NOT EXISTS (SELECT 1 FROM event_delivery d WHERE d.tenant_id = :tenantId AND d.event_id = :eventId)";

  static final String FEED_LOCK = "SELECT last_position FROM event_feed WHERE tenant_id = :tenantId FOR UPDATE";
  static final String FEED_ADVANCE =
      "UPDATE event_feed SET last_position = :lastPosition WHERE tenant_id = :tenantId";
  /** A plain read: MVCC serves it without waiting for the lock a dispatcher holds. */
  static final String FEED_LAST_POSITION = "SELECT last_position FROM event_feed WHERE tenant_id = :tenantId";

  static final String DELIVERY_COLUMNS = "tenant_id, event_id, subscriber, participant_id, sequence, position, status,"
      + " attempts, next_attempt_at, lease_owner, lease_until, last_error, updated_at";
  private static final String DELIVERY_KEY =
      " WHERE tenant_id = :tenantId AND event_id = :eventId AND subscriber = :subscriber";
  /**
   * The claimable deliveries (the DeliveryPort rule): PENDING, due, not leased or lease run out, and no PENDING
   * delivery of the same tenant, subscriber and participant with a lower sequence or a live lease (a later one held
   * while this one, replayed, is PENDING again; this one's own lease has run out). A NULL participant never matches,
   * so it never blocks. The subscriber filter completes it.
   */
  private static final String DELIVERY_CLAIMABLE = " FROM event_delivery d"
      + " WHERE d.status = 'PENDING' AND d.next_attempt_at <= :now"
      + " AND (d.lease_until IS NULL OR d.lease_until <= :now)"
      + " AND NOT EXISTS (SELECT 1 FROM event_delivery e WHERE e.tenant_id = d.tenant_id"
      + " AND e.subscriber = d.subscriber AND e.participant_id = d.participant_id AND e.status = 'PENDING'"
      + " AND (e.sequence < d.sequence OR e.lease_until > :now))"
      // An earlier event of the participant that is not positioned yet (ids out of order across instances).
      + " AND NOT EXISTS (SELECT 1 FROM event_outbox o WHERE o.tenant_id = d.tenant_id"
      + " AND o.participant_id = d.participant_id AND o.position = 0 AND o.sequence < d.sequence)";
  /**
   * The claimer's subscribers, but for those it skips (:skipped, at most DeliveryPort.MAX_SKIPPED_SUBSCRIBERS, often
   * none): a filter on the claimable rows, before their turns are ranked, so that the others' turns are as if the
   * skipped ones' rows were not there.
   */
  private static final String DELIVERY_NOT_SKIPPED = " AND NOT (d.subscriber = ANY(:skipped))";
  private static final String DELIVERY_FOR_LISTENERS = " AND d.subscriber = ANY(:listeners)" + DELIVERY_NOT_SKIPPED;
  private static final String DELIVERY_FOR_LISTENERS_AND_WEBHOOKS =
      " AND (d.subscriber = ANY(:listeners) OR d.subscriber LIKE :webhookPattern)" + DELIVERY_NOT_SKIPPED;
  /** Each claimable delivery's turn: its rank among its tenant's and subscriber's, oldest event first (1: oldest). */
  private static final String DELIVERY_TURN =
      "ROW_NUMBER() OVER (PARTITION BY d.tenant_id, d.subscriber ORDER BY d.event_id) AS turn";
  /**
   * H2: the claim in one query, the turn beside the columns. H2 locks the rows of a query with a window function
   * ({@code FOR UPDATE}); a subquery joined back to the rows H2 ran again for each row it joined (20 s for 3,000
   * claimable deliveries, against 60 ms for this). Completed by the subscriber filter and the order.
   */
  private static final String DELIVERY_CLAIM_H2 = "SELECT " + DELIVERY_COLUMNS + ", " + DELIVERY_TURN
      + DELIVERY_CLAIMABLE;
  /**
   * PostgreSQL, the first of the claim's two statements: the claimable deliveries' keys, turn by turn, read without a
   * lock, at most :limit (the claim asks for more than it takes, see {@link #DELIVERY_LOCK_CANDIDATES}). PostgreSQL
   * refuses {@code FOR UPDATE} in a query with a window function, and the turns in a subquery joined back to the rows
   * to lock left the join to the planner: on a table whose statistics predate its backlog it ran the subquery again
   * for each pending row (6 s for 2,000 pending deliveries, against 4 ms once analyzed). Completed by the subscriber
   * filter and the order.
   */
  private static final String DELIVERY_CANDIDATES_POSTGRESQL = "SELECT d.tenant_id, d.event_id, d.subscriber, "
      + DELIVERY_TURN + DELIVERY_CLAIMABLE;
  /** A delivery's key as one text, to find a candidate's place among :keys. */
  private static final String DELIVERY_KEY_TEXT = "array_position(CAST(:keys AS text[]),"
      + " CAST(tenant_id AS text) || ':' || CAST(event_id AS text) || ':' || subscriber)";
  /**
   * PostgreSQL, the second: locks the first :limit candidates still claimable, in the candidates' order (:keys, each
   * {@code tenant:event:subscriber}), skipping the rows another claim holds; a row another claimer leased since the
   * first statement is re-checked when locked and left out. One table looked up by key through arrays, no join, so no
   * plan that depends on statistics. The candidates outnumber the limit so that claims running at once each find a
   * batch past the rows the others hold.
   */
  static final String DELIVERY_LOCK_CANDIDATES = "SELECT " + DELIVERY_COLUMNS + " FROM event_delivery"
      + " WHERE tenant_id = ANY(CAST(:tenantIds AS bigint[])) AND event_id = ANY(CAST(:eventIds AS bigint[]))"
      + " AND subscriber = ANY(CAST(:subscribers AS text[])) AND " + DELIVERY_KEY_TEXT + " IS NOT NULL"
      + " AND status = 'PENDING' AND next_attempt_at <= :now AND (lease_until IS NULL OR lease_until <= :now)"
      + " ORDER BY " + DELIVERY_KEY_TEXT + " LIMIT :limit FOR UPDATE SKIP LOCKED";
  /**
   * Turn by turn (each subscriber's oldest claimable delivery before any subscriber's second), then oldest event
   * first, then tenant and subscriber; the subscriber by its characters' codes on every store (see
   * {@link #deliveryClaim(boolean)}), followed by the dialect's lock clause (H2's only). {@code d} is the claimable
   * rows, with their turns, in both dialects.
   */
  private static final String DELIVERY_CLAIM_ORDER = " ORDER BY turn, d.event_id, d.tenant_id, d.subscriber";
  static final String DELIVERY_LEASE = "UPDATE event_delivery SET lease_owner = :owner, lease_until = :leaseUntil,"
      + " updated_at = :now" + DELIVERY_KEY;
  static final String DELIVERY_DELIVERED = "UPDATE event_delivery SET status = 'DELIVERED', lease_owner = NULL,"
      + " lease_until = NULL, updated_at = :now" + DELIVERY_KEY;
  static final String DELIVERY_RESCHEDULE = "UPDATE event_delivery SET attempts = :attempts,"
      + " next_attempt_at = :nextAttemptAt, last_error = :lastError, lease_owner = NULL, lease_until = NULL,"
      + " updated_at = :now" + DELIVERY_KEY + " AND status = 'PENDING' AND lease_owner = :owner";
  static final String DELIVERY_PARK = "UPDATE event_delivery SET status = 'PARKED', attempts = :attempts,"
      + " last_error = :lastError, lease_owner = NULL, lease_until = NULL, updated_at = :now" + DELIVERY_KEY
      + " AND status = 'PENDING'";
  /** The rows {@link #deliveryParkOverdue()} may park: PENDING webhook deliveries due before the cutoff, unleased. */
  private static final String DELIVERY_OVERDUE = " status = 'PENDING' AND next_attempt_at < :dueBefore"
      + " AND subscriber LIKE :webhookPattern AND (lease_until IS NULL OR lease_until <= :now)";
  /**
   * The evidence {@link #deliveryParkOverdue()} needs of an overdue delivery {@code d} (aliased so) that its endpoint
   * failed for the whole window since it was due: no delivery of the same tenant and subscriber DELIVERED since, and
   * one PARKED since (its schedule ran out while {@code d} waited). Both read ix_event_delivery_outcome (V18).
   */
  private static final String DELIVERY_OVERDUE_EVIDENCE = " AND NOT EXISTS (SELECT 1 FROM event_delivery o"
      + " WHERE o.tenant_id = d.tenant_id AND o.subscriber = d.subscriber AND o.status = 'DELIVERED'"
      + " AND o.updated_at >= d.next_attempt_at) AND EXISTS (SELECT 1 FROM event_delivery o"
      + " WHERE o.tenant_id = d.tenant_id AND o.subscriber = d.subscriber AND o.status = 'PARKED'"
      + " AND o.updated_at >= d.next_attempt_at)";
  /**
   * H2: parks one delivery that {@link #deliveryParkOverdue()} picked, if it is still overdue and unleased (the
   * evidence was read by the pick, under the lock: re-read here it would count the rows this batch parked).
   */
  static final String DELIVERY_PARK_OVERDUE_KEY = "UPDATE event_delivery SET status = 'PARKED',"
      + " last_error = :lastError, lease_owner = NULL, lease_until = NULL, updated_at = :now" + DELIVERY_KEY + " AND"
      + DELIVERY_OVERDUE;
  static final String DELIVERY_AND_OWNER = " AND lease_owner = :owner";
  static final String DELIVERY_PARKED = "SELECT " + DELIVERY_COLUMNS + " FROM event_delivery"
      + " WHERE subscriber = :subscriber AND status = 'PARKED'";
  static final String DELIVERY_AND_TENANT = " AND tenant_id = :tenantId";
  static final String DELIVERY_AND_AFTER_EVENT = " AND event_id > :afterEventId";
  /** A listener's parked deliveries, of every tenant (through ix_event_delivery_claim's PARKED range). */
  static final String DELIVERY_PARKED_ORDER = " ORDER BY event_id, tenant_id LIMIT :limit";
  /**
   * A tenant's subscriber's (a webhook endpoint's): ix_event_delivery_subscriber's order (V31, V26's
   * ix_event_delivery_parked renamed on H2; see {@link #PARTICIPANT_ORDER_LIMIT}). Through ix_event_delivery_outcome,
   * whose last column is the time, H2 read every parked delivery of the subscriber and sorted them for each page.
   */
  static final String DELIVERY_PARKED_OF_TENANT_ORDER =
      " ORDER BY tenant_id, subscriber, status, event_id LIMIT :limit";
  /** A tenant's subscriber's deliveries in one status: completed by the status, a cursor and the order. */
  static final String DELIVERY_OF_SUBSCRIBER_WHERE =
      " WHERE tenant_id = :tenantId AND subscriber = :subscriber AND status = ";
  static final String DELIVERY_AND_BEFORE_EVENT = " AND event_id < :beforeEventId";
  /** ix_event_delivery_subscriber's order (V31), newest event first (see {@link #PARTICIPANT_ORDER_LIMIT}). */
  static final String DELIVERY_OF_SUBSCRIBER_ORDER =
      " ORDER BY tenant_id DESC, subscriber DESC, status DESC, event_id DESC LIMIT :limit";

  static final String DELIVERY_REPLAY = "UPDATE event_delivery SET status = 'PENDING', attempts = 0,"
      + " next_attempt_at = :now, last_error = NULL, lease_owner = NULL, lease_until = NULL, updated_at = :now"
      + DELIVERY_KEY + " AND status = 'PARKED'";
  static final String DELIVERY_DELETE_ALL =
      "DELETE FROM event_delivery WHERE tenant_id = :tenantId AND subscriber = :subscriber";

  static final String WEBHOOK_COLUMNS = "tenant_id, endpoint_id, url, types, campaign_id, enabled, disabled_reason,"
      + " secret, previous_secret, previous_secret_until, created_at, updated_at";
  static final String WEBHOOK_INSERT = "INSERT INTO webhook_endpoint (" + WEBHOOK_COLUMNS + ") VALUES (:tenantId,"
      + " :endpointId, :url, :types, :campaignId, :enabled, :disabledReason, :secret, :previousSecret,"
      + " :previousSecretUntil, :createdAt, :updatedAt)";
  static final String WEBHOOK_SELECT = "SELECT " + WEBHOOK_COLUMNS + " FROM webhook_endpoint";
  static final String WEBHOOK_FIND = WEBHOOK_SELECT + " WHERE tenant_id = :tenantId AND endpoint_id = :endpointId";
  static final String WEBHOOK_LIST = WEBHOOK_SELECT + " WHERE tenant_id = :tenantId ORDER BY endpoint_id";
  static final String WEBHOOK_LIST_ENABLED =
      WEBHOOK_SELECT + " WHERE tenant_id = :tenantId AND enabled = TRUE ORDER BY endpoint_id";
  static final String WEBHOOK_UPDATE = "UPDATE webhook_endpoint SET url = :url, types = :types,"
      + " campaign_id = :campaignId, enabled = :enabled, disabled_reason = :disabledReason, secret = :secret,"
      + " previous_secret = :previousSecret, previous_secret_until = :previousSecretUntil, updated_at = :updatedAt"
      + " WHERE tenant_id = :tenantId AND endpoint_id = :endpointId";
  static final String WEBHOOK_DELETE =
      "DELETE FROM webhook_endpoint WHERE tenant_id = :tenantId AND endpoint_id = :endpointId";

  static final String CAMPAIGN_REWARD_COLUMNS = "tenant_id, campaign_reward_id, campaign_id, name, type, audience,"
      + " conversions_required, reward_limit, points, message, cash_amount_minor, currency, handler, created_at";
  static final String CAMPAIGN_REWARD_INSERT = "INSERT INTO campaign_reward (" + CAMPAIGN_REWARD_COLUMNS + ")"
      + " VALUES (:tenantId, :campaignRewardId, :campaignId, :name, :type, :audience, :conversionsRequired,"
      + " :rewardLimit, :points, :message, :cashAmountMinor, :currency, :handler, :createdAt)";
  static final String CAMPAIGN_REWARD_FIND = "SELECT " + CAMPAIGN_REWARD_COLUMNS
      + " FROM campaign_reward WHERE tenant_id = :tenantId AND campaign_reward_id = :campaignRewardId";
  static final String CAMPAIGN_REWARD_LIST = "SELECT " + CAMPAIGN_REWARD_COLUMNS
      + " FROM campaign_reward WHERE tenant_id = :tenantId AND campaign_id = :campaignId ORDER BY campaign_reward_id";

  static final String REWARD_PROGRAM_FIND = "SELECT campaign_id, automation, coupon_low_stock_threshold"
      + " FROM reward_program WHERE tenant_id = :tenantId AND campaign_id = :campaignId";

  static final String ACTION_COLUMNS = "tenant_id, action_id, campaign_id, participant_id, campaign_reward_id, source,"
      + " metadata, invited_participant_id, idempotency_key, participant_created, all_time, current_month,"
      + " previous_month, reward_all_time, reward_current_month, recorded_at";
  static final String ACTION_FIND_BY_KEY = "SELECT " + ACTION_COLUMNS
      + " FROM loyalty_action WHERE tenant_id = :tenantId AND idempotency_key = :idempotencyKey";
  static final String ACTION_DELETE_ALL =
      "DELETE FROM loyalty_action WHERE tenant_id = :tenantId AND participant_id = :participantId";

  private static final String COUNTER_KEY = " WHERE tenant_id = :tenantId AND participant_id = :participantId"
      + " AND campaign_reward_id = :campaignRewardId AND year_month = :month";
  /**
   * One counter plus one, under the row lock (H2; {@link #H2_COUNTER_INCREMENT} returns the value), stamped with the
   * engine's time of the change, never moved back.
   */
  private static final String COUNTER_INCREMENT = "UPDATE action_count SET count = count + 1,"
      + " updated_at = GREATEST(updated_at, :at)" + COUNTER_KEY;
  /** PostgreSQL: an action counter insert, its rows (created at 1) to follow. */
  private static final String COUNTER_INSERT = "INSERT INTO action_count AS c (tenant_id, participant_id,"
      + " campaign_reward_id, year_month, campaign_id, count, updated_at) VALUES";
  /** PostgreSQL: what makes that insert add one to a counter that exists, as {@link #COUNTER_INCREMENT} does. */
  private static final String COUNTER_ON_CONFLICT_ADD_ONE = " ON CONFLICT (tenant_id, participant_id,"
      + " campaign_reward_id, year_month) DO UPDATE SET count = c.count + 1,"
      + " updated_at = GREATEST(c.updated_at, EXCLUDED.updated_at)";
  /**
   * PostgreSQL: one counter plus one in one statement, created at 1 if absent. {@code ON CONFLICT DO UPDATE} adds to
   * the latest committed row under its lock, waits for a concurrent uncommitted creation of the same key and goes
   * on past it if that rolls back, so it always returns one row.
   */
  static final String PG_COUNTER_ADD_ONE = COUNTER_INSERT
      + " (:tenantId, :participantId, :campaignRewardId, :month, :campaignId, 1, :at)"
      + COUNTER_ON_CONFLICT_ADD_ONE + " RETURNING count";
  /**
   * PostgreSQL: {@link #PG_COUNTER_ADD_ONE} for the four counters of one recorded action, in the order their rows are
   * locked (participant all-time, participant month, reward all-time, reward month), returning each key and value;
   * and, read beside them, the participant's total of the month before, if it has one (the same statement saves a
   * round trip; the insert never touches that row).
   */
  static final String PG_ACTION_COUNTERS_ADD_ONE = "WITH added AS (" + COUNTER_INSERT
      + " (:tenantId, :participantId, 0, 0, :campaignId, 1, :at),"
      + " (:tenantId, :participantId, 0, :month, :campaignId, 1, :at),"
      + " (:tenantId, :participantId, :campaignRewardId, 0, :campaignId, 1, :at),"
      + " (:tenantId, :participantId, :campaignRewardId, :month, :campaignId, 1, :at)"
      + COUNTER_ON_CONFLICT_ADD_ONE + " RETURNING campaign_reward_id, year_month, count)"
      + " SELECT campaign_reward_id, year_month, count FROM added"
      + " UNION ALL SELECT campaign_reward_id, year_month, count FROM action_count"
      + " WHERE tenant_id = :tenantId AND participant_id = :participantId AND campaign_reward_id = 0"
      + " AND year_month = :previousMonth";
  /** H2: a counter's row created at 0 if absent (see {@code JdbcActionPort} for a concurrent creation). */
  static final String H2_COUNTER_CREATE = "MERGE INTO action_count c USING (VALUES (CAST(:tenantId AS BIGINT),"
      + " CAST(:participantId AS BIGINT), CAST(:campaignRewardId AS BIGINT), CAST(:month AS INTEGER))) s (tenant_id,"
      + " participant_id, campaign_reward_id, year_month) ON c.tenant_id = s.tenant_id"
      + " AND c.participant_id = s.participant_id AND c.campaign_reward_id = s.campaign_reward_id"
      + " AND c.year_month = s.year_month WHEN NOT MATCHED THEN INSERT (tenant_id, participant_id, campaign_reward_id,"
      + " year_month, campaign_id, count, updated_at) VALUES (s.tenant_id, s.participant_id, s.campaign_reward_id,"
      + " s.year_month, :campaignId, 0, :at)";
  /** H2: then one plus one, returning the new value. */
  static final String H2_COUNTER_INCREMENT = "SELECT count FROM FINAL TABLE (" + COUNTER_INCREMENT + ")";
  static final String COUNTER_FIND = "SELECT count FROM action_count" + COUNTER_KEY;
  /** A participant's counters of reward 0 and one reward, all time and two months: one statement, one snapshot. */
  static final String COUNTERS_FIND = "SELECT campaign_reward_id, year_month, count FROM action_count"
      + " WHERE tenant_id = :tenantId AND participant_id = :participantId"
      + " AND campaign_reward_id IN (0, :campaignRewardId) AND year_month IN (0, :month, :previousMonth)";
  /** The all-time totals (campaign reward 0, month 0) of a campaign's participants, summed. */
  static final String COUNTER_CAMPAIGN_ACTIONS = "SELECT COALESCE(SUM(count), 0) FROM action_count"
      + " WHERE tenant_id = :tenantId AND campaign_id = :campaignId AND campaign_reward_id = 0 AND year_month = 0";
  static final String COUNTER_DELETE_ALL =
      "DELETE FROM action_count WHERE tenant_id = :tenantId AND participant_id = :participantId";

  static final String EARNED_COLUMNS = "tenant_id, earned_reward_id, campaign_id, participant_id, campaign_reward_id,"
      + " cycle, type, status, unread, points, coupon_code, message, cash_amount_minor, currency, waiting_reason,"
      + " action_id, earned_at, approved_at, fulfilled_at";
  static final String EARNED_SELECT = "SELECT " + EARNED_COLUMNS + " FROM earned_reward";
  private static final String EARNED_KEY = " WHERE tenant_id = :tenantId AND earned_reward_id = :earnedRewardId";
  static final String EARNED_FIND = EARNED_SELECT + EARNED_KEY;
  static final String EARNED_UNLOCKED_BY =
      EARNED_SELECT + " WHERE tenant_id = :tenantId AND action_id = :actionId ORDER BY earned_reward_id";
  static final String EARNED_FOR_PARTICIPANT =
      EARNED_SELECT + " WHERE tenant_id = :tenantId AND participant_id = :participantId";
  static final String EARNED_AND_BEFORE = " AND earned_reward_id < :beforeId";
  /** ix_earned_reward_participant's order, newest first (see {@link #PARTICIPANT_ORDER_LIMIT}). */
  static final String EARNED_ORDER_NEWEST_LIMIT =
      " ORDER BY tenant_id DESC, participant_id DESC, earned_reward_id DESC LIMIT :limit";
  /** Through ix_earned_reward_campaign, or with a status ix_earned_reward_campaign_status. */
  static final String EARNED_FOR_CAMPAIGN = EARNED_SELECT
      + " WHERE tenant_id = :tenantId AND campaign_id = :campaignId AND earned_reward_id > :afterId";
  static final String EARNED_AND_STATUS = " AND status = :status";
  /** The order of ix_earned_reward_campaign, and of ix_earned_reward_campaign_status with a status. */
  static final String EARNED_ORDER_LIMIT = " ORDER BY tenant_id, campaign_id, earned_reward_id LIMIT :limit";
  static final String EARNED_STATUS_ORDER_LIMIT =
      " ORDER BY tenant_id, campaign_id, status, earned_reward_id LIMIT :limit";
  // The changes of one reward, each returning the row after it (see returning). Moves are a compare-and-set on the
  // status; the variants also stamp the approval or the fulfilment.
  private static final String EARNED_TRANSITION = "UPDATE earned_reward SET status = :to" + EARNED_KEY
      + " AND status = :from";
  private static final String EARNED_TRANSITION_APPROVED = "UPDATE earned_reward SET status = :to, approved_at = :at"
      + EARNED_KEY + " AND status = :from";
  private static final String EARNED_TRANSITION_FULFILLED = "UPDATE earned_reward SET status = :to,"
      + " fulfilled_at = :at" + EARNED_KEY + " AND status = :from";
  private static final String EARNED_SET_COUPON =
      "UPDATE earned_reward SET coupon_code = :couponCode, waiting_reason = NULL" + EARNED_KEY;
  private static final String EARNED_SET_WAITING = "UPDATE earned_reward SET waiting_reason = :waitingReason"
      + EARNED_KEY;
  static final String EARNED_MARK_READ = "UPDATE earned_reward SET unread = FALSE" + EARNED_KEY;
  static final String EARNED_COUNT_BY_STATUS = "SELECT COUNT(*) FROM earned_reward"
      + " WHERE tenant_id = :tenantId AND participant_id = :participantId AND status = :status";
  static final String EARNED_IS_WINNER = "SELECT 1 FROM earned_reward"
      + " WHERE tenant_id = :tenantId AND participant_id = :participantId AND status <> 'REMOVED' LIMIT 1";
  static final String EARNED_WINNERS = "SELECT COUNT(DISTINCT participant_id) FROM earned_reward"
      + " WHERE tenant_id = :tenantId AND campaign_id = :campaignId AND status <> 'REMOVED'";
  /**
   * The predicate of PostgreSQL's partial index {@code ix_earned_reward_waiting}, written the same way; completed by
   * the dialect's order ({@link #earnedWaitingForCoupon()}).
   */
  private static final String EARNED_WAITING_FOR_COUPON = EARNED_SELECT
      + " WHERE tenant_id = :tenantId AND campaign_id = :campaignId"
      + " AND status = 'APPROVED' AND type = 'COUPON' AND coupon_code IS NULL";
  static final String EARNED_DELETE_ALL =
      "DELETE FROM earned_reward WHERE tenant_id = :tenantId AND participant_id = :participantId";

  private static final String COUPON_POOL = " WHERE tenant_id = :tenantId AND campaign_id = :campaignId";
  /**
   * Free codes from two arrays of one length, {@code :couponIds} and {@code :codes}: one statement for the whole
   * upload, which took half the time of a JDBC batch of single-row inserts on both stores (1,000 codes: PostgreSQL 11
   * against 22 ms, H2 5 against 10 ms), and a round trip per code less than one insert each.
   */
  static final String COUPON_INSERT_ALL = "INSERT INTO coupon_code (tenant_id, campaign_id, coupon_id, code, status,"
      + " created_at) SELECT :tenantId, :campaignId, u.coupon_id, u.code, 'FREE', :createdAt"
      + " FROM UNNEST(:couponIds, :codes) AS u(coupon_id, code)";
  private static final String COUPON_ASSIGN = "UPDATE coupon_code SET status = 'ASSIGNED',"
      + " earned_reward_id = :earnedRewardId, participant_id = :participantId, assigned_at = :at";
  /**
   * The free code with the lowest id, read without a lock: H2's way of assigning a code, and PostgreSQL's when every
   * free code is held by another transaction (see {@link #couponAssignNext()}).
   */
  static final String COUPON_LOWEST_FREE = "SELECT coupon_id, code FROM coupon_code" + COUPON_POOL
      // The ORDER BY names the status index's columns, so that H2 takes the first row from it instead of sorting
      // every free code (the order is the same: tenant, campaign and status are fixed by the WHERE).
      + " AND status = 'FREE' ORDER BY tenant_id, campaign_id, status, coupon_id LIMIT 1";
  /** Assigns one code if it is still free (after {@link #COUPON_LOWEST_FREE}), waiting for a transaction holding it. */
  static final String COUPON_ASSIGN_IF_FREE = COUPON_ASSIGN + COUPON_POOL + " AND coupon_id = :couponId"
      + " AND status = 'FREE'";
  static final String COUPON_REMAINING = "SELECT COUNT(*) FROM coupon_code" + COUPON_POOL + " AND status = 'FREE'";
  /** The code's id in its pool: the lower end of {@link #couponCountAfter()}'s range. */
  private static final String COUPON_ID_OF_CODE = "(SELECT coupon_id FROM coupon_code" + COUPON_POOL
      + " AND code = :code)";
  /** The pool's codes below a code's id, up to {@code :atMost}, as {@link #couponCountAfter()} (the range's top). */
  static final String COUPON_COUNT_BEFORE = "SELECT COUNT(*) FROM (SELECT 1 FROM coupon_code" + COUPON_POOL
      + " AND coupon_id < (SELECT coupon_id FROM coupon_code" + COUPON_POOL + " AND code = :code)"
      + " ORDER BY tenant_id DESC, campaign_id DESC, coupon_id DESC LIMIT :atMost) before_code";
  static final String COUPON_ASSIGNED = "SELECT coupon_id, code, earned_reward_id, participant_id, assigned_at"
      + " FROM coupon_code" + COUPON_POOL + " AND status = 'ASSIGNED'";
  static final String COUPON_AND_AFTER = " AND coupon_id > :afterId";
  /** ix_coupon_code_status's order (see {@link #PARTICIPANT_ORDER_LIMIT}). */
  static final String COUPON_ORDER_LIMIT = " ORDER BY tenant_id, campaign_id, status, coupon_id LIMIT :limit";

  static final String CATALOG_COLUMNS = "tenant_id, catalog_reward_id, campaign_id, name, description, points_cost,"
      + " type, stock, active, created_at";
  static final String CATALOG_INSERT = "INSERT INTO catalog_reward (" + CATALOG_COLUMNS + ") VALUES (:tenantId,"
      + " :catalogRewardId, :campaignId, :name, :description, :pointsCost, :type, :stock, :active, :createdAt)";
  private static final String CATALOG_KEY = " WHERE tenant_id = :tenantId AND catalog_reward_id = :catalogRewardId";
  static final String CATALOG_FIND = "SELECT " + CATALOG_COLUMNS + " FROM catalog_reward" + CATALOG_KEY;
  static final String CATALOG_LIST = "SELECT " + CATALOG_COLUMNS + " FROM catalog_reward"
      + " WHERE tenant_id = :tenantId AND campaign_id = :campaignId";
  static final String CATALOG_AND_ACTIVE = " AND active = :active";
  static final String CATALOG_AND_TYPE = " AND type = :type";
  static final String CATALOG_ORDER = " ORDER BY catalog_reward_id";
  static final String CATALOG_SET_ACTIVE = "UPDATE catalog_reward SET active = :active" + CATALOG_KEY;
  /**
   * A stock adjustment, by one conditional update under the row lock: within 0..:maxStock, never on an unlimited
   * (NULL) stock. The service keeps :delta within -:maxStock..:maxStock, so the sum never overflows.
   */
  private static final String CATALOG_ADJUST_STOCK = "UPDATE catalog_reward SET stock = stock + :delta" + CATALOG_KEY
      + " AND stock IS NOT NULL AND stock + :delta >= 0 AND stock + :delta <= :maxStock";
  private static final String CATALOG_UPDATE = "UPDATE catalog_reward SET name = :name, description = :description,"
      + " points_cost = :pointsCost" + CATALOG_KEY;
  /** One unit of stock, by one conditional update under the row lock: never below zero, NULL (unlimited) stays. */
  private static final String CATALOG_TAKE_STOCK = "UPDATE catalog_reward SET stock = stock - 1" + CATALOG_KEY
      + " AND active = TRUE AND (stock IS NULL OR stock > 0)";

  static final String REDEMPTION_COLUMNS = "tenant_id, redemption_id, catalog_reward_id, participant_id,"
      + " points_spent, ledger_entry_id, balance, idempotency_key, redeemed_at";
  static final String REDEMPTION_INSERT = "INSERT INTO redemption (" + REDEMPTION_COLUMNS + ") VALUES (:tenantId,"
      + " :redemptionId, :catalogRewardId, :participantId, :pointsSpent, :ledgerEntryId, :balance, :idempotencyKey,"
      + " :redeemedAt)";
  static final String REDEMPTION_FIND_BY_KEY = "SELECT " + REDEMPTION_COLUMNS
      + " FROM redemption WHERE tenant_id = :tenantId AND idempotency_key = :idempotencyKey";
  /**
   * Through ix_redemption_catalog_reward (V23): a range of it in its order, all of its columns (see
   * {@link #PARTICIPANT_ORDER_LIMIT}).
   */
  static final String REDEMPTIONS_OF_REWARD = "SELECT " + REDEMPTION_COLUMNS + " FROM redemption"
      + " WHERE tenant_id = :tenantId AND catalog_reward_id = :catalogRewardId AND redemption_id > :afterId"
      + " ORDER BY tenant_id, catalog_reward_id, redemption_id LIMIT :limit";
  /** Through ix_redemption_participant (V23), newest first; REDEMPTIONS_BEFORE after a cursor. */
  static final String REDEMPTIONS_OF_PARTICIPANT = "SELECT " + REDEMPTION_COLUMNS + " FROM redemption"
      + " WHERE tenant_id = :tenantId AND participant_id = :participantId";
  static final String REDEMPTIONS_BEFORE = " AND redemption_id < :beforeId";
  static final String REDEMPTIONS_NEWEST_LIMIT =
      " ORDER BY tenant_id DESC, participant_id DESC, redemption_id DESC LIMIT :limit";

  static final String REFERRAL_PROGRAM_COLUMNS = "tenant_id, campaign_id, goal, require_signed_codes,"
      + " referrer_reward_id, conversion_mode, conversion_fixed_points, conversion_per_unit, on_medium_risk,"
      + " on_high_risk, velocity_limit, velocity_window_seconds";
  static final String REFERRAL_PROGRAM_FIND = "SELECT " + REFERRAL_PROGRAM_COLUMNS
      + " FROM referral_program WHERE tenant_id = :tenantId AND campaign_id = :campaignId";

  static final String LANDING_PAGE_COLUMNS = "tenant_id, campaign_id, url, headline, description, share_message,"
      + " image_url, referral_parameter";
  static final String LANDING_PAGE_FIND = "SELECT " + LANDING_PAGE_COLUMNS
      + " FROM landing_page WHERE tenant_id = :tenantId AND campaign_id = :campaignId";
  static final String LANDING_PAGE_DELETE =
      "DELETE FROM landing_page WHERE tenant_id = :tenantId AND campaign_id = :campaignId";

  static final String TESTIMONIAL_COLUMNS = "tenant_id, testimonial_id, campaign_id, participant_id, text, rating,"
      + " status, created_at, moderated_at";
  static final String TESTIMONIAL_FIND = "SELECT " + TESTIMONIAL_COLUMNS
      + " FROM testimonial WHERE tenant_id = :tenantId AND testimonial_id = :testimonialId";
  static final String TESTIMONIAL_FIND_BY_PARTICIPANT = "SELECT " + TESTIMONIAL_COLUMNS
      + " FROM testimonial WHERE tenant_id = :tenantId AND participant_id = :participantId";
  /** {@code <from>}: the statuses the move is allowed from. */
  static final String TESTIMONIAL_MODERATE = "UPDATE testimonial SET status = :status, moderated_at = :moderatedAt"
      + " WHERE tenant_id = :tenantId AND testimonial_id = :testimonialId AND status IN (<from>)";
  /** Through ix_testimonial_campaign, or with a status ix_testimonial_campaign_status (V22). */
  static final String TESTIMONIAL_LIST = "SELECT " + TESTIMONIAL_COLUMNS
      + " FROM testimonial WHERE tenant_id = :tenantId AND campaign_id = :campaignId AND testimonial_id > :afterId";
  static final String TESTIMONIAL_AND_STATUS = " AND status = :status";
  /** The order of ix_testimonial_campaign, and of ix_testimonial_campaign_status with a status. */
  static final String TESTIMONIAL_ORDER = " ORDER BY tenant_id, campaign_id, testimonial_id LIMIT :limit";
  static final String TESTIMONIAL_STATUS_ORDER =
      " ORDER BY tenant_id, campaign_id, status, testimonial_id LIMIT :limit";
  static final String TESTIMONIAL_DELETE_ALL =
      "DELETE FROM testimonial WHERE tenant_id = :tenantId AND participant_id = :participantId";

  static final String QUEST_COLUMNS = "tenant_id, quest_id, campaign_id, name, description, completion_bonus, active,"
      + " created_at";
  static final String QUEST_INSERT = "INSERT INTO quest (" + QUEST_COLUMNS + ") VALUES (:tenantId, :questId,"
      + " :campaignId, :name, :description, :completionBonus, :active, :createdAt)";
  static final String QUEST_TASK_INSERT = "INSERT INTO quest_task (tenant_id, quest_id, task_number, name, points)"
      + " VALUES (:tenantId, :questId, :taskNumber, :name, :points)";
  static final String QUEST_FIND = "SELECT " + QUEST_COLUMNS
      + " FROM quest WHERE tenant_id = :tenantId AND quest_id = :questId";
  static final String QUEST_TASKS = "SELECT quest_id, task_number, name, points FROM quest_task"
      + " WHERE tenant_id = :tenantId AND quest_id = :questId ORDER BY task_number";
  static final String QUEST_LIST = "SELECT " + QUEST_COLUMNS
      + " FROM quest WHERE tenant_id = :tenantId AND campaign_id = :campaignId ORDER BY quest_id";
  /** The tasks of a campaign's quests, by quest and number. */
  static final String QUEST_LIST_TASKS = "SELECT t.quest_id, t.task_number, t.name, t.points FROM quest_task t"
      + " JOIN quest q ON q.tenant_id = t.tenant_id AND q.quest_id = t.quest_id"
      + " WHERE q.tenant_id = :tenantId AND q.campaign_id = :campaignId ORDER BY t.quest_id, t.task_number";
  /** A quest's name and description; its tasks, bonus and active flag stay. */
  private static final String QUEST_UPDATE = "UPDATE quest SET name = :name, description = :description"
      + " WHERE tenant_id = :tenantId AND quest_id = :questId";
  static final String QUEST_SET_ACTIVE =
      "UPDATE quest SET active = :active WHERE tenant_id = :tenantId AND quest_id = :questId";
  static final String QUEST_COMPLETIONS = "SELECT tenant_id, quest_id, participant_id, task_number, completes_quest,"
      + " completed_at FROM quest_completion WHERE tenant_id = :tenantId AND quest_id = :questId"
      + " AND participant_id = :participantId ORDER BY task_number";
  static final String QUEST_COMPLETION_DELETE_ALL =
      "DELETE FROM quest_completion WHERE tenant_id = :tenantId AND participant_id = :participantId";

  static final String FEEDBACK_BOARD_COLUMNS = "tenant_id, board_id, campaign_id, name, description, is_open,"
      + " created_at";
  static final String FEEDBACK_BOARD_INSERT = "INSERT INTO feedback_board (" + FEEDBACK_BOARD_COLUMNS + ") VALUES"
      + " (:tenantId, :boardId, :campaignId, :name, :description, :isOpen, :createdAt)";
  static final String FEEDBACK_BOARD_FIND = "SELECT " + FEEDBACK_BOARD_COLUMNS
      + " FROM feedback_board WHERE tenant_id = :tenantId AND board_id = :boardId";
  static final String FEEDBACK_BOARD_LIST = "SELECT " + FEEDBACK_BOARD_COLUMNS
      + " FROM feedback_board WHERE tenant_id = :tenantId AND campaign_id = :campaignId ORDER BY board_id";
  /** A board's name and description; whether it is open stays. */
  private static final String FEEDBACK_BOARD_UPDATE = "UPDATE feedback_board SET name = :name,"
      + " description = :description WHERE tenant_id = :tenantId AND board_id = :boardId";
  static final String FEEDBACK_BOARD_SET_OPEN =
      "UPDATE feedback_board SET is_open = :isOpen WHERE tenant_id = :tenantId AND board_id = :boardId";
  static final String IDEA_COLUMNS = "tenant_id, idea_id, board_id, participant_id, title, body, status, votes,"
      + " created_at, updated_at";
  static final String IDEA_INSERT = "INSERT INTO feedback_idea (" + IDEA_COLUMNS + ", idempotency_key) VALUES"
      + " (:tenantId, :ideaId, :boardId, :participantId, :title, :body, :status, :votes, :createdAt, :updatedAt,"
      + " :idempotencyKey)";
  static final String IDEA_FIND = "SELECT " + IDEA_COLUMNS
      + " FROM feedback_idea WHERE tenant_id = :tenantId AND idea_id = :ideaId";
  static final String IDEA_FIND_BY_KEY = "SELECT " + IDEA_COLUMNS
      + " FROM feedback_idea WHERE tenant_id = :tenantId AND idempotency_key = :idempotencyKey";
  static final String IDEA_LOCK = IDEA_FIND + " FOR UPDATE";
  /** The three conditional updates below apply while the status is one of {@code <statuses>}. */
  static final String IDEA_MOVE = "UPDATE feedback_idea SET status = :status, updated_at = :updatedAt"
      + " WHERE tenant_id = :tenantId AND idea_id = :ideaId AND status IN (<statuses>)";
  static final String IDEA_VOTES_UP = "UPDATE feedback_idea SET votes = votes + 1"
      + " WHERE tenant_id = :tenantId AND idea_id = :ideaId AND status IN (<statuses>)";
  static final String IDEA_VOTES_DOWN = "UPDATE feedback_idea SET votes = votes - 1"
      + " WHERE tenant_id = :tenantId AND idea_id = :ideaId AND votes > 0 AND status IN (<statuses>)";
  static final String IDEA_COUNT = "SELECT COUNT(*) FROM feedback_idea WHERE tenant_id = :tenantId"
      + " AND board_id = :boardId";
  private static final String IDEA_SELECT = "SELECT " + IDEA_COLUMNS + " FROM feedback_idea";
  private static final String IDEA_WHERE_BOARD = " WHERE tenant_id = :tenantId AND board_id = :boardId";
  static final String IDEA_AND_STATUS = " AND status = :status";
  /** The orders of ix_feedback_idea_votes and ix_feedback_idea_board (see {@link #PARTICIPANT_ORDER_LIMIT}). */
  static final String IDEA_MOST_VOTED =
      " ORDER BY tenant_id, board_id, votes DESC, idea_id LIMIT :limit OFFSET :offset";
  static final String IDEA_NEWEST =
      " ORDER BY tenant_id DESC, board_id DESC, idea_id DESC LIMIT :limit OFFSET :offset";
  /** With a status: the orders of ix_feedback_idea_status_votes and ix_feedback_idea_status (schema V27). */
  static final String IDEA_STATUS_MOST_VOTED =
      " ORDER BY tenant_id, board_id, status, votes DESC, idea_id LIMIT :limit OFFSET :offset";
  static final String IDEA_STATUS_NEWEST =
      " ORDER BY tenant_id DESC, board_id DESC, status DESC, idea_id DESC LIMIT :limit OFFSET :offset";
  /**
   * A participant's ideas, newest first (IDEAS_OF_PARTICIPANT_BEFORE after a cursor): a range of
   * ix_feedback_idea_author (V28) in its order, all of its columns (see {@link #PARTICIPANT_ORDER_LIMIT}). V14's
   * (tenant_id, participant_id) index holds no idea order: H2 read the participant's ideas whole and sorted them,
   * PostgreSQL walked the tenant's ideas backwards by their key.
   */
  static final String IDEAS_OF_PARTICIPANT = IDEA_SELECT
      + " WHERE tenant_id = :tenantId AND participant_id = :participantId";
  static final String IDEAS_OF_PARTICIPANT_BEFORE = " AND idea_id < :beforeId";
  static final String IDEAS_OF_PARTICIPANT_NEWEST_LIMIT =
      " ORDER BY tenant_id DESC, participant_id DESC, idea_id DESC LIMIT :limit";
  static final String VOTE_DELETE = "DELETE FROM feedback_vote WHERE tenant_id = :tenantId AND idea_id = :ideaId"
      + " AND participant_id = :participantId";
  /** By the vote's primary key. */
  static final String VOTE_EXISTS = "SELECT COUNT(*) FROM feedback_vote"
      + " WHERE tenant_id = :tenantId AND idea_id = :ideaId AND participant_id = :participantId";
  /**
   * Which of the ids bound as an array a participant's vote is on: each looked up by the vote's key. As
   * {@code idea_id IN (...)}, H2 reads the tenant's whole range of the key (it uses an IN on an index's second
   * column as a filter).
   */
  static final String VOTED_IDEAS = "SELECT v.idea_id FROM UNNEST(CAST(:ideaIds AS BIGINT ARRAY)) t(idea_id)"
      + " JOIN feedback_vote v ON v.tenant_id = :tenantId AND v.idea_id = t.idea_id"
      + " AND v.participant_id = :participantId";
  static final String VOTE_COUNT =
      "SELECT COUNT(*) FROM feedback_vote WHERE tenant_id = :tenantId AND idea_id = :ideaId";
  /** The votes on one idea, deleted with it (after IDEA_LOCK, before IDEA_DELETE). */
  static final String VOTES_ON_IDEA_DELETE =
      "DELETE FROM feedback_vote WHERE tenant_id = :tenantId AND idea_id = :ideaId";
  static final String IDEA_DELETE = "DELETE FROM feedback_idea WHERE tenant_id = :tenantId AND idea_id = :ideaId";
  /** The ideas a participant voted on (ix_feedback_vote_participant). */
  private static final String VOTED_BY = "SELECT idea_id FROM feedback_vote WHERE tenant_id = :tenantId"
      + " AND participant_id = :participantId";
  /** A participant's ideas (ix_feedback_idea_author). */
  private static final String IDEAS_OF = "SELECT idea_id FROM feedback_idea WHERE tenant_id = :tenantId"
      + " AND participant_id = :participantId";
  private static final String FEEDBACK_WITHDRAW_VOTES_OF = "UPDATE feedback_idea SET votes = votes - 1"
      + " WHERE tenant_id = :tenantId AND votes > 0 AND idea_id IN (" + VOTED_BY + ")";
  static final String FEEDBACK_DELETE_VOTES_OF =
      "DELETE FROM feedback_vote WHERE tenant_id = :tenantId AND participant_id = :participantId";
  /**
   * The ideas a participant's deletion changes, its own and those it voted on, locked in ascending id order: their ids
   * read from the participant's ranges of ix_feedback_vote_participant and ix_feedback_idea_author, then each idea
   * looked up by its key in that order. Written as {@code participant_id = ? OR idea_id IN (...)}, both H2 and
   * PostgreSQL read all the tenant's ideas to find them.
   */
  static final String FEEDBACK_LOCK_IDEAS_TOUCHED_BY = "SELECT i.idea_id FROM UNNEST((SELECT ARRAY_AGG(u.idea_id"
      + " ORDER BY u.idea_id) FROM (" + VOTED_BY + " UNION " + IDEAS_OF + ") u)) t(idea_id)"
      + " JOIN feedback_idea i ON i.tenant_id = :tenantId AND i.idea_id = t.idea_id ORDER BY i.idea_id FOR UPDATE";
  private static final String FEEDBACK_DELETE_VOTES_ON_IDEAS_OF = "DELETE FROM feedback_vote"
      + " WHERE tenant_id = :tenantId AND idea_id IN (" + IDEAS_OF + ")";
  static final String FEEDBACK_DELETE_IDEAS_OF =
      "DELETE FROM feedback_idea WHERE tenant_id = :tenantId AND participant_id = :participantId";

  static final String SIGNING_KEY_COLUMNS = "tenant_id, key_id, secret, created_at";
  static final String SIGNING_KEY_LIST = "SELECT " + SIGNING_KEY_COLUMNS
      + " FROM referral_signing_key WHERE tenant_id = :tenantId ORDER BY key_id DESC";
  /** Deletes a key only below the tenant's highest, which signs: one statement, so no rotation slips between. */
  static final String SIGNING_KEY_RETIRE = "DELETE FROM referral_signing_key WHERE tenant_id = :tenantId"
      + " AND key_id = :keyId AND key_id < (SELECT MAX(h.key_id) FROM referral_signing_key h"
      + " WHERE h.tenant_id = :tenantId)";

  static final String SHORT_CODE_FIND = "SELECT code FROM referral_short_code"
      + " WHERE tenant_id = :tenantId AND participant_id = :participantId";
  static final String SHORT_CODE_PARTICIPANT = "SELECT participant_id FROM referral_short_code"
      + " WHERE tenant_id = :tenantId AND campaign_id = :campaignId AND code = :code";

  static final String SIGNUP_COLUMNS = "tenant_id, participant_id, campaign_id, ip_address, visitor_id, customer_id,"
      + " created_at";
  static final String SIGNUP_FIND = "SELECT " + SIGNUP_COLUMNS
      + " FROM referral_signup WHERE tenant_id = :tenantId AND participant_id = :participantId";
  /** A signup gate's row lock; no row when the campaign has not made the gate yet. */
  static final String SIGNUP_GATE_LOCK = "SELECT gate FROM referral_signup_gate WHERE tenant_id = :tenantId"
      + " AND campaign_id = :campaignId AND gate = :gate FOR UPDATE";
  /** The velocity rule's counts, each served by its index (tenant, campaign, identifier, time). */
  static final String SIGNUP_COUNT_FROM_IP = "SELECT COUNT(*) FROM referral_signup WHERE tenant_id = :tenantId"
      + " AND campaign_id = :campaignId AND ip_address = :ipAddress AND created_at >= :since";
  static final String SIGNUP_COUNT_FROM_VISITOR = "SELECT COUNT(*) FROM referral_signup WHERE tenant_id = :tenantId"
      + " AND campaign_id = :campaignId AND visitor_id = :visitorId AND created_at >= :since";
  static final String SIGNUP_DELETE_ALL =
      "DELETE FROM referral_signup WHERE tenant_id = :tenantId AND participant_id = :participantId";

  static final String REFERRAL_COLUMNS = "tenant_id, invited_id, campaign_id, referrer_id, code_kind, risk_level,"
      + " risk_reason, status, created_at";
  static final String REFERRAL_FIND = "SELECT " + REFERRAL_COLUMNS
      + " FROM referral WHERE tenant_id = :tenantId AND invited_id = :invitedId";
  static final String REFERRAL_BY_REFERRER = "SELECT " + REFERRAL_COLUMNS
      + " FROM referral WHERE tenant_id = :tenantId AND referrer_id = :referrerId";
  static final String REFERRAL_AND_AFTER = " AND invited_id > :afterInvitedId";
  /** ix_referral_referrer's order (see {@link #PARTICIPANT_ORDER_LIMIT}). */
  static final String REFERRAL_ORDER_LIMIT = " ORDER BY tenant_id, referrer_id, invited_id LIMIT :limit";
  /** A campaign's referrals after a cursor: through ix_referral_campaign, by status ix_referral_campaign_status. */
  static final String REFERRAL_FOR_CAMPAIGN = "SELECT " + REFERRAL_COLUMNS
      + " FROM referral WHERE tenant_id = :tenantId AND campaign_id = :campaignId AND invited_id > :afterInvitedId";
  static final String REFERRAL_AND_STATUS = " AND status = :status";
  /** The order of ix_referral_campaign, and of ix_referral_campaign_status with a status (see V24). */
  static final String REFERRAL_CAMPAIGN_ORDER_LIMIT = " ORDER BY tenant_id, campaign_id, invited_id LIMIT :limit";
  static final String REFERRAL_CAMPAIGN_STATUS_ORDER_LIMIT =
      " ORDER BY tenant_id, campaign_id, status, invited_id LIMIT :limit";
  /**
   * A participant's referrers, nearest first, at most :depth of them: its referral's referrer, then the referrer of
   * each in turn, the tenant in the seed and in every step's join (the primary key (tenant_id, invited_id) serves
   * each step).
   */
  static final String REFERRAL_CHAIN = "WITH RECURSIVE chain (tenant_id, referrer_id, depth) AS ("
      + " SELECT tenant_id, referrer_id, 1 FROM referral WHERE tenant_id = :tenantId AND invited_id = :participantId"
      + " UNION ALL SELECT r.tenant_id, r.referrer_id, c.depth + 1 FROM chain c JOIN referral r"
      + " ON r.tenant_id = c.tenant_id AND r.invited_id = c.referrer_id WHERE c.depth < :depth)"
      + " SELECT referrer_id FROM chain ORDER BY depth";
  static final String REFERRAL_DELETE_INVITED =
      "DELETE FROM referral WHERE tenant_id = :tenantId AND invited_id = :participantId";
  static final String REFERRAL_DELETE_REFERRER =
      "DELETE FROM referral WHERE tenant_id = :tenantId AND referrer_id = :participantId";

  static final String VISITOR_DELETE_ALL =
      "DELETE FROM referral_visitor WHERE tenant_id = :tenantId AND participant_id = :participantId";

  private static final String STATS_COUNTERS = "impressions, shares, clicks, unique_visitors, signups, conversions,"
      + " reversals, revenue";
  private static final String STATS_KEY = " WHERE tenant_id = :tenantId AND participant_id = :participantId";
  /** H2: adds a delta to a participant's counters, which exist (see {@link #referralStatsUpsert()}). */
  static final String STATS_ADD = "UPDATE referral_stats SET impressions = impressions + :impressions,"
      + " shares = shares + :shares, clicks = clicks + :clicks, unique_visitors = unique_visitors + :uniqueVisitors,"
      + " signups = signups + :signups, conversions = conversions + :conversions,"
      + " reversals = reversals + :reversals, revenue = revenue + :revenue" + STATS_KEY;
  static final String STATS_FIND = "SELECT " + STATS_COUNTERS + " FROM referral_stats" + STATS_KEY;
  /** The sums of stats counters, and how many rows were summed, of the rows the WHERE clause appended selects. */
  private static final String STATS_SUM = "SELECT COUNT(*) AS participants,"
      + " COALESCE(SUM(impressions), 0) AS impressions,"
      + " COALESCE(SUM(shares), 0) AS shares, COALESCE(SUM(clicks), 0) AS clicks,"
      + " COALESCE(SUM(unique_visitors), 0) AS unique_visitors, COALESCE(SUM(signups), 0) AS signups,"
      + " COALESCE(SUM(conversions), 0) AS conversions, COALESCE(SUM(reversals), 0) AS reversals,"
      + " COALESCE(SUM(revenue), 0) AS revenue FROM referral_stats WHERE tenant_id = :tenantId";
  /** A campaign's totals: one row whatever the count of participants ({@code participants} 0: nothing counted). */
  static final String STATS_CAMPAIGN = STATS_SUM + " AND campaign_id = :campaignId";
  /** {@link #STATS_CAMPAIGN} over a list of campaigns. */
  static final String STATS_CAMPAIGNS = STATS_SUM + " AND campaign_id IN (<campaignIds>)";
  static final String STATS_DELETE_ALL = "DELETE FROM referral_stats" + STATS_KEY;

  static final String CONVERSION_COLUMNS = "tenant_id, conversion_id, campaign_id, referrer_id, order_id, order_value,"
      + " points, status, points_reversed, created_at, reversed_at";
  static final String CONVERSION_FIND = "SELECT " + CONVERSION_COLUMNS + " FROM referral_conversion"
      + " WHERE tenant_id = :tenantId AND campaign_id = :campaignId AND order_id = :orderId";
  /**
   * A campaign's conversions after a cursor: through ix_referral_conversion_campaign, by status
   * ix_referral_conversion_campaign_status (V30), each a range of its index in its order, all of its columns (see {@link
   * #PARTICIPANT_ORDER_LIMIT}).
   */
  static final String CONVERSIONS_OF_CAMPAIGN = "SELECT " + CONVERSION_COLUMNS + " FROM referral_conversion"
      + " WHERE tenant_id = :tenantId AND campaign_id = :campaignId AND conversion_id > :afterConversionId";
  static final String CONVERSIONS_AND_STATUS = " AND status = :status";
  static final String CONVERSIONS_OF_CAMPAIGN_ORDER_LIMIT =
      " ORDER BY tenant_id, campaign_id, conversion_id LIMIT :limit";
  static final String CONVERSIONS_OF_CAMPAIGN_STATUS_ORDER_LIMIT =
      " ORDER BY tenant_id, campaign_id, status, conversion_id LIMIT :limit";
  /**
   * A referrer's conversions, newest first (CONVERSIONS_OF_REFERRER_BEFORE after a cursor): a range of
   * ix_referral_conversion_referrer (V30) read backwards, in its order.
   */
  static final String CONVERSIONS_OF_REFERRER = "SELECT " + CONVERSION_COLUMNS + " FROM referral_conversion"
      + " WHERE tenant_id = :tenantId AND referrer_id = :referrerId";
  static final String CONVERSIONS_OF_REFERRER_BEFORE = " AND conversion_id < :beforeConversionId";
  static final String CONVERSIONS_OF_REFERRER_NEWEST_LIMIT =
      " ORDER BY tenant_id DESC, referrer_id DESC, conversion_id DESC LIMIT :limit";
  /** Compare-and-set: only a CONVERTED conversion is reversed, once. */
  static final String CONVERSION_REVERSE = "UPDATE referral_conversion SET status = 'REVERSED',"
      + " points_reversed = :pointsReversed, reversed_at = :at"
      + " WHERE tenant_id = :tenantId AND conversion_id = :conversionId AND status = 'CONVERTED'";

  /**
   * Board members: the campaign's participants, each LEFT JOINed to its counter on the board (action counters of
   * campaign reward 0, or points counters, of month {@code :month}); a member without one scores 0. The score
   * expression and the join differ by metric ({@link #boardScore}, {@link #boardFrom}); the filters below complete
   * them.
   */
  private static final String BOARD_ACTIONS_FROM = " FROM participant p LEFT JOIN action_count c"
      + " ON c.tenant_id = p.tenant_id AND c.participant_id = p.participant_id AND c.campaign_reward_id = 0"
      + " AND c.year_month = :month";
  private static final String BOARD_POINTS_FROM = " FROM participant p LEFT JOIN points_count c"
      + " ON c.tenant_id = p.tenant_id AND c.participant_id = p.participant_id AND c.year_month = :month";
  private static final String BOARD_ACTIONS_SCORE = "COALESCE(c.count, 0)";
  private static final String BOARD_POINTS_SCORE = "COALESCE(c.points, 0)";
  static final String BOARD_WHERE_CAMPAIGN = " WHERE p.tenant_id = :tenantId AND p.campaign_id = :campaignId";
  static final String BOARD_WHERE_PARTICIPANT = " WHERE p.tenant_id = :tenantId AND p.participant_id = :participantId";
  static final String BOARD_WHERE_PARTICIPANTS =
      " WHERE p.tenant_id = :tenantId AND p.participant_id IN (<participantIds>)";
  /** Members are the participants created before the cutoff (PREV_MONTH: those that existed during the month). */
  static final String BOARD_AND_CREATED_BEFORE = " AND p.created_at < :createdBefore";
  /**
   * Members with a score strictly above {@code :score} (score at least 0): they all have a counter, so the count
   * walks the counters' board index ({@code (tenant, campaign, [reward,] month, score)}) from {@code :score} up and
   * joins each to its participant (the cutoff, and no counter of a participant that is gone).
   */
  static final String BOARD_ACTIONS_COUNT_ABOVE = "SELECT COUNT(*) FROM action_count c JOIN participant p"
      + " ON p.tenant_id = c.tenant_id AND p.participant_id = c.participant_id WHERE c.tenant_id = :tenantId"
      + " AND c.campaign_id = :campaignId AND c.campaign_reward_id = 0 AND c.year_month = :month"
      + " AND c.count > :score";
  static final String BOARD_POINTS_COUNT_ABOVE = "SELECT COUNT(*) FROM points_count c JOIN participant p"
      + " ON p.tenant_id = c.tenant_id AND p.participant_id = c.participant_id WHERE c.tenant_id = :tenantId"
      + " AND c.campaign_id = :campaignId AND c.year_month = :month AND c.points > :score";
  /** Every member (a negative score: everyone is above it). */
  static final String BOARD_COUNT_MEMBERS = "SELECT COUNT(*) FROM participant p" + BOARD_WHERE_CAMPAIGN;

  /**
   * Points counters: created at 0 if absent (H2; {@link #pointsCounterCreate()}), then added to under the row lock.
   * The time of the change never moves back, so catching up from a time never misses a later change.
   */
  static final String POINTS_ADD = "UPDATE points_count SET points = points + :points,"
      + " updated_at = GREATEST(updated_at, :at)"
      + " WHERE tenant_id = :tenantId AND participant_id = :participantId AND year_month = :month";
  /**
   * H2: many counters added to at once, each named once, created if absent, from bound arrays (see
   * {@link #H2_LEDGER_INSERT_ALL}). As {@link #pointsUpsert()}, a counter another transaction creates between the
   * look and the insert is a unique violation.
   */
  static final String H2_POINTS_UPSERT_ALL = "MERGE INTO points_count x USING (SELECT * FROM UNNEST("
      + h2Arrays("cTenant BIGINT", "cParticipant BIGINT", "cMonth INTEGER", "cCampaign BIGINT", "cPoints BIGINT",
      "cAt TIMESTAMP(6) WITH TIME ZONE") + ")) s (tenant_id, participant_id, year_month, campaign_id, points, at)"
      + " ON x.tenant_id = s.tenant_id AND x.participant_id = s.participant_id AND x.year_month = s.year_month"
      + " WHEN MATCHED THEN UPDATE SET points = x.points + s.points, updated_at = GREATEST(x.updated_at, s.at)"
      + " WHEN NOT MATCHED THEN INSERT (tenant_id, participant_id, year_month, campaign_id, points, updated_at)"
      + " VALUES (s.tenant_id, s.participant_id, s.year_month, s.campaign_id, s.points, s.at)";
  static final String POINTS_DELETE_ALL =
      "DELETE FROM points_count WHERE tenant_id = :tenantId AND participant_id = :participantId";

  /**
   * A campaign's board counters of the months {@code :months} (an array) changed at or after {@code :since}, both
   * metrics, oldest change first; each half is served by its counters' {@code (tenant, campaign, updated_at)} index,
   * read in that order up to the limit. The page is then the oldest changes of the two halves (every change older
   * than its last one's time: a half cut at the limit holds that many changes as old as its last, all in the page if
   * older than the page's last), those at its last time possibly in part, which the catch-up reads again from that
   * time. The union sorted as a whole, H2 read both halves' every change since the time and sorted them, each page
   * (600,000 counters for a page of 10,000).
   */
  static final String BOARD_CHANGED_SINCE = "(SELECT participant_id, CAST('ACTIONS' AS VARCHAR(7)) AS metric,"
      + " year_month, count AS score, updated_at FROM action_count WHERE tenant_id = :tenantId"
      + " AND campaign_id = :campaignId AND updated_at >= :since AND campaign_reward_id = 0"
      + " AND year_month = ANY(:months) ORDER BY tenant_id, campaign_id, updated_at LIMIT :limit)"
      + " UNION ALL (SELECT participant_id, CAST('POINTS' AS VARCHAR(7)) AS metric, year_month, points AS score,"
      + " updated_at FROM points_count WHERE tenant_id = :tenantId AND campaign_id = :campaignId"
      + " AND updated_at >= :since AND year_month = ANY(:months) ORDER BY tenant_id, campaign_id, updated_at"
      + " LIMIT :limit)"
      + " ORDER BY updated_at, participant_id, metric, year_month LIMIT :limit";
  /** A campaign's participants created at or after {@code :since}, oldest first (index ix_participant_created). */
  static final String BOARD_CREATED_SINCE = "SELECT participant_id, created_at FROM participant"
      + " WHERE tenant_id = :tenantId AND campaign_id = :campaignId AND created_at >= :since"
      + " ORDER BY tenant_id, campaign_id, created_at, participant_id LIMIT :limit";
  /**
   * A campaign's removals at or after {@code :since}, at most {@code :limit}, in the order of
   * ix_board_removal_removed (the catch-up applies them all, or rebuilds when there are as many as the limit).
   * Ordered by time and participant, H2 read every removal since the time and sorted them.
   */
  static final String BOARD_REMOVED_SINCE = "SELECT participant_id FROM board_removal"
      + " WHERE tenant_id = :tenantId AND campaign_id = :campaignId AND removed_at >= :since"
      + " ORDER BY tenant_id, campaign_id, removed_at LIMIT :limit";

  static final String WINNERS_FIND = "SELECT recorded_at FROM month_winners WHERE tenant_id = :tenantId"
      + " AND campaign_id = :campaignId AND metric = :metric AND year_month = :month";
  static final String WINNER_INSERT = "INSERT INTO month_winner (tenant_id, campaign_id, metric, year_month,"
      + " position, participant_id, score, rank) VALUES (:tenantId, :campaignId, :metric, :month, :position,"
      + " :participantId, :score, :rank)";
  static final String WINNER_LIST = "SELECT participant_id, score, rank FROM month_winner WHERE tenant_id = :tenantId"
      + " AND campaign_id = :campaignId AND metric = :metric AND year_month = :month ORDER BY position";

  /**
   * The number a node claim takes: the earliest expiry that has passed (a number never leased expires at the epoch, a
   * released one when it was released), the lowest number among equals. Read without a lock:
   * {@link #NODE_CLAIM_IF_FREE} decides.
   */
  static final String NODE_CLAIMABLE =
      "SELECT node FROM node_lease WHERE expires_at <= :now ORDER BY expires_at, node LIMIT 1";
  /**
   * Leases a number if it is still claimable. A concurrent claim of the same number holds its row lock: this waits
   * for it, then re-checks the row as committed (READ COMMITTED) and finds it taken (no row changed).
   */
  static final String NODE_CLAIM_IF_FREE = "UPDATE node_lease SET holder = :holder, expires_at = :expiresAt"
      + " WHERE node = :node AND expires_at <= :now";
  static final String NODE_RENEW =
      "UPDATE node_lease SET expires_at = :expiresAt WHERE node = :node AND holder = :holder";
  /** Frees a number from {@code :at} on: no holder, claimable once a claimer's clock reads {@code :at}. */
  static final String NODE_RELEASE =
      "UPDATE node_lease SET holder = NULL, expires_at = :at WHERE node = :node AND holder = :holder";

  static final String SSO_SECRET_COLUMNS = "tenant_id, secret, previous_secret, previous_secret_until, created_at";
  static final String SSO_SECRET_FIND = "SELECT " + SSO_SECRET_COLUMNS + " FROM sso_secret WHERE tenant_id = :tenantId";
  static final String SSO_SECRET_UPDATE = "UPDATE sso_secret SET secret = :secret, previous_secret = :previousSecret,"
      + " previous_secret_until = :previousSecretUntil, created_at = :createdAt WHERE tenant_id = :tenantId";
  static final String SSO_SECRET_DELETE = "DELETE FROM sso_secret WHERE tenant_id = :tenantId";

  static final String CUSTOMER_MAPPING_COLUMNS = "campaign_id, customer_id, participant_id, created_at";
  static final String CUSTOMER_MAPPING_INSERT = "INSERT INTO customer_mapping (tenant_id, " + CUSTOMER_MAPPING_COLUMNS
      + ") VALUES (:tenantId, :campaignId, :customerId, :participantId, :createdAt)";
  static final String CUSTOMER_MAPPING_FIND = "SELECT " + CUSTOMER_MAPPING_COLUMNS + " FROM customer_mapping"
      + " WHERE tenant_id = :tenantId AND campaign_id = :campaignId AND customer_id = :customerId";
  static final String CUSTOMER_MAPPING_FIND_BY_PARTICIPANT = "SELECT " + CUSTOMER_MAPPING_COLUMNS
      + " FROM customer_mapping WHERE tenant_id = :tenantId AND participant_id = :participantId";
  static final String CUSTOMER_MAPPING_DELETE = "DELETE FROM customer_mapping"
      + " WHERE tenant_id = :tenantId AND campaign_id = :campaignId AND customer_id = :customerId";
  static final String CUSTOMER_MAPPING_DELETE_ALL =
      "DELETE FROM customer_mapping WHERE tenant_id = :tenantId AND participant_id = :participantId";

  /**
   * Whether the schema history is there, under any case of its name. The catalog's names are written in upper case:
   * H2 names them so, and an H2 database that keeps the case of names ({@code DATABASE_TO_UPPER=FALSE}) does not
   * fold {@code information_schema} to them; PostgreSQL folds them to its lower-case ones.
   */
  static final String HISTORY_TABLE_EXISTS = "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES"
      + " WHERE LOWER(TABLE_NAME) = 'loyalty_schema_history' AND TABLE_SCHEMA = CURRENT_SCHEMA";
  static final String HISTORY_SELECT =
      "SELECT version, description, checksum FROM loyalty_schema_history ORDER BY version";
  static final String HISTORY_INSERT = "INSERT INTO loyalty_schema_history (version, description, checksum,"
      + " applied_at) VALUES (?, ?, ?, ?)";

  private final SqlDialect dialect;
  private final String credit;
  private final String debit;
  private final String participantInsert;
  private final String participantUpdateProfile;
  private final String historyCreate;
  private final String nextSequence;
  private final String nextSequenceInCampaign;
  private final String earnedTransition;
  private final String earnedTransitionApproved;
  private final String earnedTransitionFulfilled;
  private final String earnedSetCoupon;
  private final String earnedSetWaiting;
  private final String catalogTakeStock;
  private final String brandUpdate;
  private final String campaignUpdate;
  private final String questUpdate;
  private final String feedbackBoardUpdate;
  private final String catalogAdjustStock;
  private final String catalogUpdate;
  private final String eventInsert;
  private final String feedCreate;
  private final String deliveryCreate;
  private final String claimForListeners;
  private final String claimForListenersAndWebhooks;
  private final String deliveryParkOverdue;
  private final String rewardProgramSave;
  private final String actionInsert;
  private final String actionAndEventInsert;
  private final String actionAndEventInsertAndCommit;
  private final String earnedInsertIfAbsent;
  private final String signupGateMake;
  private final String couponExisting;
  private final String couponAssignNext;
  private final String couponCountAfter;
  private final String earnedWaitingForCoupon;
  private final String referralProgramSave;
  private final String landingPageSave;
  private final String testimonialInsertIfAbsent;
  private final String questCompletionInsertIfAbsent;
  private final String voteInsertIfAbsent;
  private final String feedbackWithdrawVotesOf;
  private final String feedbackDeleteVotesOnIdeasOf;
  private final String signingKeyInsertIfAbsent;
  private final String signingKeyInsertNext;
  private final String shortCodeInsertIfAbsent;
  private final String signupInsertIfAbsent;
  private final String referralInsertIfAbsent;
  private final String visitorInsertIfAbsent;
  private final String referralStatsCreate;
  private final String referralStatsUpsert;
  private final String conversionInsertIfAbsent;
  private final String pointsCounterCreate;
  private final String pointsUpsert;
  private final String removalInsertIfAbsent;
  private final String winnersInsertIfAbsent;
  private final String ssoSecretInsertIfAbsent;
  private final String tenantLock;
  private final String rateBucketLease;
  private final String rateBucketCreate;
  private final boolean matchesDecomposedSearch;

  /** The statements of {@code dialect}, on a database that stores every Unicode character. */
  public Sql(SqlDialect dialect) {
    this(dialect, true);
  }

  /**
   * The statements of {@code dialect}.
   *
   * @param storesEveryCharacter whether the database stores every Unicode character (H2; PostgreSQL in UTF8, or
   *     SQL_ASCII, which stores the bytes it gets): only then is a search matched in its decomposed form too, which
   *     holds combining accents that a database in another encoding (LATIN1) cannot convert, and never stored
   */
  public Sql(SqlDialect dialect, boolean storesEveryCharacter) {
    this.dialect = Objects.requireNonNull(dialect, "dialect");
    this.matchesDecomposedSearch = storesEveryCharacter;
    String metadata = switch (dialect) {
      case H2 -> ":metadata";
      // json columns take text only through an explicit cast.
      case POSTGRESQL -> "CAST(:metadata AS json)";
    };
    this.credit = returning(CREDIT_UPDATE, CHANGED_COLUMNS);
    this.debit = returning(DEBIT_UPDATE, CHANGED_COLUMNS);
    this.participantInsert = "INSERT INTO participant (tenant_id, participant_id, campaign_id, email,"
        + " email_sanitized, first_name, last_name, ip_address, tier, metadata, search_text, points_balance,"
        + " lifetime_points, created_at, updated_at, risk_level, risk_reason) VALUES (:tenantId, :participantId,"
        + " :campaignId, :email, :emailSanitized, :firstName, :lastName, :ipAddress, :tier, " + metadata + ","
        + " :searchText, :pointsBalance, :lifetimePoints, :createdAt, :updatedAt, :riskLevel, :riskReason)";
    this.participantUpdateProfile = "UPDATE participant SET email = :email, email_sanitized = :emailSanitized,"
        + " first_name = :firstName, last_name = :lastName, ip_address = :ipAddress, tier = :tier,"
        + " metadata = " + metadata + ", search_text = :searchText, updated_at = :updatedAt"
        + " WHERE tenant_id = :tenantId AND participant_id = :participantId";
    String timestamp = dialect == SqlDialect.H2 ? "TIMESTAMP(6) WITH TIME ZONE" : "timestamptz";
    this.historyCreate = "CREATE TABLE IF NOT EXISTS loyalty_schema_history ("
        + " version INTEGER NOT NULL, description VARCHAR(200) NOT NULL, checksum VARCHAR(64) NOT NULL,"
        + " applied_at " + timestamp + " NOT NULL, CONSTRAINT pk_loyalty_schema_history PRIMARY KEY (version))";
    // On PostgreSQL a lock that does not block the FOR KEY SHARE of a foreign key's check: a tenant's first rate
    // bucket (rate_bucket references tenant) is inserted in the engine's own transaction, also while a host's
    // transaction holding the tenant (a key issued in it) waits on the same thread for the request it authenticates.
    // Lockers of the tenant still wait for each other. H2 locks no parent row to check a foreign key.
    this.tenantLock = switch (dialect) {
      case H2 -> TENANT_FIND + " FOR UPDATE";
      case POSTGRESQL -> TENANT_FIND + " FOR NO KEY UPDATE";
    };
    this.rateBucketLease = returning(RATE_BUCKET_LEASE, "debt, refilled_at, granted");
    this.rateBucketCreate = switch (dialect) {
      case H2 -> "MERGE INTO rate_bucket b USING (VALUES (CAST(:tenantId AS BIGINT), CAST(:limit AS BIGINT),"
          + " CAST(:period AS BIGINT))) s (tenant_id, token_limit, period_us) ON b.tenant_id = s.tenant_id"
          + " AND b.token_limit = s.token_limit AND b.period_us = s.period_us WHEN NOT MATCHED THEN INSERT"
          + " (tenant_id, token_limit, period_us, debt, refilled_at, granted) VALUES (s.tenant_id, s.token_limit,"
          + " s.period_us, 0, :now, 0)";
      case POSTGRESQL -> "INSERT INTO rate_bucket (tenant_id, token_limit, period_us, debt, refilled_at, granted)"
          + " VALUES (:tenantId, :limit, :period, 0, :now, 0) ON CONFLICT (tenant_id, token_limit, period_us)"
          + " DO NOTHING";
    };
    this.nextSequence = returning(NEXT_SEQUENCE_UPDATE, "event_sequence");
    this.nextSequenceInCampaign =
        returning(NEXT_SEQUENCE_UPDATE + " AND campaign_id = :campaignId", "event_sequence");
    this.earnedTransition = returning(EARNED_TRANSITION, EARNED_COLUMNS);
    this.earnedTransitionApproved = returning(EARNED_TRANSITION_APPROVED, EARNED_COLUMNS);
    this.earnedTransitionFulfilled = returning(EARNED_TRANSITION_FULFILLED, EARNED_COLUMNS);
    this.earnedSetCoupon = returning(EARNED_SET_COUPON, EARNED_COLUMNS);
    this.earnedSetWaiting = returning(EARNED_SET_WAITING, EARNED_COLUMNS);
    this.catalogTakeStock = returning(CATALOG_TAKE_STOCK, CATALOG_COLUMNS);
    this.brandUpdate = returning(BRAND_UPDATE, BRAND_COLUMNS);
    this.campaignUpdate = returning(CAMPAIGN_UPDATE, CAMPAIGN_COLUMNS);
    this.questUpdate = returning(QUEST_UPDATE, QUEST_COLUMNS);
    this.feedbackBoardUpdate = returning(FEEDBACK_BOARD_UPDATE, FEEDBACK_BOARD_COLUMNS);
    this.catalogAdjustStock = returning(CATALOG_ADJUST_STOCK, CATALOG_COLUMNS);
    this.catalogUpdate = returning(CATALOG_UPDATE, CATALOG_COLUMNS);
    String payload = dialect == SqlDialect.H2 ? ":payload" : "CAST(:payload AS json)";
    this.eventInsert = "INSERT INTO event_outbox (" + EVENT_COLUMNS + ") VALUES (:tenantId, :eventId, :type,"
        + " :campaignId, :participantId, :sequence, :occurredAt, :schemaVersion, :position, " + payload + ")";
    String deliveryValues = ":participantId, :sequence, :position, :status, :attempts, :nextAttemptAt, :leaseOwner,"
        + " :leaseUntil, :lastError, :updatedAt)";
    this.feedCreate = switch (dialect) {
      // H2 has no ON CONFLICT; its MERGE inserts only when the key is absent (a concurrent insert of the same key
      // still fails with a unique violation, which the port ignores: H2 keeps the transaction usable).
      case H2 -> "MERGE INTO event_feed f USING (VALUES (CAST(:tenantId AS BIGINT))) s (tenant_id)"
          + " ON f.tenant_id = s.tenant_id WHEN NOT MATCHED THEN INSERT (tenant_id, last_position)"
          + " VALUES (s.tenant_id, 0)";
      case POSTGRESQL -> "INSERT INTO event_feed (tenant_id, last_position) VALUES (:tenantId, 0)"
          + " ON CONFLICT (tenant_id) DO NOTHING";
    };
    this.deliveryCreate = switch (dialect) {
      case H2 -> "MERGE INTO event_delivery x USING (VALUES (CAST(:tenantId AS BIGINT), CAST(:eventId AS BIGINT),"
          + " CAST(:subscriber AS VARCHAR))) s (tenant_id, event_id, subscriber) ON x.tenant_id = s.tenant_id"
          + " AND x.event_id = s.event_id AND x.subscriber = s.subscriber WHEN NOT MATCHED THEN INSERT ("
          + DELIVERY_COLUMNS + ") VALUES (s.tenant_id, s.event_id, s.subscriber, " + deliveryValues;
      case POSTGRESQL -> "INSERT INTO event_delivery (" + DELIVERY_COLUMNS + ") VALUES (:tenantId, :eventId,"
          + " :subscriber, " + deliveryValues + " ON CONFLICT (tenant_id, event_id, subscriber) DO NOTHING";
    };
    String lock = switch (dialect) {
      // H2 2.3 accepts SKIP LOCKED, but with ORDER BY and LIMIT it returns no row at all as soon as one candidate is
      // locked by another transaction. A plain FOR UPDATE waits for the other claim (short: select, lease, commit)
      // and then re-reads, finding the rows it leased no longer claimable; H2 serves one process only anyway.
      case H2 -> " FOR UPDATE";
      // The candidates are read; DELIVERY_LOCK_CANDIDATES locks them.
      case POSTGRESQL -> "";
    };
    String order = DELIVERY_CLAIM_ORDER + switch (dialect) {
      // H2 compares text as Java does (its default collation, OFF), as the in-memory store does.
      case H2 -> "";
      // Not the database's collation, usually a language's (en_US puts "a" before "B" and nearly ignores
      // punctuation), which would claim an event's subscribers in another order than the other stores, and another
      // on each database: "C" compares the characters' codes, as Java does for every listener and webhook name.
      case POSTGRESQL -> " COLLATE \"C\"";
    } + " LIMIT :limit";
    String claim = dialect == SqlDialect.H2 ? DELIVERY_CLAIM_H2 : DELIVERY_CANDIDATES_POSTGRESQL;
    // The rows to park are chosen by a subquery, due first first, through ix_event_delivery_claim (status,
    // next_attempt_at), each with the evidence of its endpoint's failure read through ix_event_delivery_outcome; the
    // update then re-checks them, so that a row a claim leased meanwhile stays as it is.
    String overdue = "SELECT d.tenant_id, d.event_id, d.subscriber FROM event_delivery d WHERE" + DELIVERY_OVERDUE
        + DELIVERY_OVERDUE_EVIDENCE + " ORDER BY d.next_attempt_at LIMIT :limit";
    String park = "UPDATE event_delivery SET status = 'PARKED', last_error = :lastError, lease_owner = NULL,"
        + " lease_until = NULL, updated_at = :now";
    this.deliveryParkOverdue = switch (dialect) {
      // The keys only, locked: JdbcDeliveryPort parks them by key (DELIVERY_PARK_OVERDUE_KEY). As an IN subquery of
      // the update, H2 ran the subquery again while it updated, and parked 1 row of 4 for a limit of 2. The lock
      // waits for a row a claim holds and re-reads it (see deliveryClaim).
      case H2 -> overdue + " FOR UPDATE";
      // Materialized, locked, and joined by key: as an IN subquery with SKIP LOCKED, PostgreSQL ran it again while
      // it updated, each run passing by the rows already updated and picking others, and parked 5 rows for a limit
      // of 2. Rows a claim holds are passed by rather than waited for, as a second claim does, and so are those
      // another instance's parking holds at the same time.
      case POSTGRESQL -> "WITH picked (t, e, s) AS MATERIALIZED (" + overdue + " FOR UPDATE SKIP LOCKED) " + park
          + " FROM picked WHERE tenant_id = picked.t AND event_id = picked.e AND subscriber = picked.s AND"
          + DELIVERY_OVERDUE;
    };
    this.claimForListeners = claim + DELIVERY_FOR_LISTENERS + order + lock;
    this.claimForListenersAndWebhooks = claim + DELIVERY_FOR_LISTENERS_AND_WEBHOOKS + order + lock;
    this.rewardProgramSave = switch (dialect) {
      case H2 -> "MERGE INTO reward_program (tenant_id, campaign_id, automation, coupon_low_stock_threshold)"
          + " KEY (tenant_id, campaign_id) VALUES (:tenantId, :campaignId, :automation, :threshold)";
      case POSTGRESQL -> "INSERT INTO reward_program (tenant_id, campaign_id, automation, coupon_low_stock_threshold)"
          + " VALUES (:tenantId, :campaignId, :automation, :threshold) ON CONFLICT (tenant_id, campaign_id)"
          + " DO UPDATE SET automation = EXCLUDED.automation,"
          + " coupon_low_stock_threshold = EXCLUDED.coupon_low_stock_threshold";
    };
    this.actionInsert = "INSERT INTO loyalty_action (" + ACTION_COLUMNS + ") VALUES (:tenantId, :actionId,"
        + " :campaignId, :participantId, :campaignRewardId, :source, " + metadata + ", :invitedParticipantId,"
        + " :idempotencyKey, :participantCreated, :allTime, :currentMonth, :previousMonth, :rewardAllTime,"
        + " :rewardCurrentMonth, :recordedAt)";
    // PostgreSQL only (H2 has no data-modifying CTE): the event's tenant, campaign and participant are the action's.
    this.actionAndEventInsert = "WITH action AS (" + actionInsert + ") " + eventInsert;
    this.actionAndEventInsertAndCommit = withCommit(actionAndEventInsert);
    String earnedValues = ":campaignId, :type, :status, :unread, :points, :couponCode, :message, :cashAmountMinor,"
        + " :currency, :waitingReason, :actionId, :earnedAt, :approvedAt, :fulfilledAt)";
    this.earnedInsertIfAbsent = switch (dialect) {
      // The unique key (tenant, participant, campaign reward, cycle) decides; see runInsertIfAbsent for H2's race.
      case H2 -> "MERGE INTO earned_reward x USING (VALUES (CAST(:tenantId AS BIGINT),"
          + " CAST(:participantId AS BIGINT), CAST(:campaignRewardId AS BIGINT), CAST(:cycle AS INTEGER))) s"
          + " (tenant_id, participant_id, campaign_reward_id, cycle) ON x.tenant_id = s.tenant_id"
          + " AND x.participant_id = s.participant_id AND x.campaign_reward_id = s.campaign_reward_id"
          + " AND x.cycle = s.cycle WHEN NOT MATCHED THEN INSERT (tenant_id, earned_reward_id, participant_id,"
          + " campaign_reward_id, cycle, campaign_id, type, status, unread, points, coupon_code, message,"
          + " cash_amount_minor, currency, waiting_reason, action_id, earned_at, approved_at, fulfilled_at)"
          + " VALUES (s.tenant_id, :earnedRewardId, s.participant_id, s.campaign_reward_id, s.cycle, " + earnedValues;
      // No conflict target: a row with the same id is also left alone rather than failing the transaction.
      case POSTGRESQL -> "INSERT INTO earned_reward (tenant_id, earned_reward_id, participant_id, campaign_reward_id,"
          + " cycle, campaign_id, type, status, unread, points, coupon_code, message, cash_amount_minor, currency,"
          + " waiting_reason, action_id, earned_at, approved_at, fulfilled_at) VALUES (:tenantId, :earnedRewardId,"
          + " :participantId, :campaignRewardId, :cycle, " + earnedValues + " ON CONFLICT DO NOTHING";
    };
    this.couponExisting = switch (dialect) {
      // H2 runs code = ANY(:codes) as a scan of the whole pool testing each row against the array; from the unnested
      // array it looks each code up in uq_coupon_code_code.
      case H2 -> "SELECT c.code FROM UNNEST(:codes) AS u(code) JOIN coupon_code c ON c.tenant_id = :tenantId"
          + " AND c.campaign_id = :campaignId AND c.code = u.code";
      // PostgreSQL searches uq_coupon_code_code for the array's codes; the join above it plans as a hash join over a
      // scan of the pool.
      case POSTGRESQL -> "SELECT code FROM coupon_code" + COUPON_POOL + " AND code = ANY(:codes)";
    };
    this.signupGateMake = switch (dialect) {
      // A second maker of the same gate spins on the first's uncommitted key, then fails on it (made already).
      case H2 -> "MERGE INTO referral_signup_gate x USING (VALUES (CAST(:tenantId AS BIGINT),"
          + " CAST(:campaignId AS BIGINT), CAST(:gate AS INTEGER))) s (tenant_id, campaign_id, gate)"
          + " ON x.tenant_id = s.tenant_id AND x.campaign_id = s.campaign_id AND x.gate = s.gate"
          + " WHEN NOT MATCHED THEN INSERT (tenant_id, campaign_id, gate) VALUES (s.tenant_id, s.campaign_id, s.gate)";
      // A second maker waits for the first to end, then does nothing.
      case POSTGRESQL -> "INSERT INTO referral_signup_gate (tenant_id, campaign_id, gate)"
          + " VALUES (:tenantId, :campaignId, :gate) ON CONFLICT DO NOTHING";
    };
    this.couponCountAfter = switch (dialect) {
      // Unordered: ordered by the key, H2 (2.3) drops the code's id from the range and reads the pool from its start
      // up to the code (the whole pool near its end, on every assignment), and ordered by the id alone it reads the
      // range to the pool's end and sorts it. Any atMost rows of the range count the same.
      case H2 -> "SELECT COUNT(*) FROM (SELECT 1 FROM coupon_code" + COUPON_POOL + " AND coupon_id > "
          + COUPON_ID_OF_CODE + " LIMIT :atMost) after_code";
      // In the key's order: unordered, PostgreSQL may read the table from its start.
      case POSTGRESQL -> "SELECT COUNT(*) FROM (SELECT 1 FROM coupon_code" + COUPON_POOL + " AND coupon_id > "
          + COUPON_ID_OF_CODE + " ORDER BY tenant_id, campaign_id, coupon_id LIMIT :atMost) after_code";
    };
    this.earnedWaitingForCoupon = EARNED_WAITING_FOR_COUPON + switch (dialect) {
      // ix_earned_reward_waiting's order (V26: the code's column, NULL for those waiting, before the id). H2 has no
      // partial index: through (tenant, campaign, status, type, id) it read every approved coupon reward of the
      // campaign, those holding a code too, for the few that wait.
      case H2 -> " ORDER BY tenant_id, campaign_id, status, type, coupon_code, earned_reward_id";
      // The partial index holds the waiting rewards only, by id; IS NULL fixes no sort key for PostgreSQL, so the
      // code's column in the order would sort every waiting reward.
      case POSTGRESQL -> " ORDER BY earned_reward_id";
    } + " LIMIT :limit";
    this.couponAssignNext = switch (dialect) {
      // H2 has no usable SKIP LOCKED with ORDER BY and LIMIT (see deliveryClaim): JdbcCouponPort reads the lowest
      // free id and assigns it with COUPON_ASSIGN_IF_FREE, trying again when another transaction took it first.
      // PostgreSQL falls back to that when this finds nothing, to wait for codes other transactions hold.
      case H2 -> null;
      case POSTGRESQL -> COUPON_ASSIGN + " WHERE (tenant_id, campaign_id, coupon_id) = (SELECT tenant_id, campaign_id,"
          + " coupon_id FROM coupon_code" + COUPON_POOL + " AND status = 'FREE' ORDER BY coupon_id LIMIT 1"
          + " FOR UPDATE SKIP LOCKED) AND status = 'FREE' RETURNING code";
    };
    this.voteInsertIfAbsent = insertIfAbsent(dialect, "feedback_vote",
        "tenant_id BIGINT, idea_id BIGINT, participant_id BIGINT", "created_at");
    // H2 uses an IN (subquery) on the key's second column, after the tenant's, as a filter over the tenant's whole
    // range (all its ideas, or all the votes on them); a MERGE looks each row of its source up by the key.
    this.feedbackWithdrawVotesOf = switch (dialect) {
      case H2 -> "MERGE INTO feedback_idea i USING (" + VOTED_BY + ") v ON i.tenant_id = :tenantId"
          + " AND i.idea_id = v.idea_id WHEN MATCHED AND i.votes > 0 THEN UPDATE SET votes = i.votes - 1";
      case POSTGRESQL -> FEEDBACK_WITHDRAW_VOTES_OF;
    };
    this.feedbackDeleteVotesOnIdeasOf = switch (dialect) {
      case H2 -> "MERGE INTO feedback_vote v USING (" + IDEAS_OF + ") i ON v.tenant_id = :tenantId"
          + " AND v.idea_id = i.idea_id WHEN MATCHED THEN DELETE";
      case POSTGRESQL -> FEEDBACK_DELETE_VOTES_ON_IDEAS_OF;
    };
    this.testimonialInsertIfAbsent = insertIfAbsent(dialect, "testimonial",
        "tenant_id BIGINT, participant_id BIGINT", "testimonial_id, campaign_id, text, rating, status, created_at");
    this.questCompletionInsertIfAbsent = insertIfAbsent(dialect, "quest_completion",
        "tenant_id BIGINT, quest_id BIGINT, participant_id BIGINT, task_number INTEGER",
        "completes_quest, completed_at");
    this.landingPageSave = switch (dialect) {
      case H2 -> "MERGE INTO landing_page (" + LANDING_PAGE_COLUMNS + ") KEY (tenant_id, campaign_id)"
          + " VALUES (" + parameters(LANDING_PAGE_COLUMNS) + ")";
      case POSTGRESQL -> "INSERT INTO landing_page (" + LANDING_PAGE_COLUMNS + ") VALUES ("
          + parameters(LANDING_PAGE_COLUMNS) + ") ON CONFLICT (tenant_id, campaign_id) DO UPDATE SET"
          + " url = EXCLUDED.url, headline = EXCLUDED.headline, description = EXCLUDED.description,"
          + " share_message = EXCLUDED.share_message, image_url = EXCLUDED.image_url,"
          + " referral_parameter = EXCLUDED.referral_parameter";
    };
    this.referralProgramSave = switch (dialect) {
      case H2 -> "MERGE INTO referral_program (" + REFERRAL_PROGRAM_COLUMNS + ") KEY (tenant_id, campaign_id)"
          + " VALUES (" + parameters(REFERRAL_PROGRAM_COLUMNS) + ")";
      case POSTGRESQL -> "INSERT INTO referral_program (" + REFERRAL_PROGRAM_COLUMNS + ") VALUES ("
          + parameters(REFERRAL_PROGRAM_COLUMNS) + ") ON CONFLICT (tenant_id, campaign_id) DO UPDATE SET"
          + " goal = EXCLUDED.goal, require_signed_codes = EXCLUDED.require_signed_codes,"
          + " referrer_reward_id = EXCLUDED.referrer_reward_id, conversion_mode = EXCLUDED.conversion_mode,"
          + " conversion_fixed_points = EXCLUDED.conversion_fixed_points,"
          + " conversion_per_unit = EXCLUDED.conversion_per_unit, on_medium_risk = EXCLUDED.on_medium_risk,"
          + " on_high_risk = EXCLUDED.on_high_risk, velocity_limit = EXCLUDED.velocity_limit,"
          + " velocity_window_seconds = EXCLUDED.velocity_window_seconds";
    };
    this.signingKeyInsertIfAbsent = insertIfAbsent(dialect, "referral_signing_key",
        "tenant_id BIGINT, key_id INTEGER", "secret, created_at");
    // The aggregate over the tenant's keys is one row, even over none (MAX null: a first key); HAVING keeps it only
    // when the key is next to the highest and the bound leaves room, so the check and the insert are one statement.
    String nextKeyOfTenant = " FROM referral_signing_key WHERE tenant_id = :tenantId"
        + " HAVING COALESCE(MAX(key_id), 0) = :keyId - 1 AND COUNT(*) < :maxKeys";
    this.signingKeyInsertNext = switch (dialect) {
      case H2 -> "MERGE INTO referral_signing_key x USING (SELECT CAST(:tenantId AS BIGINT) tenant_id,"
          + " CAST(:keyId AS INTEGER) key_id" + nextKeyOfTenant + ") s"
          + " ON x.tenant_id = s.tenant_id AND x.key_id = s.key_id WHEN NOT MATCHED THEN INSERT"
          + " (tenant_id, key_id, secret, created_at) VALUES (s.tenant_id, s.key_id, :secret, :createdAt)";
      case POSTGRESQL -> "INSERT INTO referral_signing_key (tenant_id, key_id, secret, created_at)"
          + " SELECT CAST(:tenantId AS BIGINT), CAST(:keyId AS INTEGER), CAST(:secret AS BYTEA),"
          + " CAST(:createdAt AS TIMESTAMPTZ)" + nextKeyOfTenant + " ON CONFLICT DO NOTHING";
    };
    this.shortCodeInsertIfAbsent = switch (dialect) {
      // Absent on both keys: the participant has no code, and the campaign has no such code.
      case H2 -> "MERGE INTO referral_short_code x USING (VALUES (CAST(:tenantId AS BIGINT),"
          + " CAST(:participantId AS BIGINT), CAST(:campaignId AS BIGINT), CAST(:code AS VARCHAR))) s"
          + " (tenant_id, participant_id, campaign_id, code) ON x.tenant_id = s.tenant_id"
          + " AND (x.participant_id = s.participant_id OR (x.campaign_id = s.campaign_id AND x.code = s.code))"
          + " WHEN NOT MATCHED THEN INSERT (tenant_id, participant_id, campaign_id, code)"
          + " VALUES (s.tenant_id, s.participant_id, s.campaign_id, s.code)";
      case POSTGRESQL -> insertIfAbsent(dialect, "referral_short_code", "tenant_id BIGINT, participant_id BIGINT",
          "campaign_id, code");
    };
    this.signupInsertIfAbsent = insertIfAbsent(dialect, "referral_signup", "tenant_id BIGINT, participant_id BIGINT",
        "campaign_id, ip_address, visitor_id, customer_id, created_at");
    this.referralInsertIfAbsent = insertIfAbsent(dialect, "referral", "tenant_id BIGINT, invited_id BIGINT",
        "campaign_id, referrer_id, code_kind, risk_level, risk_reason, status, created_at");
    this.visitorInsertIfAbsent = insertIfAbsent(dialect, "referral_visitor",
        "tenant_id BIGINT, participant_id BIGINT, visitor_id VARCHAR", "campaign_id, created_at");
    String statsColumns = "tenant_id, participant_id, campaign_id, " + STATS_COUNTERS;
    this.referralStatsCreate = switch (dialect) {
      case H2 -> "MERGE INTO referral_stats x USING (VALUES (CAST(:tenantId AS BIGINT),"
          + " CAST(:participantId AS BIGINT))) s (tenant_id, participant_id) ON x.tenant_id = s.tenant_id"
          + " AND x.participant_id = s.participant_id WHEN NOT MATCHED THEN INSERT (" + statsColumns + ")"
          + " VALUES (s.tenant_id, s.participant_id, :campaignId, 0, 0, 0, 0, 0, 0, 0, 0)";
      case POSTGRESQL -> null;
    };
    this.referralStatsUpsert = switch (dialect) {
      case H2 -> null;
      case POSTGRESQL -> "INSERT INTO referral_stats AS x (" + statsColumns + ") VALUES (" + parameters(statsColumns)
          + ") ON CONFLICT (tenant_id, participant_id) DO UPDATE SET"
          + " impressions = x.impressions + EXCLUDED.impressions, shares = x.shares + EXCLUDED.shares,"
          + " clicks = x.clicks + EXCLUDED.clicks, unique_visitors = x.unique_visitors + EXCLUDED.unique_visitors,"
          + " signups = x.signups + EXCLUDED.signups, conversions = x.conversions + EXCLUDED.conversions,"
          + " reversals = x.reversals + EXCLUDED.reversals, revenue = x.revenue + EXCLUDED.revenue";
    };
    this.conversionInsertIfAbsent = insertIfAbsent(dialect, "referral_conversion",
        "tenant_id BIGINT, campaign_id BIGINT, order_id VARCHAR",
        "conversion_id, referrer_id, order_value, points, status, points_reversed, created_at, reversed_at");
    this.pointsCounterCreate = switch (dialect) {
      case H2 -> "MERGE INTO points_count x USING (VALUES (CAST(:tenantId AS BIGINT), CAST(:participantId AS BIGINT),"
          + " CAST(:month AS INTEGER))) s (tenant_id, participant_id, year_month) ON x.tenant_id = s.tenant_id"
          + " AND x.participant_id = s.participant_id AND x.year_month = s.year_month WHEN NOT MATCHED THEN INSERT"
          + " (tenant_id, participant_id, year_month, campaign_id, points, updated_at) VALUES (s.tenant_id,"
          + " s.participant_id, s.year_month, :campaignId, 0, :at)";
      case POSTGRESQL -> null;
    };
    this.pointsUpsert = switch (dialect) {
      // One statement. Two transactions both missing the row would make one of them fail with a unique violation;
      // the port then falls back to create-if-absent and add (awards hold the participant's row lock, so it is rare).
      case H2 -> "MERGE INTO points_count x USING (VALUES (CAST(:tenantId AS BIGINT), CAST(:participantId AS BIGINT),"
          + " CAST(:month AS INTEGER))) s (tenant_id, participant_id, year_month) ON x.tenant_id = s.tenant_id"
          + " AND x.participant_id = s.participant_id AND x.year_month = s.year_month"
          + " WHEN MATCHED THEN UPDATE SET points = x.points + :points, updated_at = GREATEST(x.updated_at, :at)"
          + " WHEN NOT MATCHED THEN INSERT (tenant_id, participant_id, year_month, campaign_id, points, updated_at)"
          + " VALUES (s.tenant_id, s.participant_id, s.year_month, :campaignId, :points, :at)";
      case POSTGRESQL -> "INSERT INTO points_count AS x (tenant_id, participant_id, year_month, campaign_id, points,"
          + " updated_at) VALUES (:tenantId, :participantId, :month, :campaignId, :points, :at)"
          + " ON CONFLICT (tenant_id, participant_id, year_month) DO UPDATE SET points = x.points + EXCLUDED.points,"
          + " updated_at = GREATEST(x.updated_at, EXCLUDED.updated_at)";
    };
    this.removalInsertIfAbsent = insertIfAbsent(dialect, "board_removal",
        "tenant_id BIGINT, campaign_id BIGINT, participant_id BIGINT", "removed_at");
    this.winnersInsertIfAbsent = insertIfAbsent(dialect, "month_winners",
        "tenant_id BIGINT, campaign_id BIGINT, metric VARCHAR, year_month INTEGER", "recorded_at");
    this.ssoSecretInsertIfAbsent = insertIfAbsent(dialect, "sso_secret", "tenant_id BIGINT",
        "secret, previous_secret, previous_secret_until, created_at");
  }

  /** The score of a board member on a board of {@code metric}, 0 without a counter (see {@link #boardFrom}). */
  static String boardScore(BoardMetric metric) {
    return switch (metric) {
      case ACTIONS -> BOARD_ACTIONS_SCORE;
      case POINTS -> BOARD_POINTS_SCORE;
    };
  }

  /** Participants {@code p} LEFT JOIN their counters {@code c} on a board of {@code metric}, month {@code :month}. */
  static String boardFrom(BoardMetric metric) {
    return switch (metric) {
      case ACTIONS -> BOARD_ACTIONS_FROM;
      case POINTS -> BOARD_POINTS_FROM;
    };
  }

  /** How many members have a score above {@code :score}, at least 0 (see {@link #BOARD_ACTIONS_COUNT_ABOVE}). */
  static String boardCountAbove(BoardMetric metric) {
    return switch (metric) {
      case ACTIONS -> BOARD_ACTIONS_COUNT_ABOVE;
      case POINTS -> BOARD_POINTS_COUNT_ABOVE;
    };
  }

  /**
   * Inserts a row unless one with its key exists. PostgreSQL: {@code ON CONFLICT DO NOTHING} without a target, so
   * every unique key of the table is covered, and an insert that meets another transaction's uncommitted row waits
   * for it. H2: {@code MERGE ... WHEN NOT MATCHED} on {@code key}; a clash on another unique key fails with a unique
   * violation (see {@link JdbcPort#runInsertIfAbsent}).
   *
   * @param key the key's columns with their H2 types ({@code "tenant_id BIGINT, participant_id BIGINT"})
   * @param columns the other columns
   */
  private static String insertIfAbsent(SqlDialect dialect, String table, String key, String columns) {
    List<String> keyColumns = new ArrayList<>();
    List<String> casts = new ArrayList<>();
    List<String> matches = new ArrayList<>();
    for (String column : key.split(", ")) {
      String[] nameAndType = column.split(" ");
      keyColumns.add(nameAndType[0]);
      casts.add("CAST(" + parameters(nameAndType[0]) + " AS " + nameAndType[1] + ")");
      matches.add("x." + nameAndType[0] + " = s." + nameAndType[0]);
    }
    String keyList = String.join(", ", keyColumns);
    return switch (dialect) {
      case H2 -> "MERGE INTO " + table + " x USING (VALUES (" + String.join(", ", casts) + ")) s (" + keyList + ")"
          + " ON " + String.join(" AND ", matches) + " WHEN NOT MATCHED THEN INSERT (" + keyList + ", " + columns
          + ") VALUES (s." + String.join(", s.", keyColumns) + ", " + parameters(columns) + ")";
      case POSTGRESQL -> "INSERT INTO " + table + " (" + keyList + ", " + columns + ") VALUES (" + parameters(keyList)
          + ", " + parameters(columns) + ") ON CONFLICT DO NOTHING";
    };
  }

  /** The named parameters of comma-separated columns, each the column's name in camel case: {@code :tenantId}. */
  private static String parameters(String columns) {
    List<String> names = new ArrayList<>();
    for (String column : columns.split(", ")) {
      StringBuilder name = new StringBuilder(":");
      boolean upper = false;
      for (char c : column.toCharArray()) {
        if (c == '_') {
          upper = true;
        } else {
          name.append(upper ? Character.toUpperCase(c) : c);
          upper = false;
        }
      }
      names.add(name.toString());
    }
    return String.join(", ", names);
  }

  /** An update that returns {@code columns} of each row it changed, as they are after it. */
  private String returning(String update, String columns) {
    return switch (dialect) {
      // H2 reads the changed row from the data change delta table of the update.
      case H2 -> "SELECT " + columns + " FROM FINAL TABLE (" + update + ")";
      case POSTGRESQL -> update + " RETURNING " + columns;
    };
  }

  /**
   * PostgreSQL: {@code statement}, then COMMIT, in one string: the driver sends both before one sync, and if the
   * statement fails the server skips the commit and the transaction is rolled back.
   */
  private static String withCommit(String statement) {
    return statement + ";\nCOMMIT";
  }

  /**
   * H2: {@code UNNEST}'s arguments, each a bound array cast to an array of its column's type, so that the rows have
   * the columns' types (an uncast array parameter has none when the statement is prepared). Each of
   * {@code parameters} is a parameter's name, a space, and the element type.
   */
  private static String h2Arrays(String... parameters) {
    StringBuilder arrays = new StringBuilder();
    for (String parameter : parameters) {
      int space = parameter.indexOf(' ');
      if (arrays.length() > 0) {
        arrays.append(", ");
      }
      arrays.append("CAST(:").append(parameter, 0, space).append(" AS ").append(parameter.substring(space + 1))
          .append(" ARRAY)");
    }
    return arrays.toString();
  }

  /** The dialect. */
  public SqlDialect dialect() {
    return dialect;
  }

  /**
   * Whether a participant search is matched in its decomposed form too ({@link #PARTICIPANT_AND_SEARCH_EITHER_FORM}):
   * on a database that stores every Unicode character, which search texts written before they were normalized to
   * NFC may hold decomposed in.
   */
  boolean matchesDecomposedSearch() {
    return matchesDecomposedSearch;
  }

  String credit() {
    return credit;
  }

  String debit() {
    return debit;
  }

  String participantInsert() {
    return participantInsert;
  }

  String participantUpdateProfile() {
    return participantUpdateProfile;
  }

  String historyCreate() {
    return historyCreate;
  }

  /** Finds a tenant and locks its row against other lockers and updates (not against foreign keys' checks). */
  String tenantLock() {
    return tenantLock;
  }

  /** Leases tokens of a tenant's shared bucket ({@link #RATE_BUCKET_LEASE}), returning the row; none if absent. */
  String rateBucketLease() {
    return rateBucketLease;
  }

  /** Creates a tenant's bucket at a rate full (debt 0, refilled at :now) unless it exists. */
  String rateBucketCreate() {
    return rateBucketCreate;
  }

  /** Increments a participant's event counter and returns the new value; no row when the participant is missing. */
  String nextSequence() {
    return nextSequence;
  }

  /** Moves a reward from status {@code :from} to {@code :to}, returning it. */
  String earnedTransition() {
    return earnedTransition;
  }

  /** As {@link #earnedTransition}, to APPROVED, setting {@code approved_at}. */
  String earnedTransitionApproved() {
    return earnedTransitionApproved;
  }

  /** As {@link #earnedTransition}, to FULFILLED, setting {@code fulfilled_at}. */
  String earnedTransitionFulfilled() {
    return earnedTransitionFulfilled;
  }

  /** Gives a reward its coupon code and clears its waiting reason, returning it. */
  String earnedSetCoupon() {
    return earnedSetCoupon;
  }

  /** Records why a reward waits, returning it. */
  String earnedSetWaiting() {
    return earnedSetWaiting;
  }

  /** Takes one unit of a catalog reward's stock ({@link #CATALOG_TAKE_STOCK}), returning the row; none if refused. */
  String catalogTakeStock() {
    return catalogTakeStock;
  }

  /** Replaces a brand's name and domain, returning the row; none if absent. */
  String brandUpdate() {
    return brandUpdate;
  }

  /** Replaces a campaign's name and visibility, returning the row; none if absent. */
  String campaignUpdate() {
    return campaignUpdate;
  }

  /** Replaces a quest's name and description, returning its row (without the tasks); none if absent. */
  String questUpdate() {
    return questUpdate;
  }

  /** Replaces a feedback board's name and description, returning the row; none if absent. */
  String feedbackBoardUpdate() {
    return feedbackBoardUpdate;
  }

  /** Adjusts a catalog reward's stock ({@link #CATALOG_ADJUST_STOCK}), returning the row; none if refused. */
  String catalogAdjustStock() {
    return catalogAdjustStock;
  }

  /** Replaces a catalog reward's name, description and cost, returning the row; none if absent. */
  String catalogUpdate() {
    return catalogUpdate;
  }

  /** As {@link #nextSequence}, for a participant of one campaign only. */
  String nextSequenceInCampaign() {
    return nextSequenceInCampaign;
  }

  String eventInsert() {
    return eventInsert;
  }

  /** Creates a tenant's feed row at position 0 unless it exists. */
  String feedCreate() {
    return feedCreate;
  }

  /** Inserts a delivery unless one with its key exists. */
  String deliveryCreate() {
    return deliveryCreate;
  }

  /**
   * Selects the claimable deliveries of the listeners {@code :listeners} (an array) and, if {@code webhooks}, of the
   * subscribers matching {@code :webhookPattern}, but for the subscribers {@code :skipped} (an array, maybe empty),
   * at most {@code :limit}, turn by turn (a window function ranks each tenant's subscriber's claimable deliveries,
   * oldest event first), then oldest event first, then by tenant and
   * subscriber (the subscriber by its characters' codes, {@code COLLATE "C"} on PostgreSQL, whatever the database's
   * collation: the order of Java's {@code String.compareTo} for the ASCII names subscribers have, which the in-memory
   * store and H2 use). On H2 it locks them ({@code FOR UPDATE}: it waits for rows another claim holds, because its
   * SKIP LOCKED combined with ORDER BY and LIMIT returns nothing while any candidate is locked). On PostgreSQL, which
   * refuses {@code FOR UPDATE} beside a window function, it reads the candidates' keys only, and
   * {@link #DELIVERY_LOCK_CANDIDATES} locks them, skipping rows other transactions hold.
   */
  String deliveryClaim(boolean webhooks) {
    return webhooks ? claimForListenersAndWebhooks : claimForListeners;
  }

  /**
   * On PostgreSQL, parks at most {@code :limit} PENDING deliveries of the subscribers matching
   * {@code :webhookPattern} due before {@code :dueBefore} and not leased at {@code :now}, those due first first, with
   * {@code :lastError}: one statement, its rows chosen by a materialized subquery that locks them (skipping rows other
   * transactions hold) and re-checked by the update. On H2, selects and locks those rows' keys, which
   * {@link #DELIVERY_PARK_OVERDUE_KEY} then parks one by one, re-checked.
   */
  String deliveryParkOverdue() {
    return deliveryParkOverdue;
  }

  /** Creates or replaces a campaign's reward program (an upsert on its key). */
  String rewardProgramSave() {
    return rewardProgramSave;
  }

  String actionInsert() {
    return actionInsert;
  }

  /**
   * PostgreSQL: an action and its event in one statement (a data-modifying CTE), their tenant, campaign and
   * participant bound once.
   */
  String actionAndEventInsert() {
    return actionAndEventInsert;
  }

  /** PostgreSQL: {@link #actionAndEventInsert} and the commit in one round trip ({@link #withCommit}). */
  String actionAndEventInsertAndCommit() {
    return actionAndEventInsertAndCommit;
  }

  /** Inserts an earned reward unless its cycle (or its id) exists. */
  String earnedInsertIfAbsent() {
    return earnedInsertIfAbsent;
  }

  /**
   * The pool's codes among {@code :codes} (an array parameter), each looked up in the code's unique index. On H2 a
   * join from the unnested array: its {@code code = ANY(:codes)} scanned the whole pool (an upload of 10,000 codes
   * already in a pool of 60,000 took 2.9 s, 0.07 s with the join).
   */
  String couponExisting() {
    return couponExisting;
  }

  /**
   * The pool's codes above a code's id, up to {@code :atMost} (none when the pool does not hold it: the comparison
   * with NULL is false), read from the primary key's range above the code and no further than the limit.
   */
  String couponCountAfter() {
    return couponCountAfter;
  }

  /** A campaign's approved COUPON rewards without a code, oldest first, at most {@code :limit}. */
  String earnedWaitingForCoupon() {
    return earnedWaitingForCoupon;
  }

  /**
   * PostgreSQL: assigns the free code with the lowest id that no other transaction holds, in one statement, and
   * returns it (no row: none left). The subquery locks the code it picks ({@code FOR UPDATE SKIP LOCKED}), passing
   * codes other transactions are assigning without waiting; a code another transaction assigned and committed since
   * the statement began is re-checked when locked, fails {@code status = 'FREE'} and is passed by. Null on H2.
   */
  String couponAssignNext() {
    return couponAssignNext;
  }

  /** Creates or replaces a campaign's referral settings (an upsert on its key). */
  String referralProgramSave() {
    return referralProgramSave;
  }

  /** Inserts a testimonial unless its participant has one. */
  String testimonialInsertIfAbsent() {
    return testimonialInsertIfAbsent;
  }

  /** Inserts a participant's completion of a task unless it has one. */
  String questCompletionInsertIfAbsent() {
    return questCompletionInsertIfAbsent;
  }

  /**
   * A webhook endpoint's delivery log, newest event first: in one status, a range of ix_event_delivery_subscriber
   * (V31: tenant, subscriber, status, event id); in all, the three statuses' ranges, each up to the limit, merged by
   * event id, as no index holds a subscriber's deliveries in event order whatever their status (one more would cost
   * every delivery's insert and update an entry; this one serves the parked list too). PostgreSQL merges the ranges
   * as it reads them (Merge Append) and stops at the page; H2 reads each range up to the limit (at most three pages'
   * rows) and sorts them. H2 is told the index: ix_event_delivery_outcome (tenant, subscriber, status, updated_at)
   * matches the same conditions, H2 weighs neither as matching a descending order, and it took that one and sorted
   * the whole status (60,000 rows read for a page of 21).
   *
   * @param status the one status, or null for all
   * @param before whether the statement has a cursor ({@code :beforeEventId})
   */
  String deliveriesOfSubscriber(DeliveryStatus status, boolean before) {
    if (status != null) {
      return "SELECT " + DELIVERY_COLUMNS + " FROM event_delivery"
          + (dialect == SqlDialect.H2 ? " USE INDEX (ix_event_delivery_subscriber)" : "")
          + DELIVERY_OF_SUBSCRIBER_WHERE + "'" + status.name() + "'" + (before ? DELIVERY_AND_BEFORE_EVENT : "")
          + DELIVERY_OF_SUBSCRIBER_ORDER;
    }
    StringBuilder union = new StringBuilder("SELECT " + DELIVERY_COLUMNS + " FROM (");
    for (DeliveryStatus each : DeliveryStatus.values()) {
      union.append(each.ordinal() == 0 ? "(" : " UNION ALL (").append(deliveriesOfSubscriber(each, before))
          .append(')');
    }
    return union.append(") d ORDER BY event_id DESC LIMIT :limit").toString();
  }

  /**
   * A board's ideas up to their filter, most voted or newest first ({@link #IDEA_MOST_VOTED}, {@link #IDEA_NEWEST}).
   * H2 is told the index of the order: it read the board through the index its foreign key to the board made,
   * (tenant_id, board_id), and sorted all of it for every page, the first included.
   */
  String ideaPage(boolean newest) {
    String index = newest ? "ix_feedback_idea_board" : "ix_feedback_idea_votes";
    return IDEA_SELECT + (dialect == SqlDialect.H2 ? " USE INDEX (" + index + ")" : "") + IDEA_WHERE_BOARD;
  }

  /**
   * A board's ideas in one status, most voted or newest first ({@link #IDEA_STATUS_MOST_VOTED},
   * {@link #IDEA_STATUS_NEWEST}), through the index of the status and the order (schema V27), named for H2 as in
   * {@link #ideaPage(boolean)}: along the board's indexes without the status, a page of a status that few ideas are in
   * read the board's ideas in its other statuses up to it.
   */
  String ideaPageInStatus(boolean newest) {
    String index = newest ? "ix_feedback_idea_status" : "ix_feedback_idea_status_votes";
    return IDEA_SELECT + (dialect == SqlDialect.H2 ? " USE INDEX (" + index + ")" : "") + IDEA_WHERE_BOARD
        + IDEA_AND_STATUS;
  }

  /**
   * Takes one from the counter of every idea a participant voted on (while above zero): each looked up by its key
   * from the participant's votes (ix_feedback_vote_participant).
   */
  String feedbackWithdrawVotesOf() {
    return feedbackWithdrawVotesOf;
  }

  /** Deletes the votes on a participant's ideas: each idea's by its key's prefix, from ix_feedback_idea_author. */
  String feedbackDeleteVotesOnIdeasOf() {
    return feedbackDeleteVotesOnIdeasOf;
  }

  /** Inserts a participant's vote on an idea unless it is there. */
  String voteInsertIfAbsent() {
    return voteInsertIfAbsent;
  }

  /** Creates or replaces a campaign's landing page (an upsert on its key). */
  String landingPageSave() {
    return landingPageSave;
  }

  /** Inserts a signing key unless the tenant has one with its number. */
  String signingKeyInsertIfAbsent() {
    return signingKeyInsertIfAbsent;
  }

  /**
   * Inserts the tenant's next signing key: only when its highest is numbered one below it and it has fewer than
   * {@code :maxKeys} keys, and unless it has one with its number.
   */
  String signingKeyInsertNext() {
    return signingKeyInsertNext;
  }

  /** Gives a participant a short code unless it has one or the campaign has the code. */
  String shortCodeInsertIfAbsent() {
    return shortCodeInsertIfAbsent;
  }

  /** Inserts a participant's signup record unless it has one. */
  String signupInsertIfAbsent() {
    return signupInsertIfAbsent;
  }

  /** Inserts a referral unless its invited participant has one. */
  String referralInsertIfAbsent() {
    return referralInsertIfAbsent;
  }

  /** Inserts a referrer's visitor unless it was counted. */
  String visitorInsertIfAbsent() {
    return visitorInsertIfAbsent;
  }

  /** H2: creates a participant's stats counters at zero unless they exist ({@link #STATS_ADD} follows); else null. */
  String referralStatsCreate() {
    return referralStatsCreate;
  }

  /**
   * PostgreSQL: adds a delta to a participant's stats counters in one statement, the first delta creating them
   * ({@code INSERT ... ON CONFLICT DO UPDATE}, under the row lock). Null on H2, where the counters are created if
   * absent and then updated, as the action counters are.
   */
  String referralStatsUpsert() {
    return referralStatsUpsert;
  }

  /** Inserts a conversion unless the campaign has one with its order id (or its id exists). */
  String conversionInsertIfAbsent() {
    return conversionInsertIfAbsent;
  }

  /** H2: creates a points counter at 0 unless it exists ({@link #POINTS_ADD} follows); else null. */
  String pointsCounterCreate() {
    return pointsCounterCreate;
  }

  /** Makes a signup gate if the campaign has none (see {@link #SIGNUP_GATE_LOCK}). */
  String signupGateMake() {
    return signupGateMake;
  }

  /**
   * PostgreSQL: adds points to a counter in one statement, the first addition creating it
   * ({@code INSERT ... ON CONFLICT DO UPDATE}, under the row lock). Null on H2, where the counter is created if
   * absent and then updated, as the action counters are.
   */
  String pointsUpsert() {
    return pointsUpsert;
  }

  /** Records a participant's removal from its campaign's boards unless recorded. */
  String removalInsertIfAbsent() {
    return removalInsertIfAbsent;
  }

  /** Inserts a closed month's winners header unless the (campaign, metric, month) has one. */
  String winnersInsertIfAbsent() {
    return winnersInsertIfAbsent;
  }

  /** Inserts a tenant's first single sign-on secret unless it has one. */
  String ssoSecretInsertIfAbsent() {
    return ssoSecretInsertIfAbsent;
  }
}
