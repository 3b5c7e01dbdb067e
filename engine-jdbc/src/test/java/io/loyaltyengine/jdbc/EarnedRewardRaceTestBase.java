package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.answer;
import static io.loyaltyengine.jdbc.Answers.race;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.core.rewards.Goals;
import io.loyaltyengine.core.rewards.RewardJson;
import io.loyaltyengine.coupons.AssignedCoupon;
import io.loyaltyengine.coupons.CouponUpload;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.referrals.ReferralOutcome;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.Signup;
import io.loyaltyengine.referrals.SignupResult;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.Automation;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.testkit.Pages;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The earned-reward lifecycle raced on one database through two engines, one backend per subclass: approvals (some
 * with fulfilment), fulfilments and removals of the same earned rewards, and coupon uploads into a pool that runs
 * empty; loyalty actions of AUTO rewards racing uploads; and two-way rewards of one invited participant named by
 * many referrals at once. Afterwards every earned reward's status must be the one its successful calls made, each
 * transition must have written exactly one event (none for a refused call), and no coupon code may be held twice
 * or by a reward that is not approved. The randomised races are seeded and print their seed.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class EarnedRewardRaceTestBase extends HostTransactionTestBase {
  private static final int THREADS = 12;
  private static final Set<String> REWARD_EVENTS = Set.of(EventType.REWARD_REACHED.wireName(),
      EventType.REWARD_APPROVED.wireName(), EventType.REWARD_FULFILLED.wireName(),
      EventType.REWARD_REMOVED.wireName(), EventType.COUPON_POOL_EMPTY.wireName(),
      EventType.COUPON_ASSIGNED.wireName());

  /** What a call of the lifecycle race did. */
  enum Op { APPROVE, APPROVE_AND_FULFIL, FULFIL, REMOVE, UPLOAD }

  /** One call of the lifecycle race and what it answered. */
  record Call(Op op, long earnedRewardId, Object answer) {
  }

  @Test
  void approvalsFulfilmentsRemovalsAndUploadsRacingOnTheSameRewardsMakeEachTransitionOnceWithOneEvent()
      throws Exception {
    long seed = new Random().nextLong();
    System.out.println("EarnedRewardRaceTestBase lifecycle seed " + seed);
    List<LoyaltyEngine> two = twoEngines();
    World w = new World(two.get(0), 6);
    List<TenantScope> tenant = List.of(two.get(0).forTenant(w.tenantId), two.get(1).forTenant(w.tenantId));
    tenant.get(0).rewards().configure(w.campaignId, Automation.MANUAL, 0);
    CampaignReward coupon = tenant.get(0).rewards().define(w.campaignId,
        NewCampaignReward.coupon("Coupon", 1).unlimited());
    CampaignReward points = tenant.get(0).rewards().define(w.campaignId,
        NewCampaignReward.points("Points", 5, 1).unlimited());
    List<Long> earned = new ArrayList<>();
    for (int i = 0; i < 36; i++) {
      long rewardId = i % 3 == 2 ? points.id() : coupon.id();
      ActionResult r = tenant.get(i % 2).rewards().recordAction(LoyaltyAction.of(w.ref(i % 6), rewardId));
      earned.addAll(r.unlocked().stream().map(EarnedReward::id).toList());
    }
    assertEquals(36, earned.size(), "one reward per action");
    List<Object> answers = race(THREADS, thread -> () -> {
      Random random = new Random(seed + thread);
      int node = thread % 2;
      List<Long> order = new ArrayList<>(earned);
      Collections.shuffle(order, random);
      List<Call> calls = new ArrayList<>();
      int uploads = 0;
      for (long id : order) {
        // About 18 codes for 24 COUPON rewards: approvals find the pool empty and wait for an upload.
        if (random.nextInt(24) == 0) {
          List<String> codes = List.of("T" + thread + "-" + uploads++);
          calls.add(new Call(Op.UPLOAD, 0,
              answer(() -> in(two, node, w.tenantId, s -> s.coupons().upload(w.campaignId, codes))).call()));
        }
        Op op = Op.values()[random.nextInt(4)];
        calls.add(new Call(op, id, answer(() -> in(two, node, w.tenantId, s -> switch (op) {
          case APPROVE -> s.rewards().approve(id, false);
          case APPROVE_AND_FULFIL -> s.rewards().approve(id, true);
          case FULFIL -> s.rewards().fulfil(id);
          case REMOVE -> s.rewards().remove(id);
          case UPLOAD -> throw new AssertionError();
        })).call()));
      }
      return calls;
    });
    // Enough codes for every reward left waiting.
    List<String> last = new ArrayList<>();
    for (int i = 0; i < earned.size(); i++) {
      last.add("LAST-" + i);
    }
    tenant.get(1).coupons().upload(w.campaignId, last);

    Map<Long, int[]> wins = new HashMap<>();   // approvals, fulfilments, removals that succeeded
    for (long id : earned) {
      wins.put(id, new int[3]);
    }
    for (Object thread : answers) {
      for (Object o : assertInstanceOf(List.class, thread, () -> "the thread ended: " + thread)) {
        Call c = (Call) o;
        if (c.answer() instanceof RuntimeException e) {
          LoyaltyException le = assertInstanceOf(LoyaltyException.class, e, () -> "seed " + seed + ": " + e);
          ErrorCode expected = c.op() == Op.UPLOAD ? ErrorCode.CONFLICT : ErrorCode.INVALID_TRANSITION;
          assertEquals(expected, le.code(), () -> "seed " + seed + ": " + c.op() + " " + le);
          continue;
        }
        if (c.op() == Op.UPLOAD) {
          assertInstanceOf(CouponUpload.class, c.answer());
          continue;
        }
        EarnedReward r = (EarnedReward) c.answer();
        int[] w2 = wins.get(c.earnedRewardId());
        switch (c.op()) {
          case APPROVE -> w2[0]++;
          case APPROVE_AND_FULFIL -> {
            w2[0]++;
            w2[1]++;
            assertTrue(r.type() != RewardType.COUPON || r.couponCode() != null, "fulfilled with a code");
          }
          case FULFIL -> w2[1]++;
          case REMOVE -> w2[2]++;
          default -> throw new AssertionError();
        }
      }
    }
    Map<Long, Map<String, List<String>>> events = eventsByReward(w.tenantId);
    System.out.println("rewards that waited for a code: " + events.values().stream()
        .filter(e -> e.containsKey(EventType.COUPON_POOL_EMPTY.wireName())).count());
    Set<String> codes = new HashSet<>();
    Map<String, Long> heldBy = new HashMap<>();
    Map<Long, Long> credited = new HashMap<>();
    for (long id : earned) {
      EarnedReward r = tenant.get(0).rewards().getEarned(id);
      int[] n = wins.get(id);
      String at = "seed " + seed + ", reward " + r;
      assertTrue(n[0] <= 1 && n[1] <= 1 && n[2] <= 1, at + ": a transition made twice " + List.of(n[0], n[1], n[2]));
      EarnedRewardStatus expected = n[2] == 1 ? EarnedRewardStatus.REMOVED
          : n[1] == 1 ? EarnedRewardStatus.FULFILLED : n[0] == 1 ? EarnedRewardStatus.APPROVED
          : EarnedRewardStatus.PENDING;
      assertTrue(n[2] == 0 || n[0] == 0, at + ": removed and approved");
      assertTrue(n[1] == 0 || n[0] == 1, at + ": fulfilled but never approved");
      assertEquals(expected, r.status(), at);
      Map<String, List<String>> mine = events.getOrDefault(id, Map.of());
      assertEquals(1, count(mine, EventType.REWARD_REACHED), at + ": " + mine.keySet());
      assertEquals(n[0], count(mine, EventType.REWARD_APPROVED), at + ": " + mine.keySet());
      assertEquals(n[1], count(mine, EventType.REWARD_FULFILLED), at + ": " + mine.keySet());
      assertEquals(n[2], count(mine, EventType.REWARD_REMOVED), at + ": " + mine.keySet());
      int waited = count(mine, EventType.COUPON_POOL_EMPTY);
      assertEquals(waited, count(mine, EventType.COUPON_ASSIGNED), at + ": each wait ends with one assignment");
      assertTrue(waited <= n[0], at + ": waited without an approval");
      if (r.type() == RewardType.POINTS) {
        credited.merge(r.participantId(), 5L * n[0], Long::sum);
        assertEquals(0, waited, at);
      } else if (n[0] == 1) {
        assertNotNull(r.couponCode(), at + ": approved, and the last upload had a code for it");
        assertTrue(codes.add(r.couponCode()), at + ": a code held twice");
        heldBy.put(r.couponCode(), id);
        // The code reaches the host once: in reward.approved, or after a wait in coupon.assigned.
        String given = "\"couponCode\":\"" + r.couponCode() + "\"";
        String approved = mine.get(EventType.REWARD_APPROVED.wireName()).get(0);
        assertEquals(waited == 0, approved.contains(given), at + ": " + approved);
        if (waited == 1) {
          assertTrue(approved.contains("\"couponCode\":null"), at + ": " + approved);
          assertTrue(mine.get(EventType.COUPON_ASSIGNED.wireName()).get(0).contains(given), at);
          assertTrue(!mine.get(EventType.COUPON_POOL_EMPTY.wireName()).get(0).contains(r.couponCode()), at);
        }
      } else {
        assertNull(r.couponCode(), at + ": a code held by a reward never approved");
      }
    }
    for (int p = 0; p < 6; p++) {
      assertEquals((long) credited.getOrDefault(w.participants.get(p), 0L),
          tenant.get(1).participants().get(w.ref(p)).pointsBalance(), "seed " + seed + ": points credited once");
    }
    List<AssignedCoupon> assigned = Pages.all(page -> tenant.get(0).coupons().assigned(w.campaignId, page));
    assertEquals(codes.size(), assigned.size(), "seed " + seed + ": assigned codes are the ones rewards hold");
    for (AssignedCoupon a : assigned) {
      assertEquals(heldBy.get(a.code()), a.earnedRewardId(), "seed " + seed + ": assigned to the reward holding it");
    }
  }

  @Test
  void autoRewardsUnlockedByConcurrentActionsAreGivenOnceEachWhileUploadsRace() throws Exception {
    long seed = new Random().nextLong();
    System.out.println("EarnedRewardRaceTestBase auto seed " + seed);
    List<LoyaltyEngine> two = twoEngines();
    World w = new World(two.get(0), 4);
    List<TenantScope> tenant = List.of(two.get(0).forTenant(w.tenantId), two.get(1).forTenant(w.tenantId));
    tenant.get(0).rewards().configure(w.campaignId, Automation.AUTO, 0);
    CampaignReward points = tenant.get(0).rewards().define(w.campaignId,
        NewCampaignReward.points("Points", 25, 3).withLimit(4));
    CampaignReward coupon = tenant.get(0).rewards().define(w.campaignId,
        NewCampaignReward.coupon("Coupon", 2).unlimited());
    CampaignReward once = tenant.get(0).rewards().define(w.campaignId,
        NewCampaignReward.message("Welcome", "Hello", 5));
    int actionsPerThread = 15;
    List<Object> answers = race(THREADS, thread -> () -> {
      Random random = new Random(seed + thread);
      int node = thread % 2;
      List<Object> mine = new ArrayList<>();
      for (int i = 0; i < actionsPerThread; i++) {
        if (thread % 4 == 3 && i % 3 == 0) {
          List<String> codes = List.of("A" + thread + "-" + i);
          mine.add(answer(() -> in(two, node, w.tenantId, s -> s.coupons().upload(w.campaignId, codes))).call());
          continue;
        }
        long rewardId = List.of(points.id(), coupon.id(), once.id()).get(random.nextInt(3));
        ParticipantRef who = w.ref(random.nextInt(4));
        mine.add(answer(() -> in(two, node, w.tenantId,
            s -> s.rewards().recordAction(LoyaltyAction.of(who, rewardId)))).call());
      }
      return mine;
    });
    for (Object thread : answers) {
      for (Object a : assertInstanceOf(List.class, thread, () -> "the thread ended: " + thread)) {
        if (a instanceof RuntimeException e) {
          LoyaltyException le = assertInstanceOf(LoyaltyException.class, e, () -> "seed " + seed + ": " + e);
          assertEquals(ErrorCode.CONFLICT, le.code(), () -> "seed " + seed + ": " + le);
        }
      }
    }
    List<String> last = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      last.add("LAST-" + i);
    }
    tenant.get(1).coupons().upload(w.campaignId, last);
    Map<Long, Map<String, List<String>>> events = eventsByReward(w.tenantId);
    Set<String> codes = new HashSet<>();
    for (int p = 0; p < 4; p++) {
      int pointsRewards = 0;
      Map<Long, Integer> byReward = new HashMap<>();
      int participant = p;
      List<EarnedReward> all = Pages.all(page -> tenant.get(1).rewards().earned(w.ref(participant), page));
      for (EarnedReward r : all) {
        String at = "seed " + seed + ", reward " + r;
        byReward.merge(r.campaignRewardId(), 1, Integer::sum);
        assertEquals(EarnedRewardStatus.APPROVED, r.status(), at);
        Map<String, List<String>> mine = events.getOrDefault(r.id(), Map.of());
        assertEquals(1, count(mine, EventType.REWARD_REACHED), at + ": " + mine.keySet());
        assertEquals(1, count(mine, EventType.REWARD_APPROVED), at + ": " + mine.keySet());
        assertEquals(count(mine, EventType.COUPON_POOL_EMPTY), count(mine, EventType.COUPON_ASSIGNED), at);
        if (r.campaignRewardId() == coupon.id()) {
          assertNotNull(r.couponCode(), at);
          assertTrue(codes.add(r.couponCode()), at + ": a code held twice");
        }
        if (r.campaignRewardId() == points.id()) {
          pointsRewards++;
        }
      }
      var counts = tenant.get(0).rewards();
      for (CampaignReward reward : List.of(points, coupon, once)) {
        long actions = counts.counts(w.ref(p), reward.id()).rewardAllTime();
        long expected = Goals.unlocks(actions, reward.conversionsRequired(),
            reward.limit());
        assertEquals(expected, (long) byReward.getOrDefault(reward.id(), 0),
            "seed " + seed + ", participant " + p + ", " + reward.name() + " after " + actions + " actions");
      }
      assertEquals(25L * pointsRewards, tenant.get(0).participants().get(w.ref(p)).pointsBalance(),
          "seed " + seed + ": each POINTS reward credited once");
    }
    assertEquals(codes.size(), Pages.all(page -> tenant.get(0).coupons().assigned(w.campaignId, page)).size(),
        "seed " + seed + ": assigned codes are the ones rewards hold");
  }

  @Test
  void manyReferralsNamingOneInvitedParticipantAtOnceGiveItsTwoWayRewardsOnce() throws Exception {
    List<LoyaltyEngine> two = twoEngines();
    World w = new World(two.get(0), THREADS + 1);
    List<TenantScope> tenant = List.of(two.get(0).forTenant(w.tenantId), two.get(1).forTenant(w.tenantId));
    tenant.get(0).rewards().configure(w.campaignId, Automation.AUTO, 0);
    CampaignReward referrer = tenant.get(0).rewards().define(w.campaignId,
        NewCampaignReward.points("Referrer", 10, 1).unlimited());
    CampaignReward invitedPoints = tenant.get(0).rewards().define(w.campaignId,
        NewCampaignReward.points("Invited points", 7, 1).forInvited());
    CampaignReward invitedCoupon = tenant.get(0).rewards().define(w.campaignId,
        NewCampaignReward.coupon("Invited coupon", 1).forInvited());
    ParticipantRef invited = w.ref(THREADS);
    List<Object> answers = race(THREADS, thread -> () -> thread % 4 == 3
        ? in(two, thread % 2, w.tenantId, s -> s.coupons().upload(w.campaignId, List.of("R" + thread)))
        : in(two, thread % 2, w.tenantId, s -> s.rewards().recordAction(
            LoyaltyAction.of(w.ref(thread), referrer.id()).referring(invited))));
    int unlockedForInvited = 0;
    for (Object a : answers) {
      assertTrue(a instanceof ActionResult || a instanceof CouponUpload, () -> "an answer: " + a);
      if (a instanceof ActionResult r) {
        unlockedForInvited += (int) r.unlocked().stream()
            .filter(e -> e.participantId() == w.participants.get(THREADS)).count();
      }
    }
    tenant.get(1).coupons().upload(w.campaignId, List.of("LAST-1", "LAST-2"));
    List<EarnedReward> mine = Pages.all(page -> tenant.get(0).rewards().earned(invited, page));
    assertEquals(2, mine.size(), "each two-way reward once: " + mine);
    assertEquals(2, unlockedForInvited, "one action unlocked each");
    Map<Long, Map<String, List<String>>> events = eventsByReward(w.tenantId);
    for (EarnedReward r : mine) {
      assertEquals(EarnedRewardStatus.APPROVED, r.status(), r::toString);
      Map<String, List<String>> of = events.getOrDefault(r.id(), Map.of());
      assertEquals(1, count(of, EventType.REWARD_REACHED), of.keySet()::toString);
      assertEquals(1, count(of, EventType.REWARD_APPROVED), of.keySet()::toString);
      if (r.campaignRewardId() == invitedCoupon.id()) {
        assertNotNull(r.couponCode(), r::toString);
      } else {
        assertEquals(invitedPoints.id(), r.campaignRewardId());
      }
    }
    assertEquals(7, tenant.get(0).participants().get(invited).pointsBalance(), "the invited's points once");
  }

  @Test
  void concurrentSignupsWithOneReferrersCodeUnlockItsGoalsAndEachInviteesTwoWayRewardsOnce() throws Exception {
    List<LoyaltyEngine> two = twoEngines();
    World w = new World(two.get(0), 1);
    List<TenantScope> tenant = List.of(two.get(0).forTenant(w.tenantId), two.get(1).forTenant(w.tenantId));
    tenant.get(0).rewards().configure(w.campaignId, Automation.AUTO, 0);
    CampaignReward referrer = tenant.get(0).rewards().define(w.campaignId,
        NewCampaignReward.coupon("Every third", 3).withLimit(2));
    CampaignReward invitedPoints = tenant.get(0).rewards().define(w.campaignId,
        NewCampaignReward.points("Invited points", 7, 1).forInvited());
    CampaignReward invitedCoupon = tenant.get(0).rewards().define(w.campaignId,
        NewCampaignReward.coupon("Invited coupon", 1).forInvited());
    tenant.get(0).referrals().configure(ReferralSettings.defaults(w.campaignId).withReferrerReward(referrer.id()));
    String code = tenant.get(0).referrals().codes(w.ref(0)).signed();
    int signups = THREADS - 2;
    List<Object> answers = race(THREADS, thread -> () -> thread >= signups
        ? in(two, thread % 2, w.tenantId,
            s -> s.coupons().upload(w.campaignId, List.of("S" + thread + "a", "S" + thread + "b")))
        : in(two, thread % 2, w.tenantId, s -> s.referrals().signup(w.campaignId,
            Signup.referred(NewParticipant.withEmail("invitee" + thread + "@example.com"), code))));
    List<Long> invitees = new ArrayList<>();
    for (Object a : answers) {
      if (a instanceof SignupResult r) {
        assertEquals(ReferralOutcome.REFERRED, r.outcome(), r::toString);
        invitees.add(r.participant().id());
      } else {
        assertInstanceOf(CouponUpload.class, a, () -> "an answer: " + a);
      }
    }
    List<String> last = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      last.add("LAST-" + i);
    }
    tenant.get(1).coupons().upload(w.campaignId, last);
    Map<Long, Map<String, List<String>>> events = eventsByReward(w.tenantId);
    Set<String> codes = new HashSet<>();
    List<EarnedReward> all = new ArrayList<>(Pages.all(page -> tenant.get(0).rewards().earned(w.ref(0), page)));
    assertEquals(Goals.unlocks(signups, 3, 2), all.size(), "the referrer's goal cycles: " + all);
    for (long invitee : invitees) {
      List<EarnedReward> mine = Pages.all(page -> tenant.get(1).rewards().earned(ParticipantRef.id(invitee), page));
      assertEquals(Set.of(invitedPoints.id(), invitedCoupon.id()),
          Set.copyOf(mine.stream().map(EarnedReward::campaignRewardId).toList()), "each two-way reward: " + mine);
      assertEquals(2, mine.size(), "each once: " + mine);
      assertEquals(7, tenant.get(0).participants().get(ParticipantRef.id(invitee)).pointsBalance(), "points once");
      all.addAll(mine);
    }
    for (EarnedReward r : all) {
      assertEquals(EarnedRewardStatus.APPROVED, r.status(), r::toString);
      Map<String, List<String>> of = events.getOrDefault(r.id(), Map.of());
      assertEquals(1, count(of, EventType.REWARD_REACHED), () -> r + ": " + of.keySet());
      assertEquals(1, count(of, EventType.REWARD_APPROVED), () -> r + ": " + of.keySet());
      assertEquals(count(of, EventType.COUPON_POOL_EMPTY), count(of, EventType.COUPON_ASSIGNED), r::toString);
      if (r.type() == RewardType.COUPON) {
        assertNotNull(r.couponCode(), r::toString);
        assertTrue(codes.add(r.couponCode()), () -> r + ": a code held twice");
      }
    }
    assertEquals(codes.size(), Pages.all(page -> tenant.get(0).coupons().assigned(w.campaignId, page)).size(),
        "assigned codes are the ones rewards hold");
    assertEquals(signups, tenant.get(1).referrals().stats(w.ref(0)).signups(), "the referrer's signups");
  }

  /**
   * Whether each call of the races runs in a host transaction of its own that the engine joins: a deadlock, which
   * the engine's own transactions retry unseen, then fails the call with STORAGE_UNAVAILABLE.
   */
  boolean inHostTransactions() {
    return false;
  }

  /** {@code call} through engine {@code node}, in a host transaction if {@link #inHostTransactions()}. */
  private <T> T in(List<LoyaltyEngine> two, int node, long tenantId, Function<TenantScope, T> call) {
    if (!inHostTransactions()) {
      return call.apply(two.get(node).forTenant(tenantId));
    }
    try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
      T result = call.apply(two.get(node).forTenant(tenantId).joining(host.transaction()));
      host.commit();
      return result;
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Two engines on the fixture's database. */
  private List<LoyaltyEngine> twoEngines() {
    if (inHostTransactions()) {
      // The fixture makes its host table on the first transaction: before the threads, not by twelve at once.
      try (HostTx first = fixture.hostTransactions().orElseThrow().begin()) {
        first.commit();
      }
    }
    return List.of(engines.build(engines.builder(fixture.openStorage(), 0)),
        engines.build(engines.builder(fixture.openStorage(), 0)));
  }

  private static int count(Map<String, List<String>> events, EventType type) {
    return events.getOrDefault(type.wireName(), List.of()).size();
  }

  /** The tenant's earned-reward events, by earned reward and type (payloads in event id order). */
  private Map<Long, Map<String, List<String>>> eventsByReward(long tenantId) throws SQLException {
    Map<Long, Map<String, List<String>>> byReward = new HashMap<>();
    try (Connection c = fixture.connect(); PreparedStatement s = c.prepareStatement(
        "SELECT type, payload FROM event_outbox WHERE tenant_id = ? ORDER BY event_id")) {
      s.setLong(1, tenantId);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          String type = rs.getString(1);
          if (!REWARD_EVENTS.contains(type)) {
            continue;
          }
          long id = RewardJson.earnedRewardId(rs.getString(2));
          byReward.computeIfAbsent(id, k -> new HashMap<>()).computeIfAbsent(type, k -> new ArrayList<>())
              .add(rs.getString(2));
        }
      }
    }
    return byReward;
  }
}
