package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.ReferralPort;
import io.loyaltyengine.core.spi.SignupRecord;
import io.loyaltyengine.core.spi.SigningKey;
import io.loyaltyengine.core.spi.TransientStorageException;
import io.loyaltyengine.referrals.Conversion;
import io.loyaltyengine.referrals.ConversionPoints;
import io.loyaltyengine.referrals.ConversionStatus;
import io.loyaltyengine.referrals.LandingPage;
import io.loyaltyengine.referrals.Referral;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.ReferralStatus;
import io.loyaltyengine.referrals.ReferralStats;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Update;

/**
 * Referrals in tables {@code referral_program} (settings), {@code referral_signing_key}, {@code referral_short_code},
 * {@code referral_signup}, {@code referral}, {@code referral_visitor}, {@code referral_stats} and
 * {@code referral_conversion}.
 *
 * <h2>Insert-if-absent</h2>
 * Every {@code insert...} that answers a boolean is one statement that does nothing when its key exists
 * ({@code ON CONFLICT DO NOTHING} on PostgreSQL, {@code MERGE ... WHEN NOT MATCHED} on H2), so it never fails the unit
 * of work on its key. An insert that meets another transaction's uncommitted row of the same key waits for it (a
 * PostgreSQL unique index waits; H2 re-runs the statement until the other transaction ends), then inserts nothing if
 * that row committed and its own row if it rolled back. On H2 a clash on a second unique key (a short code taken in
 * the campaign, a conversion id reused) is a unique violation, ignored the same way (see
 * {@link JdbcPort#runInsertIfAbsent}).
 *
 * <h2>Signing keys</h2>
 * {@link #insertNextKey} is one insert-if-absent whose row comes from an aggregate over the tenant's keys, kept only
 * when the key is next to the highest and the tenant is below the bound; {@link #retireKey} one {@code DELETE} of a
 * key below the tenant's highest. Neither reads into Java first.
 *
 * <h2>Stats</h2>
 * {@link #addStats} never reads the counters into Java: on PostgreSQL one {@code INSERT ... ON CONFLICT DO UPDATE}
 * adds the delta (the first one creates the row), on H2 the row is created at zero if absent and one
 * {@code UPDATE ... SET n = n + ?} adds the delta, as the action counters are (see {@link JdbcActionPort}). Either
 * way the addition takes the row lock and applies to the latest committed values, so concurrent additions all count.
 *
 * <h2>Reversals</h2>
 * {@link #markReversed} is one compare-and-set {@code UPDATE ... WHERE status = 'CONVERTED'}: of two concurrent
 * reversals, the second waits for the first's row lock and then no longer matches.
 *
 * <p>Not thread-safe: confined to its transaction.
 */
final class JdbcReferralPort extends JdbcPort implements ReferralPort {
  private static final int STATS_ATTEMPTS = 3;
  /** A row of {@link Sql#STATS_CAMPAIGN} or {@link Sql#STATS_CAMPAIGNS}; {@link ReferralStats#ZERO} if none summed. */
  private static final RowMapper<ReferralStats> STATS_SUM = (rs, ctx) -> rs.getLong("participants") == 0
      ? ReferralStats.ZERO : Rows.REFERRAL_STATS.map(rs, ctx);

