package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.jdbc.SqlDialect;
import java.util.Objects;

/**
 * Every SQL statement of the storage, for one dialect: the one place to read when asking what the engine does to the
 * database. The dialects differ only where standard SQL gives no common form (returning the row an UPDATE changed,
 * binding a JSON column, inserting a row unless it exists) and in how deliveries are claimed (see
 * {@link #deliveryClaim(boolean)}); everything else is shared.
 *
 * <p>Every value is a bound parameter. The few statements with optional filters are assembled from the constant
 * fragments below, never from input.
 *
 * <p>Immutable and thread-safe.
 */
public final class Sql {

  static final String TENANT_INSERT =
      "INSERT INTO tenant (tenant_id, name, type, created_at) VALUES (:tenantId, :name, :type, :createdAt)";
  static final String TENANT_FIND =
      "SELECT tenant_id, name, type, created_at FROM tenant WHERE tenant_id = :tenantId";

  static final String BRAND_COLUMNS = "tenant_id, brand_id, name, domain, created_at";
  static final String BRAND_INSERT = "INSERT INTO brand (" + BRAND_COLUMNS + ")"
      + " VALUES (:tenantId, :brandId, :name, :domain, :createdAt)";
  static final String BRAND_FIND =
      "SELECT " + BRAND_COLUMNS + " FROM brand WHERE tenant_id = :tenantId AND brand_id = :brandId";
  static final String BRAND_LIST =
      "SELECT " + BRAND_COLUMNS + " FROM brand WHERE tenant_id = :tenantId ORDER BY brand_id";

  static final String CAMPAIGN_COLUMNS =
      "tenant_id, campaign_id, brand_id, name, status, visibility, time_zone, created_at";
  static final String CAMPAIGN_INSERT = "INSERT INTO campaign (" + CAMPAIGN_COLUMNS + ")"
      + " VALUES (:tenantId, :campaignId, :brandId, :name, :status, :visibility, :timeZone, :createdAt)";
  static final String CAMPAIGN_FIND = "SELECT " + CAMPAIGN_COLUMNS
      + " FROM campaign WHERE tenant_id = :tenantId AND campaign_id = :campaignId";
  static final String CAMPAIGN_LIST_BY_BRAND = "SELECT " + CAMPAIGN_COLUMNS
      + " FROM campaign WHERE tenant_id = :tenantId AND brand_id = :brandId ORDER BY campaign_id";
  static final String CAMPAIGN_UPDATE_STATUS = "UPDATE campaign SET status = :next"
      + " WHERE tenant_id = :tenantId AND campaign_id = :campaignId AND status = :expected";

  static final String PARTICIPANT_COLUMNS = "tenant_id, participant_id, campaign_id, email, email_sanitized,"
      + " first_name, last_name, ip_address, tier, metadata, points_balance, lifetime_points, created_at, updated_at";
  static final String PARTICIPANT_SELECT = "SELECT " + PARTICIPANT_COLUMNS + " FROM participant";
  static final String PARTICIPANT_FIND =
      PARTICIPANT_SELECT + " WHERE tenant_id = :tenantId AND participant_id = :participantId";
  static final String PARTICIPANT_LOCK = PARTICIPANT_FIND + " FOR UPDATE";
  static final String PARTICIPANT_FIND_BY_EMAIL = PARTICIPANT_SELECT
      + " WHERE tenant_id = :tenantId AND campaign_id = :campaignId AND email_sanitized = :emailSanitized";
  static final String PARTICIPANT_DELETE =
      "DELETE FROM participant WHERE tenant_id = :tenantId AND participant_id = :participantId";
  static final String PARTICIPANT_COUNT = "SELECT COUNT(*) FROM participant";
  /** The filter every participant list starts with. */
  static final String PARTICIPANT_WHERE_CAMPAIGN = " WHERE tenant_id = :tenantId AND campaign_id = :campaignId";
  /** A plain substring match: the pattern's {@code %}, {@code _} and {@code \} are escaped with {@code \}. */
  static final String PARTICIPANT_AND_SEARCH = " AND search_text LIKE :pattern ESCAPE '\\'";
  static final String PARTICIPANT_AND_TIER = " AND tier = :tier";
  static final String PARTICIPANT_AND_AFTER = " AND participant_id > :afterId";
  static final String PARTICIPANT_ORDER_LIMIT = " ORDER BY participant_id LIMIT :limit";
  static final String PARTICIPANT_ORDER_LIMIT_OFFSET = " ORDER BY participant_id LIMIT :limit OFFSET :offset";

