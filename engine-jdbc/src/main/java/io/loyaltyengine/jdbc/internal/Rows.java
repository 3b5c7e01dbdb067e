package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.CampaignStatus;
import io.loyaltyengine.campaign.CampaignVisibility;
import io.loyaltyengine.core.spi.BalanceChange;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.LedgerEntryKind;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.tenant.TenantType;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.mapper.RowMapper;

/**
 * Row mappers and the conversions between Java values and columns.
 *
 * <p>Instants travel as {@link OffsetDateTime} at UTC in both directions ({@code TIMESTAMP WITH TIME ZONE}), never as
 * {@link java.sql.Timestamp}, so neither the JVM's nor the database session's time zone can shift them; they are
 * truncated to microseconds, the columns' precision, so a value reads back exactly as written.
 *
 * <p>Thread-safe: stateless.
 */
final class Rows {
  static final RowMapper<Tenant> TENANT = (rs, ctx) -> new Tenant(rs.getLong("tenant_id"), rs.getString("name"),
      enumOf(TenantType.class, rs.getString("type")), instant(rs, "created_at"));

  static final RowMapper<Brand> BRAND = (rs, ctx) -> new Brand(rs.getLong("brand_id"), rs.getLong("tenant_id"),
      rs.getString("name"), rs.getString("domain"), instant(rs, "created_at"));

  static final RowMapper<Campaign> CAMPAIGN = (rs, ctx) -> new Campaign(rs.getLong("campaign_id"),
      rs.getLong("tenant_id"), rs.getLong("brand_id"), rs.getString("name"),
      enumOf(CampaignStatus.class, rs.getString("status")),
      enumOf(CampaignVisibility.class, rs.getString("visibility")), zone(rs.getString("time_zone")),
      instant(rs, "created_at"));

  static final RowMapper<Participant> PARTICIPANT = (rs, ctx) -> new Participant(rs.getLong("participant_id"),
      rs.getLong("tenant_id"), rs.getLong("campaign_id"), rs.getString("email"), rs.getString("email_sanitized"),
      rs.getString("first_name"), rs.getString("last_name"), rs.getString("ip_address"), rs.getString("tier"),
      MetadataJson.read(rs.getString("metadata")), rs.getLong("points_balance"), rs.getLong("lifetime_points"),
      instant(rs, "created_at"), instant(rs, "updated_at"));

  static final RowMapper<LedgerEntry> LEDGER_ENTRY = (rs, ctx) -> new LedgerEntry(rs.getLong("entry_id"),
      rs.getLong("tenant_id"), rs.getLong("campaign_id"), rs.getLong("participant_id"),
      enumOf(LedgerEntryKind.class, rs.getString("kind")), rs.getLong("amount"), rs.getString("type"),
      rs.getString("description"), rs.getString("idempotency_key"), rs.getLong("balance_after"),
      instant(rs, "created_at"));

  static final RowMapper<BalanceChange> BALANCE_CHANGE = (rs, ctx) -> new BalanceChange(rs.getLong("campaign_id"),
      rs.getLong("points_balance"), rs.getLong("lifetime_points"));

  private Rows() {
  }

  /** An argument binding {@code instant} as a UTC {@link OffsetDateTime} truncated to microseconds. */
  static Argument timestamp(Instant instant) {
    if (instant == null) {
      return (position, statement, ctx) -> statement.setNull(position, Types.TIMESTAMP_WITH_TIMEZONE);
    }
    OffsetDateTime value = OffsetDateTime.ofInstant(instant.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
    return (position, statement, ctx) -> statement.setObject(position, value);
  }

  /** Reads a {@code TIMESTAMP WITH TIME ZONE} column as an instant. */
  static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }

  private static <E extends Enum<E>> E enumOf(Class<E> type, String name) {
    try {
      return Enum.valueOf(type, name);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new StorageException("the database holds an unknown " + type.getSimpleName() + " value", e);
    }
  }

  private static ZoneId zone(String id) {
    try {
      return ZoneId.of(id);
    } catch (DateTimeException | NullPointerException e) {
      throw new StorageException("the database holds an unknown campaign time zone", e);
    }
  }
}