  JdbcReferralPort(Handle handle, Sql sql) {
    super(handle, sql);
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if the velocity window is not a whole number of seconds (the column's unit)
   */
  @Override
  public void saveSettings(long tenantId, ReferralSettings settings) {
    Objects.requireNonNull(settings, "settings");
    ConversionPoints points = Objects.requireNonNull(settings.conversionPoints(), "conversionPoints");
    Duration window = Objects.requireNonNull(settings.velocityWindow(), "velocityWindow");
    if (window.getNano() != 0) {
      throw new IllegalArgumentException("velocityWindow must be a whole number of seconds");
    }
    run("referral settings save", () -> handle.createUpdate(sql.referralProgramSave())
        .bind("tenantId", tenantId)
        .bind("campaignId", settings.campaignId())
        .bind("goal", JdbcRewardPort.name(settings.goal()))
        .bind("requireSignedCodes", settings.requireSignedCodes())
        .bind("referrerRewardId", settings.referrerRewardId())
        .bind("conversionMode", points.mode().name())
        .bind("conversionFixedPoints", points.fixedPoints())
        .bind("conversionPerUnit", points.perUnit())
        .bind("onMediumRisk", JdbcRewardPort.name(settings.onMediumRisk()))
        .bind("onHighRisk", JdbcRewardPort.name(settings.onHighRisk()))
        .bind("velocityLimit", settings.velocityLimit())
        .bind("velocityWindowSeconds", window.getSeconds())
        .execute());
  }

  @Override
  public Optional<ReferralSettings> findSettings(long tenantId, long campaignId) {
    return run("referral settings find", () -> handle.createQuery(Sql.REFERRAL_PROGRAM_FIND)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .map(Rows.REFERRAL_SETTINGS)
        .findOne());
  }

  @Override
  public void saveLandingPage(long tenantId, LandingPage page) {
    Objects.requireNonNull(page, "page");
    run("landing page save", () -> handle.createUpdate(sql.landingPageSave())
        .bind("tenantId", tenantId)
        .bind("campaignId", page.campaignId())
        .bind("url", page.url())
        .bind("headline", page.headline())
        .bind("description", page.description())
        .bind("shareMessage", page.shareMessage())
        .bind("imageUrl", page.imageUrl())
        .bind("referralParameter", page.referralParameter())
        .execute());
  }

  @Override
  public Optional<LandingPage> findLandingPage(long tenantId, long campaignId) {
    return run("landing page find", () -> handle.createQuery(Sql.LANDING_PAGE_FIND)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .map(Rows.LANDING_PAGE)
        .findOne());
  }

  @Override
  public boolean deleteLandingPage(long tenantId, long campaignId) {
    return run("landing page delete", () -> handle.createUpdate(Sql.LANDING_PAGE_DELETE)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .execute()) > 0;
  }

  @Override
  public boolean insertKey(SigningKey key) {
    Objects.requireNonNull(key, "key");
    int rows = runInsertIfAbsent("referral signing key insert", () -> handle.createUpdate(
            sql.signingKeyInsertIfAbsent())
        .bind("tenantId", key.tenantId())
        .bind("keyId", key.keyId())
        .bind("secret", key.secret())
        .bind("createdAt", Rows.timestamp(Objects.requireNonNull(key.createdAt(), "createdAt")))
        .execute());
    return rows > 0;
  }

  @Override
  public boolean insertNextKey(SigningKey key, int maxKeys) {
    Objects.requireNonNull(key, "key");
    int rows = runInsertIfAbsent("referral signing key rotation", () -> handle.createUpdate(
            sql.signingKeyInsertNext())
        .bind("tenantId", key.tenantId())
        .bind("keyId", key.keyId())
        .bind("secret", key.secret())
        .bind("createdAt", Rows.timestamp(Objects.requireNonNull(key.createdAt(), "createdAt")))
        .bind("maxKeys", maxKeys)
        .execute());
    return rows > 0;
  }

  @Override
  public boolean retireKey(long tenantId, int keyId) {
    return run("referral signing key retirement", () -> handle.createUpdate(Sql.SIGNING_KEY_RETIRE)
        .bind("tenantId", tenantId)
        .bind("keyId", keyId)
        .execute()) > 0;
  }

  @Override
  public List<SigningKey> keys(long tenantId) {
    return run("referral signing keys", () -> handle.createQuery(Sql.SIGNING_KEY_LIST)
        .bind("tenantId", tenantId)
        .map(Rows.SIGNING_KEY)
        .list());
  }

  @Override
  public Optional<String> shortCode(long tenantId, long participantId) {
    return run("referral short code find", () -> handle.createQuery(Sql.SHORT_CODE_FIND)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .mapTo(String.class)
        .findOne());
  }

  @Override
  public Optional<Long> participantByShortCode(long tenantId, long campaignId, String shortCode) {
    Objects.requireNonNull(shortCode, "shortCode");
    return run("referral short code lookup", () -> handle.createQuery(Sql.SHORT_CODE_PARTICIPANT)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .bind("code", shortCode)
        .mapTo(Long.class)
        .findOne());
  }

  @Override
  public boolean insertShortCode(long tenantId, long campaignId, long participantId, String shortCode) {
    Objects.requireNonNull(shortCode, "shortCode");
    int rows = runInsertIfAbsent("referral short code insert", () -> handle.createUpdate(
            sql.shortCodeInsertIfAbsent())
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .bind("campaignId", campaignId)
        .bind("code", shortCode)
        .execute());
    return rows > 0;
  }

  @Override
  public boolean insertSignup(SignupRecord signup) {
    Objects.requireNonNull(signup, "signup");
    int rows = runInsertIfAbsent("referral signup insert", () -> handle.createUpdate(sql.signupInsertIfAbsent())
        .bind("tenantId", signup.tenantId())
        .bind("participantId", signup.participantId())
        .bind("campaignId", signup.campaignId())
        .bind("ipAddress", signup.ipAddress())
        .bind("visitorId", signup.visitorId())
        .bind("customerId", signup.customerId())
        .bind("createdAt", Rows.timestamp(Objects.requireNonNull(signup.createdAt(), "createdAt")))
        .execute());
    return rows > 0;
  }

  @Override
  public Optional<SignupRecord> findSignup(long tenantId, long participantId) {
    return run("referral signup find", () -> handle.createQuery(Sql.SIGNUP_FIND)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .map(Rows.SIGNUP)
        .findOne());
  }

  /**
   * {@inheritDoc}
   *
   * <p>One statement when the gate exists (its row lock); otherwise it is made if absent, then locked. On H2 a
   * second maker of a new gate fails on the first one's key once that one commits, which
   * {@link #runInsertIfAbsent} takes for "made already": the lock then finds it.
   */
  @Override
  public void lockSignupGate(long tenantId, long campaignId, int gate) {
    if (lockGate(tenantId, campaignId, gate)) {
      return;
    }
    runInsertIfAbsent("signup gate make", () -> handle.createUpdate(sql.signupGateMake())
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .bind("gate", gate)
        .execute());
    if (!lockGate(tenantId, campaignId, gate)) {
      throw new TransientStorageException("signup gate lock failed: the gate made is not there; retry the unit of"
          + " work", null);
    }
  }

  private boolean lockGate(long tenantId, long campaignId, int gate) {
    return run("signup gate lock", () -> handle.createQuery(Sql.SIGNUP_GATE_LOCK)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .bind("gate", gate)
        .mapTo(Integer.class)
        .findOne()
        .isPresent());
  }

  @Override
  public long countSignupsFromIp(long tenantId, long campaignId, String ipAddress, Instant since) {
    return countSignups("referral signups from ip", Sql.SIGNUP_COUNT_FROM_IP, "ipAddress", tenantId, campaignId,
        ipAddress, since);
  }

  @Override
  public long countSignupsFromVisitor(long tenantId, long campaignId, String visitorId, Instant since) {
    return countSignups("referral signups from visitor", Sql.SIGNUP_COUNT_FROM_VISITOR, "visitorId", tenantId,
        campaignId, visitorId, since);
  }

  private long countSignups(String operation, String statement, String parameter, long tenantId, long campaignId,
      String value, Instant since) {
    Objects.requireNonNull(since, "since");
    if (value == null) {
      return 0; // NULL equals nothing: no signup shares an unknown identifier
    }
    return run(operation, () -> handle.createQuery(statement)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .bind(parameter, value)
        .bind("since", Rows.timestamp(since))
        .mapTo(Long.class)
        .one());
  }

  @Override
  public boolean insertReferral(Referral referral) {
    Objects.requireNonNull(referral, "referral");
    int rows = runInsertIfAbsent("referral insert", () -> handle.createUpdate(sql.referralInsertIfAbsent())
        .bind("tenantId", referral.tenantId())
        .bind("invitedId", referral.invitedId())
        .bind("campaignId", referral.campaignId())
        .bind("referrerId", referral.referrerId())
        .bind("codeKind", JdbcRewardPort.name(referral.codeKind()))
        .bind("riskLevel", JdbcRewardPort.name(referral.riskLevel()))
        .bind("riskReason", referral.riskReason())
        .bind("status", JdbcRewardPort.name(referral.status()))
        .bind("createdAt", Rows.timestamp(Objects.requireNonNull(referral.createdAt(), "createdAt")))
        .execute());
    return rows > 0;
  }

  @Override
  public Optional<Referral> findReferral(long tenantId, long invitedId) {
    return run("referral find", () -> handle.createQuery(Sql.REFERRAL_FIND)
        .bind("tenantId", tenantId)
        .bind("invitedId", invitedId)
        .map(Rows.REFERRAL)
        .findOne());
  }

  @Override
  public List<Referral> referredBy(long tenantId, long referrerId, Long afterInvitedId, int limit) {
    String statement = Sql.REFERRAL_BY_REFERRER + (afterInvitedId == null ? "" : Sql.REFERRAL_AND_AFTER)
        + Sql.REFERRAL_ORDER_LIMIT;
    return run("referral referred by", () -> {
      var query = handle.createQuery(statement)
          .bind("tenantId", tenantId)
          .bind("referrerId", referrerId)
          .bind("limit", checkLimit(limit));
      if (afterInvitedId != null) {
        query.bind("afterInvitedId", afterInvitedId.longValue());
      }
      return query.map(Rows.REFERRAL).list();
    });
  }

  @Override
  public List<Referral> listForCampaign(long tenantId, long campaignId, ReferralStatus status, Long afterInvitedId,
      int limit) {
    String statement = Sql.REFERRAL_FOR_CAMPAIGN + (status == null ? Sql.REFERRAL_CAMPAIGN_ORDER_LIMIT
        : Sql.REFERRAL_AND_STATUS + Sql.REFERRAL_CAMPAIGN_STATUS_ORDER_LIMIT);
    return run("referral campaign list", () -> {
      var query = handle.createQuery(statement)
          .bind("tenantId", tenantId)
          .bind("campaignId", campaignId)
          .bind("afterInvitedId", afterInvitedId == null ? Long.MIN_VALUE : afterInvitedId)
          .bind("limit", checkLimit(limit));
      if (status != null) {
        query.bind("status", status.name());
      }
      return query.map(Rows.REFERRAL).list();
    });
  }

  /** One recursive query, however long the chain. */
  @Override
  public List<Long> referrerChain(long tenantId, long participantId, int depth) {
    if (depth <= 0) {
      return List.of();
    }
    return run("referral chain", () -> handle.createQuery(Sql.REFERRAL_CHAIN)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .bind("depth", depth)
        .mapTo(Long.class)
        .list());
  }

  @Override
  public boolean insertVisitor(long tenantId, long campaignId, long participantId, String visitorId, Instant at) {
    Objects.requireNonNull(visitorId, "visitorId");
    int rows = runInsertIfAbsent("referral visitor insert", () -> handle.createUpdate(sql.visitorInsertIfAbsent())
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .bind("visitorId", visitorId)
        .bind("campaignId", campaignId)
        .bind("createdAt", Rows.timestamp(Objects.requireNonNull(at, "at")))
        .execute());
    return rows > 0;
  }

  @Override
  public void addStats(long tenantId, long campaignId, long participantId, ReferralStats delta) {
    Objects.requireNonNull(delta, "delta");
    Objects.requireNonNull(delta.revenue(), "revenue");
    String upsert = sql.referralStatsUpsert();
    if (upsert != null) {
      run("referral stats add", () -> bindStats(handle.createUpdate(upsert), tenantId, participantId, delta)
          .bind("campaignId", campaignId)
          .execute());
      return;
    }
    for (int attempt = 0; attempt < STATS_ATTEMPTS; attempt++) {
      runInsertIfAbsent("referral stats create", () -> handle.createUpdate(sql.referralStatsCreate())
          .bind("tenantId", tenantId)
          .bind("participantId", participantId)
          .bind("campaignId", campaignId)
          .execute());
      int rows = run("referral stats add", () -> bindStats(handle.createUpdate(Sql.STATS_ADD), tenantId,
          participantId, delta).execute());
      if (rows > 0) {
        return;
      }
    }
    throw new TransientStorageException("referral stats were rolled back by another transaction while they were "
        + "added to; retry the unit of work", null);
  }

  private static Update bindStats(Update update, long tenantId, long participantId, ReferralStats delta) {
    return update
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .bind("impressions", delta.impressions())
        .bind("shares", delta.shares())
        .bind("clicks", delta.clicks())
        .bind("uniqueVisitors", delta.uniqueVisitors())
        .bind("signups", delta.signups())
        .bind("conversions", delta.conversions())
        .bind("reversals", delta.reversals())
        .bind("revenue", delta.revenue());
  }

  @Override
  public ReferralStats stats(long tenantId, long participantId) {
    return run("referral stats find", () -> handle.createQuery(Sql.STATS_FIND)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .map(Rows.REFERRAL_STATS)
        .findOne()
        .orElse(ReferralStats.ZERO));
  }

  @Override
  public ReferralStats campaignStats(long tenantId, long campaignId) {
    return run("referral campaign stats", () -> handle.createQuery(Sql.STATS_CAMPAIGN)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .map(STATS_SUM)
        .one());
  }

  /** One query per {@value JdbcPort#IN_LIST_SIZE} campaigns. */
  @Override
  public ReferralStats campaignsStats(long tenantId, Collection<Long> campaignIds) {
    ReferralStats sum = ReferralStats.ZERO;
    for (ReferralStats slice : inSlices(new TreeSet<>(campaignIds), ids -> run("referral campaigns stats",
        () -> handle.createQuery(Sql.STATS_CAMPAIGNS)
            .bind("tenantId", tenantId)
            .bindList("campaignIds", ids)
            .map(STATS_SUM)
            .list()))) {
      sum = sum.plus(slice);
    }
    return sum;
  }

  @Override
  public boolean insertConversion(Conversion c) {
    Objects.requireNonNull(c, "conversion");
    Objects.requireNonNull(c.orderId(), "orderId");
    Objects.requireNonNull(c.orderValue(), "orderValue");
    int rows = runInsertIfAbsent("referral conversion insert", () -> handle.createUpdate(
            sql.conversionInsertIfAbsent())
        .bind("tenantId", c.tenantId())
        .bind("campaignId", c.campaignId())
        .bind("orderId", c.orderId())
        .bind("conversionId", c.id())
        .bind("referrerId", c.referrerId())
        .bind("orderValue", c.orderValue())
        .bind("points", c.points())
        .bind("status", JdbcRewardPort.name(c.status()))
        .bind("pointsReversed", c.pointsReversed())
        .bind("createdAt", Rows.timestamp(Objects.requireNonNull(c.createdAt(), "createdAt")))
        .bind("reversedAt", Rows.timestamp(c.reversedAt()))
        .execute());
    return rows > 0;
  }

  @Override
  public Optional<Conversion> findConversion(long tenantId, long campaignId, String orderId) {
    Objects.requireNonNull(orderId, "orderId");
    return run("referral conversion find", () -> handle.createQuery(Sql.CONVERSION_FIND)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .bind("orderId", orderId)
        .map(Rows.CONVERSION)
        .findOne());
  }

  @Override
  public List<Conversion> listConversionsOfCampaign(long tenantId, long campaignId, ConversionStatus status,
      Long afterConversionId, int limit) {
    String statement = Sql.CONVERSIONS_OF_CAMPAIGN + (status == null ? Sql.CONVERSIONS_OF_CAMPAIGN_ORDER_LIMIT
        : Sql.CONVERSIONS_AND_STATUS + Sql.CONVERSIONS_OF_CAMPAIGN_STATUS_ORDER_LIMIT);
    return run("referral conversion campaign list", () -> {
      var query = handle.createQuery(statement)
          .bind("tenantId", tenantId)
          .bind("campaignId", campaignId)
          .bind("afterConversionId", afterConversionId == null ? Long.MIN_VALUE : afterConversionId)
          .bind("limit", checkLimit(limit));
      if (status != null) {
        query.bind("status", status.name());
      }
      return query.map(Rows.CONVERSION).list();
    });
  }

  @Override
  public List<Conversion> listConversionsOfReferrer(long tenantId, long referrerId, Long beforeConversionId,
      int limit) {
    String statement = Sql.CONVERSIONS_OF_REFERRER + (beforeConversionId == null ? ""
        : Sql.CONVERSIONS_OF_REFERRER_BEFORE) + Sql.CONVERSIONS_OF_REFERRER_NEWEST_LIMIT;
    return run("referral conversion referrer list", () -> {
      var query = handle.createQuery(statement)
          .bind("tenantId", tenantId)
          .bind("referrerId", referrerId)
          .bind("limit", checkLimit(limit));
      if (beforeConversionId != null) {
        query.bind("beforeConversionId", beforeConversionId.longValue());
      }
      return query.map(Rows.CONVERSION).list();
    });
  }

  @Override
  public boolean markReversed(long tenantId, long conversionId, long pointsReversed, Instant at) {
    Objects.requireNonNull(at, "at");
    int rows = run("referral conversion reverse", () -> handle.createUpdate(Sql.CONVERSION_REVERSE)
        .bind("tenantId", tenantId)
        .bind("conversionId", conversionId)
        .bind("pointsReversed", pointsReversed)
        .bind("at", Rows.timestamp(at))
        .execute());
    return rows > 0;
  }

  @Override
  public void deleteAll(long tenantId, long participantId) {
    for (String[] statement : new String[][] {
        {"referral signup delete", Sql.SIGNUP_DELETE_ALL},
        {"referral visitor delete", Sql.VISITOR_DELETE_ALL},
        {"referral stats delete", Sql.STATS_DELETE_ALL},
        {"referral delete as invited", Sql.REFERRAL_DELETE_INVITED},
        {"referral delete as referrer", Sql.REFERRAL_DELETE_REFERRER}}) {
      run(statement[0], () -> handle.createUpdate(statement[1])
          .bind("tenantId", tenantId)
          .bind("participantId", participantId)
          .execute());
    }
  }
}