  static final String LEDGER_COLUMNS = "tenant_id, entry_id, participant_id, campaign_id, kind, amount, type,"
      + " description, idempotency_key, balance_after, created_at";
  static final String LEDGER_INSERT = "INSERT INTO ledger_entry (" + LEDGER_COLUMNS + ") VALUES (:tenantId, :entryId,"
      + " :participantId, :campaignId, :kind, :amount, :type, :description, :idempotencyKey, :balanceAfter,"
      + " :createdAt)";
  static final String LEDGER_FIND_BY_KEY = "SELECT " + LEDGER_COLUMNS
      + " FROM ledger_entry WHERE tenant_id = :tenantId AND idempotency_key = :idempotencyKey";
  static final String LEDGER_HISTORY = "SELECT " + LEDGER_COLUMNS
      + " FROM ledger_entry WHERE tenant_id = :tenantId AND participant_id = :participantId";
  static final String LEDGER_AND_BEFORE = " AND entry_id < :beforeId";
  static final String LEDGER_ORDER_LIMIT = " ORDER BY entry_id DESC LIMIT :limit";
  static final String LEDGER_DELETE_ALL =
      "DELETE FROM ledger_entry WHERE tenant_id = :tenantId AND participant_id = :participantId";

  /** Credit: one conditional update; the bounds keep both totals at or below Long.MAX_VALUE. */
  private static final String CREDIT_UPDATE = "UPDATE participant"
      + " SET points_balance = points_balance + :amount, lifetime_points = lifetime_points + :amount"
      + " WHERE tenant_id = :tenantId AND participant_id = :participantId"
      + " AND points_balance <= :ceiling AND lifetime_points <= :ceiling";
  /** Debit: one conditional update; never below zero. */
  private static final String DEBIT_UPDATE = "UPDATE participant SET points_balance = points_balance - :amount"
      + " WHERE tenant_id = :tenantId AND participant_id = :participantId AND points_balance >= :amount";
  private static final String CHANGED_COLUMNS = "campaign_id, points_balance, lifetime_points";

  static final String NEXT_SEQUENCE_UPDATE = "UPDATE participant SET event_sequence = event_sequence + 1"
      + " WHERE tenant_id = :tenantId AND participant_id = :participantId";

  static final String EVENT_COLUMNS = "tenant_id, event_id, type, campaign_id, participant_id, sequence, occurred_at,"
      + " schema_version, position, payload";
  static final String EVENT_SELECT = "SELECT " + EVENT_COLUMNS + " FROM event_outbox";
  static final String EVENT_FIND = EVENT_SELECT + " WHERE tenant_id = :tenantId AND event_id = :eventId";
  /** The events of one tenant with the given ids (an array parameter, so one statement serves any count). */
  static final String EVENT_FIND_ALL = EVENT_SELECT + " WHERE tenant_id = :tenantId AND event_id = ANY(:eventIds)";
  static final String EVENT_TENANTS_UNPOSITIONED =
      "SELECT DISTINCT tenant_id FROM event_outbox WHERE position = 0 AND tenant_id > :afterTenantId"
          + " ORDER BY tenant_id LIMIT :limit";
  static final String EVENT_UNPOSITIONED =
      EVENT_SELECT + " WHERE tenant_id = :tenantId AND position = 0 ORDER BY event_id LIMIT :limit";
  static final String EVENT_POSITION =
      "UPDATE event_outbox SET position = :position WHERE tenant_id = :tenantId AND event_id = :eventId";
  static final String EVENT_FEED = EVENT_SELECT + " WHERE tenant_id = :tenantId AND position > :afterPosition";
  static final String EVENT_AND_TYPES = " AND type = ANY(:types)";
  static final String EVENT_AND_CAMPAIGN = " AND campaign_id = :campaignId";
  static final String EVENT_ORDER_BY_POSITION_LIMIT = " ORDER BY position LIMIT :limit";
  /** Positioned events older than the cutoff whose deliveries are all DELIVERED (or that have none). */
  static final String EVENT_PRUNABLE = "SELECT e.tenant_id, e.event_id FROM event_outbox e"
      + " WHERE e.position > 0 AND e.occurred_at < :before AND NOT EXISTS (SELECT 1 FROM event_delivery d"
      + " WHERE d.tenant_id = e.tenant_id AND d.event_id = e.event_id AND d.status <> 'DELIVERED')"
      + " ORDER BY e.occurred_at, e.tenant_id, e.event_id LIMIT :limit";
  static final String EVENT_PRUNE_DELIVERIES = "DELETE FROM event_delivery"
      + " WHERE tenant_id = :tenantId AND event_id = :eventId AND status = 'DELIVERED'";
  /** Rechecks at delete time: a delivery created since the selection keeps its event (and the foreign key holds). */
  static final String EVENT_PRUNE_EVENT = "DELETE FROM event_outbox WHERE tenant_id = :tenantId AND event_id = :eventId"
      + " AND NOT EXISTS (SELECT 1 FROM event_delivery d WHERE d.tenant_id = :tenantId AND d.event_id = :eventId)";

