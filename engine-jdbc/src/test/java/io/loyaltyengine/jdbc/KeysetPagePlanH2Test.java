package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.catalog.Redemption;
import io.loyaltyengine.coupons.AssignedCoupon;
import io.loyaltyengine.core.spi.BoardScore;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.events.DeliveryStatus;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.feedback.Idea;
import io.loyaltyengine.feedback.IdeaOrder;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.referrals.Conversion;
import io.loyaltyengine.referrals.ConversionStatus;
import io.loyaltyengine.referrals.Referral;
import io.loyaltyengine.referrals.ReferralStatus;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testimonials.Testimonial;
import io.loyaltyengine.testimonials.TestimonialStatus;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * On H2, each keyset list reads the rows of its page, not the range after its cursor: one campaign (or participant,
 * referrer, catalog reward, tenant, webhook endpoint, idea author) holding {@value #ROWS} rows of each list beside another
 * campaign's and another tenant's, each list read through its port for a first, a middle and a late page of
 * {@value #PAGE}. The statement the port sends is planned with {@code EXPLAIN ANALYZE} on its own connection with the same
 * values bound, just before it runs, and the rows H2 scanned ({@code scanCount}) must be at most the page and the
 * cursor's own row: ordered by the id alone, H2 read the whole range after the cursor (or before it, newest first) and
 * sorted it, so the first page of a campaign of {@value #ROWS} participants read all of them. The plans are printed;
 * each page's ids are checked.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method; the class's tests share one database, which they
 * only read, and run one at a time.
 */
class KeysetPagePlanH2Test {
  private static final int ROWS = 60_000;
  private static final int OTHERS = ROWS / 5;
  private static final int PAGE = 21;
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  /** The plans of the list statements sent since the last {@link #drain}: statement, then plan. */
  /** The list statements (a SELECT with ORDER BY and LIMIT, no lock), planned before they run. */
  private static final H2Plans PLANS = new H2Plans(sql -> sql.startsWith("SELECT") && sql.contains(" ORDER BY ")
      && sql.contains(" LIMIT ") && !sql.contains("FOR UPDATE"));

  private static Path directory;
  private static HikariDataSource pool;
  private static Storage storage;
  private static LoyaltyEngine engine;
  private static long tenant;
  private static long campaign;
  private static long otherTenant;

  @BeforeAll
  static void fill() throws Exception {
    directory = TestFiles.newDirectory("loyalty-h2-keyset-");
    pool = H2FileFixture.pool(directory);
    storage = JdbcStorage.builder().dataSource(TestProxies.connectionsThrough(pool, PLANS::planning))
        .build();
    engine = LoyaltyEngine.builder().storage(storage).events(EventSettings.builder().manualDispatch().build())
        .build();
    TenantScope shop = engine.forTenant(engine.tenants().create(NewTenant.business("Shop")).id());
    long brand = shop.brands().create(new NewBrand("Shop", "https://shop.example")).id();
    tenant = shop.tenantId();
    campaign = shop.campaigns().create(NewCampaign.running(brand, "Tea")).id();
    long other = shop.campaigns().create(NewCampaign.running(brand, "Coffee")).id();
    TenantScope stranger = engine.forTenant(engine.tenants().create(NewTenant.business("Stranger")).id());
    otherTenant = stranger.tenantId();
    long theirs = stranger.campaigns().create(NewCampaign.running(
        stranger.brands().create(new NewBrand("Theirs", "https://theirs.example")).id(), "Theirs")).id();
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      // The campaign's rows take the odd ids 1, 3, ..., the other campaign's the even ones, the other tenant's the
      // same ids as the campaign's first ones.
      for (long[] part : new long[][] {{tenant, campaign, ROWS, 2, -1}, {tenant, other, OTHERS, 2, 0},
          {otherTenant, theirs, OTHERS, 2, -1}}) {
        String t = Long.toString(part[0]);
        String cmp = Long.toString(part[1]);
        String id = part[3] + " * g + " + part[4];
        String range = " FROM SYSTEM_RANGE(1, " + part[2] + ") r(g)";
        s.execute("INSERT INTO participant (tenant_id, participant_id, campaign_id, email, email_sanitized, metadata,"
            + " search_text, points_balance, lifetime_points, created_at, updated_at) SELECT " + t + ", " + id + ", "
            + cmp + ", 'p' || g || '@x.example', 'p' || g || '@x.example', '{}', 'p' || g, 0, 0, TIMESTAMP WITH TIME"
            + " ZONE '2026-01-01 00:00:00+00' + (" + id + ") * INTERVAL '1' SECOND, CURRENT_TIMESTAMP" + range);
        // Participant 1 (2 in the other campaign) holds the ledger entries and earned rewards.
        s.execute("INSERT INTO ledger_entry (tenant_id, entry_id, participant_id, campaign_id, kind, amount, type,"
            + " balance_after, created_at) SELECT " + t + ", " + id + ", " + (part[4] + 2) + ", " + cmp
            + ", 'AWARD', 1, 'purchase', g, CURRENT_TIMESTAMP" + range);
        s.execute("INSERT INTO campaign_reward (tenant_id, campaign_reward_id, campaign_id, name, type, audience,"
            + " conversions_required, points, cash_amount_minor, created_at) VALUES (" + t + ", " + cmp + ", " + cmp
            + ", 'Reward', 'POINTS', 'REFERRER', 1, 1, 0, CURRENT_TIMESTAMP)");
        // The campaign's last 100 rewards and testimonials are PENDING, the others APPROVED and FULFILLED in turn.
        String status = "CASE WHEN g > " + (part[2] - 100) + " THEN 'PENDING' WHEN MOD(g, 2) = 0 THEN 'FULFILLED'"
            + " ELSE 'APPROVED' END";
        s.execute("INSERT INTO earned_reward (tenant_id, earned_reward_id, campaign_id, participant_id,"
            + " campaign_reward_id, cycle, type, status, unread, points, cash_amount_minor, action_id, earned_at)"
            + " SELECT " + t + ", " + id + ", " + cmp + ", " + (part[4] + 2) + ", " + cmp + ", g, 'POINTS', " + status
            + ", TRUE, 1, 0, g, CURRENT_TIMESTAMP" + range);
        s.execute("INSERT INTO testimonial (tenant_id, testimonial_id, campaign_id, participant_id, text, rating,"
            + " status, created_at) SELECT " + t + ", " + id + ", " + cmp + ", " + id + ", 'Fine tea', 5, "
            + status.replace("'FULFILLED'", "'APPROVED'") + ", CURRENT_TIMESTAMP" + range);
        s.execute("INSERT INTO coupon_code (tenant_id, campaign_id, coupon_id, code, status, earned_reward_id,"
            + " participant_id, created_at, assigned_at) SELECT " + t + ", " + cmp + ", " + id + ", 'C' || g,"
            + " 'ASSIGNED', " + id + ", " + id + ", CURRENT_TIMESTAMP, CURRENT_TIMESTAMP" + range);
        // A catalog reward per campaign, its id the campaign's, redeemed ROWS times by participant 1 (2).
        s.execute("INSERT INTO catalog_reward (tenant_id, catalog_reward_id, campaign_id, name, points_cost, type,"
            + " active, created_at) VALUES (" + t + ", " + cmp + ", " + cmp + ", 'Tin', 1, 'CUSTOM', TRUE,"
            + " CURRENT_TIMESTAMP)");
        s.execute("INSERT INTO redemption (tenant_id, redemption_id, catalog_reward_id, participant_id, points_spent,"
            + " ledger_entry_id, balance, redeemed_at) SELECT " + t + ", " + id + ", " + cmp + ", " + (part[4] + 2)
            + ", 1, " + id + ", 0, CURRENT_TIMESTAMP" + range);
        // Participant 1 (2) referred the participants of ids 3, 5, ... (4, 6, ...); the last 100 referrals are
        // IN_REVIEW, the others COUNTED and REJECTED in turn.
        s.execute("INSERT INTO referral (tenant_id, invited_id, campaign_id, referrer_id, code_kind, risk_level,"
            + " risk_reason, status, created_at) SELECT " + t + ", " + id + " + 2, " + cmp + ", " + (part[4] + 2)
            + ", 'SHORT', 'LOW', '', " + status.replace("'PENDING'", "'IN_REVIEW'").replace("'FULFILLED'",
            "'COUNTED'").replace("'APPROVED'", "'REJECTED'") + ", CURRENT_TIMESTAMP" + range);
        // Conversions of the campaign's orders: the last 100 REJECTED, the others CONVERTED and REVERSED in turn;
        // participant 1 (2) referred every third, participant 3 (4) the others.
        s.execute("INSERT INTO referral_conversion (tenant_id, conversion_id, campaign_id, referrer_id, order_id,"
            + " order_value, points, status, points_reversed, created_at) SELECT " + t + ", " + id + ", " + cmp
            + ", CASE WHEN MOD(g, 3) = 0 THEN " + (part[4] + 2) + " ELSE " + (part[4] + 4) + " END, 'order-' || g,"
            + " 10, 1, " + status.replace("'PENDING'", "'REJECTED'").replace("'FULFILLED'", "'REVERSED'")
            .replace("'APPROVED'", "'CONVERTED'") + ", 0, CURRENT_TIMESTAMP" + range);
      }
      // The tenant's change feed: events 1..ROWS at positions 1..ROWS, and 1,000 not positioned yet; the other
      // tenant's events are all waiting for their positions.
      s.execute("INSERT INTO event_outbox (tenant_id, event_id, type, campaign_id, participant_id, sequence,"
          + " occurred_at, schema_version, position, payload, positioned_at) SELECT " + tenant + ", g,"
          + " 'points.awarded', " + campaign + ", g, 1, CURRENT_TIMESTAMP, 1, CASE WHEN g > " + ROWS + " THEN 0"
          + " ELSE g END, '{}', CASE WHEN g > " + ROWS + " THEN NULL ELSE CURRENT_TIMESTAMP END"
          + " FROM SYSTEM_RANGE(1, " + (ROWS + 1_000) + ") r(g)");
      // An endpoint's deliveries of those events, parked for the odd ones, delivered and pending in turn for the
      // others, beside another endpoint's, all parked.
      s.execute("INSERT INTO event_delivery (tenant_id, event_id, subscriber, participant_id, sequence, position,"
          + " status, attempts, next_attempt_at, updated_at) SELECT " + tenant + ", g, 'webhook:9', g, 1, g, CASE"
          + " WHEN MOD(g, 2) = 1 THEN 'PARKED' WHEN MOD(g, 4) = 0 THEN 'DELIVERED' ELSE 'PENDING' END, 10,"
          + " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP"
          + " FROM SYSTEM_RANGE(1, " + ROWS + ") r(g)");
      s.execute("INSERT INTO event_delivery (tenant_id, event_id, subscriber, participant_id, sequence, position,"
          + " status, attempts, next_attempt_at, updated_at) SELECT " + tenant + ", g, 'webhook:8', g, 1, g, 'PARKED',"
          + " 10, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM SYSTEM_RANGE(1, " + ROWS + ") r(g)");
      s.execute("INSERT INTO event_outbox (tenant_id, event_id, type, campaign_id, participant_id, sequence,"
          + " occurred_at, schema_version, position, payload) SELECT " + otherTenant + ", g, 'points.awarded', "
          + theirs + ", g, 1, CURRENT_TIMESTAMP, 1, 0, '{}' FROM SYSTEM_RANGE(1, " + ROWS + ") r(g)");
      // A board of the campaign with ROWS ideas, ids 1..ROWS, no votes yet (so most voted first is oldest first).
      s.execute("INSERT INTO feedback_board (tenant_id, board_id, campaign_id, name, description, is_open, created_at)"
          + " VALUES (" + tenant + ", 1, " + campaign + ", 'Ideas', '', TRUE, CURRENT_TIMESTAMP)");
      s.execute("INSERT INTO feedback_idea (tenant_id, idea_id, board_id, participant_id, title, body, status, votes,"
          + " created_at, updated_at) SELECT " + tenant + ", g, 1, g, 'Idea', 'More tea', 'OPEN', 0,"
          + " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM SYSTEM_RANGE(1, " + ROWS + ") r(g)");
      // Participant 1 (the author of idea 1 above) submitted ROWS more ideas, the odd ids from ROWS + 1, to the
      // campaign's boards 2 and 3 in turn, between other participants' ideas (the even ids); the other campaign's
      // board 4 holds participant 2's, the other tenant's board 2 a participant 1's with the same ids as the first.
      s.execute("INSERT INTO feedback_board (tenant_id, board_id, campaign_id, name, description, is_open, created_at)"
          + " VALUES (" + tenant + ", 2, " + campaign + ", 'Ideas', '', TRUE, CURRENT_TIMESTAMP), (" + tenant + ", 3, "
          + campaign + ", 'Bugs', '', FALSE, CURRENT_TIMESTAMP), (" + tenant + ", 4, " + other + ", 'Ideas', '',"
          + " TRUE, CURRENT_TIMESTAMP), (" + otherTenant + ", 2, " + theirs + ", 'Ideas', '', TRUE,"
          + " CURRENT_TIMESTAMP)");
      for (String[] part : new String[][] {
          {Long.toString(tenant), ROWS + " + 2 * g - 1", "2 + MOD(g, 2)", "1", Integer.toString(ROWS)},
          {Long.toString(tenant), ROWS + " + 2 * g", "2 + MOD(g, 2)", "g + 1", Integer.toString(ROWS)},
          {Long.toString(tenant), 3 * ROWS + " + g", "4", "2", Integer.toString(OTHERS)},
          {Long.toString(otherTenant), ROWS + " + 2 * g - 1", "2", "1", Integer.toString(OTHERS)}}) {
        s.execute("INSERT INTO feedback_idea (tenant_id, idea_id, board_id, participant_id, title, body, status,"
            + " votes, created_at, updated_at) SELECT " + part[0] + ", " + part[1] + ", " + part[2] + ", " + part[3]
            + ", 'Idea', 'More tea', 'OPEN', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM SYSTEM_RANGE(1, "
            + part[4] + ") r(g)");
      }
      s.execute("ANALYZE");
    }
  }

  @AfterAll
  static void close() {
    engine.close();
    pool.close();
    TestFiles.delete(directory);
  }

  @Test
  void aPageOfACampaignsParticipants() {
    pages("participant", odd(1, ROWS), after -> read(tx -> tx.participants().list(tenant, campaign, null, null,
        after, PAGE)).stream().map(Participant::id).toList());
  }

  @Test
  void aPageOfAParticipantsLedgerHistoryNewestFirst() {
    pages("ledger_entry", newestFirst(odd(1, ROWS)), before -> read(tx -> tx.ledger().history(tenant, 1, before,
        PAGE)).stream().map(LedgerEntry::id).toList());
  }

  @Test
  void aPageOfAParticipantsEarnedRewardsNewestFirst() {
    pages("earned_reward", newestFirst(odd(1, ROWS)), before -> read(tx -> tx.earnedRewards().listForParticipant(
        tenant, 1, before, PAGE)).stream().map(EarnedReward::id).toList());
  }

  @Test
  void aPageOfACampaignsEarnedRewardsAllOrInOneStatus() {
    pages("earned_reward", odd(1, ROWS), after -> read(tx -> tx.earnedRewards().listForCampaign(tenant, campaign,
        null, after, PAGE)).stream().map(EarnedReward::id).toList());
    // APPROVED: g odd up to ROWS - 100, id 2g - 1.
    pages("earned_reward", LongStream.rangeClosed(1, ROWS - 100).filter(g -> g % 2 == 1).map(g -> 2 * g - 1)
        .boxed().toList(), after -> read(tx -> tx.earnedRewards().listForCampaign(tenant, campaign,
        EarnedRewardStatus.APPROVED, after, PAGE)).stream().map(EarnedReward::id).toList());
  }

  @Test
  void aPageOfACampaignsTestimonialsAllOrInOneStatus() {
    pages("testimonial", odd(1, ROWS), after -> read(tx -> tx.testimonials().list(tenant, campaign, null, after,
        PAGE)).stream().map(Testimonial::id).toList());
    pages("testimonial", odd(1, ROWS - 100), after -> read(tx -> tx.testimonials().list(tenant, campaign,
        TestimonialStatus.APPROVED, after, PAGE)).stream().map(Testimonial::id).toList());
  }

  @Test
  void aPageOfACampaignsAssignedCoupons() {
    pages("coupon_code", odd(1, ROWS), after -> read(tx -> tx.coupons().assigned(tenant, campaign, after, PAGE))
        .stream().map(AssignedCoupon::id).toList());
  }

  @Test
  void aPageOfACatalogRewardsRedemptions() {
    pages("redemption", odd(1, ROWS), after -> read(tx -> tx.catalog().listRedemptionsOfReward(tenant, campaign,
        after, PAGE)).stream().map(Redemption::id).toList());
  }

  @Test
  void aPageOfAParticipantsRedemptionsNewestFirst() {
    pages("redemption", newestFirst(odd(1, ROWS)), before -> read(tx -> tx.catalog().listRedemptionsOfParticipant(
        tenant, 1, before, PAGE)).stream().map(Redemption::id).toList());
  }

  @Test
  void aPageOfAReferrersReferrals() {
    pages("referral", odd(3, ROWS), after -> read(tx -> tx.referrals().referredBy(tenant, 1, after, PAGE))
        .stream().map(Referral::invitedId).toList());
  }

  @Test
  void aPageOfACampaignsReferralsAllOrInOneStatus() {
    pages("referral", odd(3, ROWS), after -> read(tx -> tx.referrals().listForCampaign(tenant, campaign, null,
        after, PAGE)).stream().map(Referral::invitedId).toList());
    // REJECTED: g odd up to ROWS - 100, invited id 2g + 1.
    pages("referral", LongStream.rangeClosed(1, ROWS - 100).filter(g -> g % 2 == 1).map(g -> 2 * g + 1).boxed()
        .toList(), after -> read(tx -> tx.referrals().listForCampaign(tenant, campaign, ReferralStatus.REJECTED,
        after, PAGE)).stream().map(Referral::invitedId).toList());
  }

  @Test
  void aPageOfACampaignsConversionsAllOrInOneStatus() {
    pages("referral_conversion", odd(1, ROWS), after -> read(tx -> tx.referrals().listConversionsOfCampaign(tenant,
        campaign, null, after, PAGE)).stream().map(Conversion::id).toList());
    // REVERSED: g even up to ROWS - 100, id 2g - 1; REJECTED, rare: the last 100.
    pages("referral_conversion", LongStream.rangeClosed(1, ROWS - 100).filter(g -> g % 2 == 0).map(g -> 2 * g - 1)
        .boxed().toList(), after -> read(tx -> tx.referrals().listConversionsOfCampaign(tenant, campaign,
        ConversionStatus.REVERSED, after, PAGE)).stream().map(Conversion::id).toList());
    pages("referral_conversion", odd(2 * (ROWS - 100) + 1, 100), after -> read(tx -> tx.referrals()
        .listConversionsOfCampaign(tenant, campaign, ConversionStatus.REJECTED, after, PAGE)).stream()
        .map(Conversion::id).toList());
  }

  /** A referrer's conversions, newest first: participant 1 referred every third of the campaign's, id 6k - 1. */
  @Test
  void aPageOfAReferrersConversionsNewestFirst() {
    pages("referral_conversion", newestFirst(LongStream.rangeClosed(1, ROWS / 3).map(k -> 6 * k - 1).boxed()
        .toList()), before -> read(tx -> tx.referrals().listConversionsOfReferrer(tenant, 1, before, PAGE))
        .stream().map(Conversion::id).toList());
  }

  @Test
  void aPageOfATenantsChangeFeed() {
    List<Long> positions = LongStream.rangeClosed(1, ROWS).boxed().toList();
    pages("event_outbox", positions, after -> read(tx -> tx.events().feed(tenant, after == null ? 0 : after,
        Set.of(), null, PAGE)).stream().map(EventRecord::position).toList());
  }

  /**
   * A webhook endpoint's parked deliveries (Webhooks.parked): through ix_event_delivery_outcome, whose last column is
   * the time, H2 read every parked delivery of the endpoint and sorted them for each page.
   */
  @Test
  void aPageOfAnEndpointsParkedDeliveries() {
    pages("event_delivery", odd(1, ROWS / 2), after -> read(tx -> tx.deliveries().parked("webhook:9", tenant, after,
        PAGE)).stream().map(d -> d.event().eventId()).toList());
  }

  /**
   * A webhook endpoint's delivery log (Webhooks.deliveries), newest first: in one status a range of
   * ix_event_delivery_subscriber (tenant, subscriber, status, event id), read up to the page; in every status the
   * three statuses' ranges, each read up to the page (no index holds a subscriber's deliveries in event order whatever
   * their status), merged: at most three pages' rows, never the endpoint's 60,000 (the plan counts them twice, as
   * the scan of the merged rows adds its own count). Without the index named, H2 read them through
   * ix_event_delivery_outcome and sorted each status's 15,000 to 30,000.
   */
  @Test
  void aPageOfAnEndpointsDeliveriesNewestFirstInEveryStatusOrInOne() {
    List<Long> all = newestFirst(LongStream.rangeClosed(1, ROWS).boxed().toList());
    pages("event_delivery", all, 2 * 3 * (PAGE + 1), before -> read(tx -> tx.deliveries().listForSubscriber(tenant,
        "webhook:9", null, before, PAGE)).stream().map(d -> d.event().eventId()).toList());
    for (DeliveryStatus status : DeliveryStatus.values()) {
      List<Long> inStatus = all.stream().filter(g -> switch (status) {
        case PARKED -> g % 2 == 1;
        case DELIVERED -> g % 4 == 0;
        case PENDING -> g % 4 == 2;
      }).toList();
      pages("event_delivery", inStatus, PAGE + 2, before -> read(tx -> tx.deliveries().listForSubscriber(tenant,
          "webhook:9", status, before, PAGE)).stream().map(d -> d.event().eventId()).toList());
    }
  }

  @Test
  void theFirstEventsOfATenantThatWaitForTheirPositions() {
    PLANS.drain();
    List<Long> ids = read(tx -> tx.events().unpositioned(otherTenant, PAGE)).stream().map(EventRecord::eventId)
        .toList();
    assertEquals(LongStream.rangeClosed(1, PAGE).boxed().toList(), ids);
    assertFewRowsRead("event_outbox", "first");
  }

  @Test
  void aPageOfACampaignsParticipantsCreatedSinceATime() {
    // Participant id n was created n seconds after START.
    pages("participant", odd(1, ROWS), after -> read(tx -> tx.leaderboards().createdSince(tenant, campaign,
        START.plusSeconds(after == null ? 0 : after + 1), PAGE)).stream().map(BoardScore::participantId).toList());
  }

  /**
   * A participant's ideas, newest first across its campaign's boards (FeedbackBoards.ideas(participant, page)):
   * through V14's ix_feedback_idea_participant (tenant, participant), which H2 keys by its own row id after those
   * columns and not by idea_id (the table's key is composite), H2 read all of the participant's ideas and sorted
   * them for every page.
   */
  @Test
  void aPageOfAParticipantsIdeasNewestFirst() {
    List<Long> all = new ArrayList<>(newestFirst(odd(ROWS + 1, ROWS)));
    all.add(1L);
    pages("feedback_idea", all, before -> read(tx -> tx.feedback().ideasOfParticipant(tenant, 1, before, PAGE))
        .stream().map(Idea::id).toList());
  }

  /**
   * A board's ideas, newest first and most voted first, are pages at an offset (not keyset pages): a page reads the
   * ideas before it and its own, no more. H2 read them through the index its foreign key to the board made, (tenant,
   * board), and sorted the whole board for each page, the first included.
   */
  @Test
  void aPageOfABoardsIdeasNewestOrMostVotedFirst() {
    List<Long> oldestFirst = LongStream.rangeClosed(1, ROWS).boxed().toList();
    for (IdeaOrder order : IdeaOrder.values()) {
      List<Long> all = order == IdeaOrder.NEWEST ? newestFirst(oldestFirst) : oldestFirst;
      for (int offset : new int[] {0, ROWS / 2, ROWS - PAGE}) {
        PLANS.drain();
        assertEquals(all.subList(offset, offset + PAGE), read(tx -> tx.feedback().ideas(tenant, 1, null, order,
            offset, PAGE)).stream().map(Idea::id).toList(), order + " at " + offset);
        assertRowsRead("feedback_idea", order + " at " + offset, offset + PAGE + 2);
      }
    }
  }

  /** {@code count} odd ids from {@code first} up. */
  private static List<Long> odd(long first, long count) {
    return LongStream.rangeClosed(1, count).map(g -> 2 * g + first - 2).boxed().toList();
  }

  private static List<Long> newestFirst(List<Long> ids) {
    List<Long> reversed = new ArrayList<>(ids);
    Collections.reverse(reversed);
    return reversed;
  }

  /**
   * Reads a first, a middle and a late page of {@code all} (the list's ids in its order) through {@code page} (the
   * page after a cursor, or the first for null), checking each page's ids and what H2 read for it from
   * {@code table}.
   */
  private static void pages(String table, List<Long> all, Function<Long, List<Long>> page) {
    pages(table, all, PAGE + 2, page);
  }

  /** As {@link #pages(String, List, Function)}, each page reading at most {@code atMost} rows. */
  private static void pages(String table, List<Long> all, int atMost, Function<Long, List<Long>> page) {
    int middle = all.size() / 2;
    int late = all.size() - PAGE;
    PLANS.drain();
    assertEquals(all.subList(0, PAGE), page.apply(null), "the first page");
    assertRowsRead(table, "first", atMost);
    assertEquals(all.subList(middle, middle + PAGE), page.apply(all.get(middle - 1)), "the middle page");
    assertRowsRead(table, "middle", atMost);
    assertEquals(all.subList(late, late + PAGE), page.apply(all.get(late - 1)), "the late page");
    assertRowsRead(table, "late", atMost);
  }

  private static void assertFewRowsRead(String table, String which) {
    assertRowsRead(table, which, PAGE + 2);
  }

  private static void assertRowsRead(String table, String which, int atMost) {
    List<String[]> plans = PLANS.drain().stream()
        .filter(p -> p[0].matches("(?s)SELECT .* FROM " + table + "\\b.*")).toList();
    assertEquals(1, plans.size(), "one list statement on " + table + " for the " + which + " page");
    String plan = plans.get(0)[1];
    System.out.println(which + " page:\n" + plan);
    long scanned = H2Plans.rowsRead(plan);
    assertTrue(scanned <= atMost, "the " + which + " page read " + scanned + " rows, not at most " + atMost + ":\n"
        + plan);
  }

  private static <T> T read(io.loyaltyengine.core.spi.TransactionWork<T> work) {
    return storage.inReadTransaction(work);
  }
}
