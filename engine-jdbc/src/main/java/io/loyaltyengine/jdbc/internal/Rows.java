package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.CampaignStatus;
import io.loyaltyengine.campaign.CampaignVisibility;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.Redemption;
import io.loyaltyengine.core.referrals.ReferralRules;
import io.loyaltyengine.core.spi.ActionRecord;
import io.loyaltyengine.core.spi.BoardScore;
import io.loyaltyengine.core.spi.DeliveryRecord;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.core.spi.LockedParticipant;
import io.loyaltyengine.core.spi.SigningKey;
import io.loyaltyengine.core.spi.SignupRecord;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.core.spi.WebhookEndpointRecord;
import io.loyaltyengine.coupons.AssignedCoupon;
import io.loyaltyengine.events.DeliveryStatus;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.fraud.RiskAction;
import io.loyaltyengine.fraud.RiskLevel;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.LedgerEntryKind;
import io.loyaltyengine.referrals.CodeKind;
import io.loyaltyengine.referrals.Conversion;
import io.loyaltyengine.referrals.ConversionPoints;
import io.loyaltyengine.referrals.ConversionStatus;
import io.loyaltyengine.referrals.LandingPage;
import io.loyaltyengine.referrals.Referral;
import io.loyaltyengine.referrals.ReferralGoal;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.ReferralStats;
import io.loyaltyengine.referrals.ReferralStatus;
import io.loyaltyengine.rewards.ActionCounts;
import io.loyaltyengine.rewards.ActionSource;
import io.loyaltyengine.rewards.Automation;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.RewardAudience;
import io.loyaltyengine.rewards.RewardProgram;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.tenant.TenantType;
import io.loyaltyengine.testimonials.Testimonial;
import io.loyaltyengine.testimonials.TestimonialStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
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
      enumOf(TenantType.class, rs.getString("type")), instant(rs, "created_at"), rs.getString("plan"));

  static final RowMapper<io.loyaltyengine.core.spi.ApiKeyRecord> API_KEY = (rs, ctx) ->
      new io.loyaltyengine.core.spi.ApiKeyRecord(rs.getLong("tenant_id"), rs.getLong("key_id"), rs.getString("name"),
          apiScopes(rs.getString("scopes")), rs.getString("hint"), rs.getString("secret_hash"),
          instant(rs, "created_at"), instant(rs, "revoked_at"));

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
      instant(rs, "created_at"), instant(rs, "updated_at"), nullableEnum(RiskLevel.class, rs.getString("risk_level")),
      rs.getString("risk_reason"));

  static final RowMapper<LedgerEntry> LEDGER_ENTRY = (rs, ctx) -> new LedgerEntry(rs.getLong("entry_id"),
      rs.getLong("tenant_id"), rs.getLong("campaign_id"), rs.getLong("participant_id"),
      enumOf(LedgerEntryKind.class, rs.getString("kind")), rs.getLong("amount"), rs.getString("type"),
      rs.getString("description"), rs.getString("idempotency_key"), rs.getLong("balance_after"),
      instant(rs, "created_at"), nullableLong(rs, "requested_amount"));

  /** A board member: {@code participant_id}, {@code score} and {@code created_at}. */
  static final RowMapper<BoardScore> BOARD_SCORE = (rs, ctx) -> new BoardScore(rs.getLong("participant_id"),
      rs.getLong("score"), instant(rs, "created_at"));

  /** A participant's row with {@code event_sequence}. */
  static final RowMapper<LockedParticipant> LOCKED_PARTICIPANT = (rs, ctx) -> new LockedParticipant(
      PARTICIPANT.map(rs, ctx), rs.getLong("event_sequence"));

  static final RowMapper<EventRecord> EVENT = (rs, ctx) -> new EventRecord(rs.getLong("event_id"),
      rs.getLong("tenant_id"), eventType(rs.getString("type")), nullableLong(rs, "campaign_id"),
      nullableLong(rs, "participant_id"), rs.getLong("sequence"), instant(rs, "occurred_at"),
      rs.getInt("schema_version"), rs.getLong("position"), rs.getString("payload"));

  static final RowMapper<DeliveryRecord> DELIVERY = (rs, ctx) -> new DeliveryRecord(rs.getLong("tenant_id"),
      rs.getLong("event_id"), rs.getString("subscriber"), nullableLong(rs, "participant_id"), rs.getLong("sequence"),
      rs.getLong("position"), enumOf(DeliveryStatus.class, rs.getString("status")), rs.getInt("attempts"),
      instant(rs, "next_attempt_at"), rs.getString("lease_owner"), instant(rs, "lease_until"),
      rs.getString("last_error"), instant(rs, "updated_at"));

  static final RowMapper<WebhookEndpointRecord> WEBHOOK_ENDPOINT = (rs, ctx) -> new WebhookEndpointRecord(
      rs.getLong("tenant_id"), rs.getLong("endpoint_id"), rs.getString("url"), eventTypes(rs.getString("types")),
      nullableLong(rs, "campaign_id"), rs.getBoolean("enabled"), rs.getString("disabled_reason"),
      rs.getString("secret"), rs.getString("previous_secret"), instant(rs, "previous_secret_until"),
      instant(rs, "created_at"), instant(rs, "updated_at"));

  static final RowMapper<CampaignReward> CAMPAIGN_REWARD = (rs, ctx) -> new CampaignReward(
      rs.getLong("campaign_reward_id"), rs.getLong("tenant_id"), rs.getLong("campaign_id"), rs.getString("name"),
      enumOf(RewardType.class, rs.getString("type")), enumOf(RewardAudience.class, rs.getString("audience")),
      rs.getInt("conversions_required"), nullableInt(rs, "reward_limit"), rs.getLong("points"),
      rs.getString("message"), rs.getLong("cash_amount_minor"), rs.getString("currency"), rs.getString("handler"),
      instant(rs, "created_at"));

  static final RowMapper<RewardProgram> REWARD_PROGRAM = (rs, ctx) -> new RewardProgram(rs.getLong("campaign_id"),
      enumOf(Automation.class, rs.getString("automation")), rs.getInt("coupon_low_stock_threshold"));

  static final RowMapper<ActionRecord> ACTION = (rs, ctx) -> new ActionRecord(rs.getLong("action_id"),
      rs.getLong("tenant_id"), rs.getLong("campaign_id"), rs.getLong("participant_id"),
      rs.getLong("campaign_reward_id"), enumOf(ActionSource.class, rs.getString("source")),
      MetadataJson.read(rs.getString("metadata")), nullableLong(rs, "invited_participant_id"),
      rs.getString("idempotency_key"), rs.getBoolean("participant_created"),
      new ActionCounts(rs.getLong("all_time"), rs.getLong("current_month"), rs.getLong("previous_month"),
          rs.getLong("reward_all_time"), rs.getLong("reward_current_month")),
      instant(rs, "recorded_at"));

  static final RowMapper<EarnedReward> EARNED_REWARD = (rs, ctx) -> new EarnedReward(rs.getLong("earned_reward_id"),
      rs.getLong("tenant_id"), rs.getLong("campaign_id"), rs.getLong("participant_id"),
      rs.getLong("campaign_reward_id"), rs.getInt("cycle"), enumOf(RewardType.class, rs.getString("type")),
      enumOf(EarnedRewardStatus.class, rs.getString("status")), rs.getBoolean("unread"), rs.getLong("points"),
      rs.getString("coupon_code"), rs.getString("message"), rs.getLong("cash_amount_minor"),
      rs.getString("currency"), rs.getString("waiting_reason"), instant(rs, "earned_at"),
      instant(rs, "approved_at"), instant(rs, "fulfilled_at"));

  static final RowMapper<AssignedCoupon> ASSIGNED_COUPON = (rs, ctx) -> new AssignedCoupon(rs.getLong("coupon_id"),
      rs.getString("code"), rs.getLong("earned_reward_id"), rs.getLong("participant_id"),
      instant(rs, "assigned_at"));

  static final RowMapper<CatalogReward> CATALOG_REWARD = (rs, ctx) -> new CatalogReward(
      rs.getLong("catalog_reward_id"), rs.getLong("tenant_id"), rs.getLong("campaign_id"), rs.getString("name"),
      rs.getString("description"), rs.getLong("points_cost"), enumOf(RewardType.class, rs.getString("type")),
      nullableLong(rs, "stock"), rs.getBoolean("active"), instant(rs, "created_at"));

  /** A stored redemption; {@code replayed} is not stored and reads as false. */
  static final RowMapper<Redemption> REDEMPTION = (rs, ctx) -> new Redemption(rs.getLong("redemption_id"),
      rs.getLong("tenant_id"), rs.getLong("catalog_reward_id"), rs.getLong("participant_id"),
      rs.getLong("points_spent"), rs.getLong("ledger_entry_id"), rs.getLong("balance"),
      rs.getString("idempotency_key"), instant(rs, "redeemed_at"), false);

  static final RowMapper<ReferralSettings> REFERRAL_SETTINGS = (rs, ctx) -> new ReferralSettings(
      rs.getLong("campaign_id"), enumOf(ReferralGoal.class, rs.getString("goal")),
      rs.getBoolean("require_signed_codes"), nullableLong(rs, "referrer_reward_id"), conversionPoints(rs),
      enumOf(RiskAction.class, rs.getString("on_medium_risk")), enumOf(RiskAction.class, rs.getString("on_high_risk")),
      rs.getInt("velocity_limit"), Duration.ofSeconds(rs.getLong("velocity_window_seconds")));

  static final RowMapper<Testimonial> TESTIMONIAL = (rs, ctx) -> new Testimonial(rs.getLong("testimonial_id"),
      rs.getLong("tenant_id"), rs.getLong("campaign_id"), rs.getLong("participant_id"), rs.getString("text"),
      nullableInt(rs, "rating"), enumOf(TestimonialStatus.class, rs.getString("status")), instant(rs, "created_at"),
      instant(rs, "moderated_at"));

  static final RowMapper<io.loyaltyengine.feedback.FeedbackBoard> FEEDBACK_BOARD = (rs, ctx) ->
      new io.loyaltyengine.feedback.FeedbackBoard(rs.getLong("board_id"), rs.getLong("tenant_id"),
          rs.getLong("campaign_id"), rs.getString("name"), rs.getString("description"), rs.getBoolean("is_open"),
          instant(rs, "created_at"));

  static final RowMapper<io.loyaltyengine.feedback.Idea> IDEA = (rs, ctx) -> new io.loyaltyengine.feedback.Idea(
      rs.getLong("idea_id"), rs.getLong("tenant_id"), rs.getLong("board_id"), rs.getLong("participant_id"),
      rs.getString("title"), rs.getString("body"),
      enumOf(io.loyaltyengine.feedback.IdeaStatus.class, rs.getString("status")), rs.getLong("votes"),
      instant(rs, "created_at"), instant(rs, "updated_at"));

  static final RowMapper<LandingPage> LANDING_PAGE = (rs, ctx) -> new LandingPage(rs.getLong("campaign_id"),
      rs.getString("url"), rs.getString("headline"), rs.getString("description"), rs.getString("share_message"),
      rs.getString("image_url"), rs.getString("referral_parameter"), true);

  static final RowMapper<SigningKey> SIGNING_KEY = (rs, ctx) -> new SigningKey(rs.getLong("tenant_id"),
      rs.getInt("key_id"), rs.getBytes("secret"), instant(rs, "created_at"));

  static final RowMapper<SignupRecord> SIGNUP = (rs, ctx) -> new SignupRecord(rs.getLong("tenant_id"),
      rs.getLong("participant_id"), rs.getLong("campaign_id"), rs.getString("ip_address"),
      rs.getString("visitor_id"), rs.getString("customer_id"), instant(rs, "created_at"));

  static final RowMapper<Referral> REFERRAL = (rs, ctx) -> new Referral(rs.getLong("tenant_id"),
      rs.getLong("campaign_id"), rs.getLong("invited_id"), rs.getLong("referrer_id"),
      enumOf(CodeKind.class, rs.getString("code_kind")), enumOf(RiskLevel.class, rs.getString("risk_level")),
      rs.getString("risk_reason"), enumOf(ReferralStatus.class, rs.getString("status")), instant(rs, "created_at"));

  /** Stats counters, or a campaign's sums of them (read by column name either way). */
  static final RowMapper<ReferralStats> REFERRAL_STATS = (rs, ctx) -> new ReferralStats(rs.getLong("impressions"),
      rs.getLong("shares"), rs.getLong("clicks"), rs.getLong("unique_visitors"), rs.getLong("signups"),
      rs.getLong("conversions"), rs.getLong("reversals"), rs.getBigDecimal("revenue"));

  /** The order value as the engine returned it when converting: the column's NUMERIC scale would pad it. */
  static final RowMapper<Conversion> CONVERSION = (rs, ctx) -> new Conversion(rs.getLong("conversion_id"),
      rs.getLong("tenant_id"), rs.getLong("campaign_id"), rs.getLong("referrer_id"), rs.getString("order_id"),
      ReferralRules.normalOrderValue(rs.getBigDecimal("order_value")), rs.getLong("points"),
      enumOf(ConversionStatus.class, rs.getString("status")), rs.getLong("points_reversed"),
      instant(rs, "created_at"), instant(rs, "reversed_at"));

  private Rows() {
  }

  /** {@code instant} as the columns keep it: truncated to microseconds (null stays null). */
  static Instant micros(Instant instant) {
    return instant == null ? null : instant.truncatedTo(ChronoUnit.MICROS);
  }

  /** Reads a nullable BIGINT column. */
  static Long nullableLong(ResultSet rs, String column) throws SQLException {
    long value = rs.getLong(column);
    return rs.wasNull() ? null : value;
  }

  /** Reads a nullable INTEGER column. */
  static Integer nullableInt(ResultSet rs, String column) throws SQLException {
    int value = rs.getInt(column);
    return rs.wasNull() ? null : value;
  }

  /** The wire names of {@code types}, sorted and comma-separated; empty for none (the column's "all types"). */
  static String wireNames(Collection<EventType> types) {
    return types.stream().map(EventType::wireName).sorted().collect(Collectors.joining(","));
  }

  /** The wire names of {@code types}, sorted, for an array parameter. */
  static List<String> wireNameList(Collection<EventType> types) {
    return types.stream().map(EventType::wireName).sorted().toList();
  }

  /** The names of {@code scopes}, sorted and comma-separated, as column {@code api_key.scopes} holds them. */
  static String scopeNames(Collection<io.loyaltyengine.access.ApiScope> scopes) {
    return scopes.stream().map(Enum::name).sorted().collect(Collectors.joining(","));
  }

  private static Set<io.loyaltyengine.access.ApiScope> apiScopes(String names) {
    Set<io.loyaltyengine.access.ApiScope> scopes = EnumSet.noneOf(io.loyaltyengine.access.ApiScope.class);
    for (String name : names.split(",")) {
      scopes.add(enumOf(io.loyaltyengine.access.ApiScope.class, name));
    }
    return scopes;
  }

  private static Set<EventType> eventTypes(String wireNames) {
    if (wireNames == null || wireNames.isEmpty()) {
      return Set.of();
    }
    Set<EventType> types = EnumSet.noneOf(EventType.class);
    for (String name : wireNames.split(",")) {
      types.add(eventType(name));
    }
    return types;
  }

  private static EventType eventType(String wireName) {
    try {
      return EventType.fromWireName(wireName);
    } catch (IllegalArgumentException | NullPointerException e) {
      // Written by a newer engine, or changed by hand: the value itself is not repeated.
      throw new StorageException("the database holds an unknown event type", e);
    }
  }

  /**
   * An instant as whole microseconds since the epoch, truncated as {@link #timestamp} truncates (toward the past),
   * for PostgreSQL's array binding ({@link Sql#PG_POINTS_ROWS_INSERT}).
   */
  static long epochMicros(Instant instant) {
    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
  }

  /** An argument binding {@code instant} as {@link #utcMicros}. */
  static Argument timestamp(Instant instant) {
    if (instant == null) {
      return (position, statement, ctx) -> statement.setNull(position, Types.TIMESTAMP_WITH_TIMEZONE);
    }
    OffsetDateTime value = utcMicros(instant);
    return (position, statement, ctx) -> statement.setObject(position, value);
  }

  /** {@code instant} as the stores keep a time: a UTC {@link OffsetDateTime} truncated to microseconds; null kept. */
  static OffsetDateTime utcMicros(Instant instant) {
    return instant == null ? null : OffsetDateTime.ofInstant(instant.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
  }

  /** Reads a {@code TIMESTAMP WITH TIME ZONE} column as an instant. */
  static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }

  /** A board metric's stored name. */
  static BoardMetric boardMetric(String name) {
    return enumOf(BoardMetric.class, name);
  }

  private static <E extends Enum<E>> E enumOf(Class<E> type, String name) {
    try {
      return Enum.valueOf(type, name);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new StorageException("the database holds an unknown " + type.getSimpleName() + " value", e);
    }
  }

  private static <E extends Enum<E>> E nullableEnum(Class<E> type, String name) {
    return name == null ? null : enumOf(type, name);
  }

  private static ConversionPoints conversionPoints(ResultSet rs) throws SQLException {
    ConversionPoints.Mode mode = enumOf(ConversionPoints.Mode.class, rs.getString("conversion_mode"));
    try {
      return new ConversionPoints(mode, rs.getLong("conversion_fixed_points"), rs.getBigDecimal("conversion_per_unit"));
    } catch (IllegalArgumentException e) {
      // Changed by hand: the values themselves are not repeated.
      throw new StorageException("the database holds invalid referral conversion points", e);
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