  static final String FEED_LOCK = "SELECT last_position FROM event_feed WHERE tenant_id = :tenantId FOR UPDATE";
  static final String FEED_ADVANCE =
      "UPDATE event_feed SET last_position = :lastPosition WHERE tenant_id = :tenantId";

  static final String DELIVERY_COLUMNS = "tenant_id, event_id, subscriber, participant_id, sequence, position, status,"
      + " attempts, next_attempt_at, lease_owner, lease_until, last_error, updated_at";
  private static final String DELIVERY_KEY =
      " WHERE tenant_id = :tenantId AND event_id = :eventId AND subscriber = :subscriber";
  /**
   * The claimable deliveries, in position order (the DeliveryPort rule): PENDING, due, not leased or lease run out,
   * of one of the claimer's subscribers, and no PENDING delivery of the same tenant, subscriber and participant with
   * a lower sequence (a NULL participant never matches, so it never blocks). The subscriber filter and the lock
   * clause complete it.
   */
  private static final String DELIVERY_CLAIMABLE = "SELECT " + DELIVERY_COLUMNS + " FROM event_delivery d"
      + " WHERE d.status = 'PENDING' AND d.next_attempt_at <= :now"
      + " AND (d.lease_until IS NULL OR d.lease_until <= :now)"
      + " AND NOT EXISTS (SELECT 1 FROM event_delivery e WHERE e.tenant_id = d.tenant_id"
      + " AND e.subscriber = d.subscriber AND e.participant_id = d.participant_id AND e.status = 'PENDING'"
      + " AND e.sequence < d.sequence)"
      // An earlier event of the participant that is not positioned yet (ids out of order across instances).
      + " AND NOT EXISTS (SELECT 1 FROM event_outbox o WHERE o.tenant_id = d.tenant_id"
      + " AND o.participant_id = d.participant_id AND o.position = 0 AND o.sequence < d.sequence)";
  private static final String DELIVERY_FOR_LISTENERS = " AND d.subscriber = ANY(:listeners)";
  private static final String DELIVERY_FOR_LISTENERS_AND_WEBHOOKS =
      " AND (d.subscriber = ANY(:listeners) OR d.subscriber LIKE :webhookPattern)";
  private static final String DELIVERY_CLAIM_ORDER =
      " ORDER BY d.position, d.tenant_id, d.event_id, d.subscriber LIMIT :limit";
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
  static final String DELIVERY_AND_OWNER = " AND lease_owner = :owner";
  static final String DELIVERY_PARKED = "SELECT " + DELIVERY_COLUMNS + " FROM event_delivery"
      + " WHERE subscriber = :subscriber AND status = 'PARKED'";
  static final String DELIVERY_AND_TENANT = " AND tenant_id = :tenantId";
  static final String DELIVERY_AND_AFTER_EVENT = " AND event_id > :afterEventId";
  static final String DELIVERY_PARKED_ORDER = " ORDER BY event_id, tenant_id LIMIT :limit";
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

