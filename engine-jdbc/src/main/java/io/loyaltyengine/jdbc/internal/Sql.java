package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.jdbc.SqlDialect;
import java.util.Objects;

/**
 * Every SQL statement of the storage, for one dialect: the one place to read when asking what the engine does to the
 * database. The dialects differ only where standard SQL gives no common form (returning the row an UPDATE changed,
 * and binding a JSON column); everything else is shared.
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
}