  static final String HISTORY_TABLE_EXISTS = "SELECT COUNT(*) FROM information_schema.tables"
      + " WHERE LOWER(table_name) = 'loyalty_schema_history' AND table_schema = CURRENT_SCHEMA";
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
  private final String eventInsert;
  private final String feedCreate;
  private final String deliveryCreate;
  private final String claimForListeners;
  private final String claimForListenersAndWebhooks;

  /** The statements of {@code dialect}. */
  public Sql(SqlDialect dialect) {
    this.dialect = Objects.requireNonNull(dialect, "dialect");
    String metadata = switch (dialect) {
      case H2 -> ":metadata";
      // json columns take text only through an explicit cast.
      case POSTGRESQL -> "CAST(:metadata AS json)";
    };
    this.credit = returning(CREDIT_UPDATE);
    this.debit = returning(DEBIT_UPDATE);
    this.participantInsert = "INSERT INTO participant (tenant_id, participant_id, campaign_id, email,"
        + " email_sanitized, first_name, last_name, ip_address, tier, metadata, search_text, points_balance,"
        + " lifetime_points, created_at, updated_at) VALUES (:tenantId, :participantId, :campaignId, :email,"
        + " :emailSanitized, :firstName, :lastName, :ipAddress, :tier, " + metadata + ", :searchText,"
        + " :pointsBalance, :lifetimePoints, :createdAt, :updatedAt)";
    this.participantUpdateProfile = "UPDATE participant SET email = :email, email_sanitized = :emailSanitized,"
        + " first_name = :firstName, last_name = :lastName, ip_address = :ipAddress, tier = :tier,"
        + " metadata = " + metadata + ", search_text = :searchText, updated_at = :updatedAt"
        + " WHERE tenant_id = :tenantId AND participant_id = :participantId";
    String timestamp = dialect == SqlDialect.H2 ? "TIMESTAMP(6) WITH TIME ZONE" : "timestamptz";
    this.historyCreate = "CREATE TABLE IF NOT EXISTS loyalty_schema_history ("
        + " version INTEGER NOT NULL, description VARCHAR(200) NOT NULL, checksum VARCHAR(64) NOT NULL,"
        + " applied_at " + timestamp + " NOT NULL, CONSTRAINT pk_loyalty_schema_history PRIMARY KEY (version))";
    this.nextSequence = switch (dialect) {
      case H2 -> "SELECT event_sequence FROM FINAL TABLE (" + NEXT_SEQUENCE_UPDATE + ")";
      case POSTGRESQL -> NEXT_SEQUENCE_UPDATE + " RETURNING event_sequence";
    };
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
      case POSTGRESQL -> " FOR UPDATE SKIP LOCKED";
    };
    this.claimForListeners = DELIVERY_CLAIMABLE + DELIVERY_FOR_LISTENERS + DELIVERY_CLAIM_ORDER + lock;
    this.claimForListenersAndWebhooks =
        DELIVERY_CLAIMABLE + DELIVERY_FOR_LISTENERS_AND_WEBHOOKS + DELIVERY_CLAIM_ORDER + lock;
  }

  private String returning(String update) {
    return switch (dialect) {
      // H2 reads the changed row from the data change delta table of the update.
      case H2 -> "SELECT " + CHANGED_COLUMNS + " FROM FINAL TABLE (" + update + ")";
      case POSTGRESQL -> update + " RETURNING " + CHANGED_COLUMNS;
    };
  }

  /** The dialect. */
  public SqlDialect dialect() {
    return dialect;
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

  /** Increments a participant's event counter and returns the new value; no row when the participant is missing. */
  String nextSequence() {
    return nextSequence;
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
   * Selects and locks the claimable deliveries of the listeners {@code :listeners} (an array) and, if
   * {@code webhooks}, of the subscribers matching {@code :webhookPattern}, at most {@code :limit}, in position order.
   * PostgreSQL skips rows other transactions hold ({@code FOR UPDATE SKIP LOCKED}); H2 waits for them
   * ({@code FOR UPDATE}), because its SKIP LOCKED combined with ORDER BY and LIMIT returns nothing while any
   * candidate is locked.
   */
  String deliveryClaim(boolean webhooks) {
    return webhooks ? claimForListenersAndWebhooks : claimForListeners;
  }
}
