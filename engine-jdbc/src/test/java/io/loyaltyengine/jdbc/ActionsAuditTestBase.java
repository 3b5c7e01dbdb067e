package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.leaderboard.Standing;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.participant.ParticipantUpdate;
import io.loyaltyengine.rewards.ActionCounts;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.Automation;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.StoreFixture;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Loyalty actions, earned rewards, participants and boards through the public API, on each store: a reward earned
 * once, N times or without end unlocks exactly at multiples of its goal; concurrent keyed actions (also by gmail
 * spellings of one address, on two engine instances) enrol once and unlock each cycle once; approvals, fulfilments
 * and removals racing on one reward let exactly one move win and credit points once; an email changed, freed and
 * taken again; metadata merged shallowly (null deletes, nested and empty keys refused, the key limit, numbers kept)
 * and concurrent patches losing no key; months of a zone whose 1st has no local midnight (America/Asuncion,
 * October 2023) with boards, ranks shared by ties, standings and winners; two-way and coupon rewards; bad input
 * changing nothing. Each test name states the rule it checks.
 */
abstract class ActionsAuditTestBase {
  private StoreFixture fixture;
  private LoyaltyEngine engine;
  private final SettableClock clock = SettableClock.at(Instant.parse("2025-06-15T12:00:00Z"));
  private TenantScope shop;
  private long brand;

  abstract StoreFixture createFixture();

  @BeforeEach
  void open() {
    fixture = createFixture();
    engine = newEngine();
    shop = engine.forTenant(engine.tenants().create(NewTenant.business("Probe")).id());
    brand = shop.brands().create(new NewBrand("Probe", "https://probe.example.com")).id();
  }

  @AfterEach
  void close() {
    engine.close();
    fixture.close();
  }

  /** An engine on the fixture's database, on the test's clock, dispatching by hand. */
  private LoyaltyEngine newEngine() {
    return LoyaltyEngine.builder().storage(fixture.openStorage()).clock(clock)
        .events(EventSettings.builder().manualDispatch().build()).build();
  }

  private Campaign campaign(ZoneId zone) {
    return shop.campaigns().create(NewCampaign.running(brand, "C").withTimeZone(zone));
  }

  private static void code(ErrorCode code, String field, Runnable r) {
    LoyaltyException e = assertThrows(LoyaltyException.class, r::run);
    assertEquals(code, e.code(), e.getMessage());
    assertEquals(java.util.Optional.ofNullable(field), e.field(), e.getMessage());
  }

  @Test
  void aRewardUnlocksOnceNTimesOrWithoutEndAtMultiplesOfItsGoal() {
    Campaign c = campaign(ZoneId.of("UTC"));
    CampaignReward r = shop.rewards().define(c.id(), NewCampaignReward.message("M", "hi", 3).withLimit(2));
    Participant p = shop.participants().create(c.id(), NewParticipant.withEmail("a@example.com"));
    List<Integer> cycles = new ArrayList<>();
    for (int i = 1; i <= 12; i++) {
      ActionResult res = shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(p.id()), r.id()));
      for (EarnedReward e : res.unlocked()) {
        cycles.add(e.cycle() * 100 + i);
      }
    }
    assertEquals(List.of(103, 206), cycles);
    CampaignReward once = shop.rewards().define(c.id(), NewCampaignReward.message("O", "hi", 1));
    int n = 0;
    for (int i = 0; i < 3; i++) {
      n += shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(p.id()), once.id())).unlocked().size();
    }
    assertEquals(1, n);
    CampaignReward unl = shop.rewards().define(c.id(), NewCampaignReward.message("U", "hi", 2).unlimited());
    n = 0;
    for (int i = 0; i < 10; i++) {
      n += shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(p.id()), unl.id())).unlocked().size();
    }
    assertEquals(5, n);
  }

  @Test
  void concurrentActionsUnlockEachCycleOnce() throws Exception {
    Campaign c = campaign(ZoneId.of("Asia/Kolkata"));
    CampaignReward r = shop.rewards().define(c.id(), NewCampaignReward.points("P", 5, 2).withLimit(3));
    Participant p = shop.participants().create(c.id(), NewParticipant.withEmail("a@example.com"));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<Integer>> fs = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      int k = i;
      fs.add(pool.submit(() -> { ActionResult ar = shop.rewards().recordAction(LoyaltyAction.of(
          k % 2 == 0 ? ParticipantRef.id(p.id()) : ParticipantRef.email(c.id(), "A@Example.com"), r.id())
          .withIdempotencyKey("k" + (k % 30)));
        return ar.replayed() ? 0 : ar.unlocked().size(); }));
    }
    int total = 0;
    for (Future<Integer> f : fs) {
      total += f.get();
    }
    pool.shutdown();
    assertEquals(3, total);
    assertEquals(new ActionCounts(30, 30, 0, 30, 30), shop.rewards().counts(ParticipantRef.id(p.id()), r.id()));
    assertEquals(15, shop.participants().get(ParticipantRef.id(p.id())).pointsBalance());
  }

  @Test
  void racingMovesOfOneRewardLetOneWinAndCreditPointsOnce() throws Exception {
    Campaign c = campaign(ZoneId.of("UTC"));
    shop.rewards().configure(c.id(), Automation.MANUAL, 0);
    CampaignReward r = shop.rewards().define(c.id(), NewCampaignReward.points("P", 7, 1).unlimited());
    Participant p = shop.participants().create(c.id(), NewParticipant.withEmail("a@example.com"));
    ExecutorService pool = Executors.newFixedThreadPool(6);
    for (int round = 0; round < 20; round++) {
      EarnedReward e = shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(p.id()), r.id()))
          .unlocked().get(0);
      assertEquals(EarnedRewardStatus.PENDING, e.status());
      CyclicBarrier b = new CyclicBarrier(6);
      List<Callable<String>> tasks = List.of(
          () -> { b.await(); shop.rewards().approve(e.id(), false); return "approve"; },
          () -> { b.await(); shop.rewards().approve(e.id(), true); return "approveFulfil"; },
          () -> { b.await(); shop.rewards().remove(e.id()); return "remove"; },
          () -> { b.await(); shop.rewards().fulfil(e.id()); return "fulfil"; },
          () -> { b.await(); shop.rewards().approve(e.id(), false); return "approve"; },
          () -> { b.await(); shop.rewards().remove(e.id()); return "remove"; });
      List<String> ok = new ArrayList<>();
      for (Future<String> f : pool.invokeAll(tasks)) {
        try {
          ok.add(f.get());
        } catch (java.util.concurrent.ExecutionException ex) {
          LoyaltyException le = (LoyaltyException) ex.getCause();
          assertEquals(ErrorCode.INVALID_TRANSITION, le.code(), le.getMessage());
          assertEquals(java.util.Optional.of("status"), le.field());
        }
      }
      EarnedReward after = shop.rewards().getEarned(e.id());
      long approvals = ok.stream().filter(s -> s.startsWith("approve")).count();
      long removals = ok.stream().filter(s -> s.equals("remove")).count();
      assertEquals(1, approvals + removals, ok.toString());
      assertTrue(ok.size() <= 2, ok.toString());
    }
    pool.shutdown();
    long approvedOrFulfilled = 0;
    for (EarnedReward e : shop.rewards().earned(ParticipantRef.id(p.id()), Keyset.first(100)).items()) {
      if (e.status() == EarnedRewardStatus.APPROVED || e.status() == EarnedRewardStatus.FULFILLED) {
        approvedOrFulfilled++;
      }
    }
    assertEquals(7 * approvedOrFulfilled, shop.participants().get(ParticipantRef.id(p.id())).pointsBalance());
  }

  @Test
  void anEmailChangedFreedAndTakenAgainFindsTheRightParticipant() {
    Campaign c = campaign(ZoneId.of("UTC"));
    CampaignReward r = shop.rewards().define(c.id(), NewCampaignReward.message("M", "hi", 2));
    Participant a = shop.participants().create(c.id(), NewParticipant.withEmail("ada.l@gmail.com"));
    Participant b = shop.participants().create(c.id(), NewParticipant.withEmail("bob@example.com"));
    code(ErrorCode.CONFLICT, "email", () -> shop.participants().update(ParticipantRef.id(a.id()),
        ParticipantUpdate.builder().email("BOB@example.com").metadata("x", 1L).build()));
    assertEquals(Map.of(), shop.participants().get(ParticipantRef.id(a.id())).metadata());
    // same person, other spelling
    Participant a2 = shop.participants().update(ParticipantRef.id(a.id()),
        ParticipantUpdate.builder().email("AdaL+x@googlemail.com").build());
    assertEquals(a.id(), shop.participants().get(ParticipantRef.email(c.id(), "a.d.a.l@gmail.com")).id());
    shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.email(c.id(), "adal@gmail.com"), r.id()));
    // move a to new email; old email now free, enrols someone new
    shop.participants().update(ParticipantRef.id(a.id()), ParticipantUpdate.builder().email("ada@new.example").build());
    ActionResult res = shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.email(c.id(), "adal@gmail.com"),
        r.id()));
    assertTrue(res.participantCreated());
    assertEquals(new ActionCounts(1, 1, 0, 1, 1), res.counts());
    ActionResult res2 = shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.email(c.id(), "ada@new.example"),
        r.id()));
    assertEquals(a.id(), res2.participantId());
    assertEquals(1, res2.unlocked().size());
    // b takes a's old address? taken by the new participant
    code(ErrorCode.CONFLICT, "email", () -> shop.participants().update(ParticipantRef.id(b.id()),
        ParticipantUpdate.builder().email("adal@gmail.com").build()));
    // delete new one, b can take it
    shop.participants().delete(ParticipantRef.id(res.participantId()));
    shop.participants().update(ParticipantRef.id(b.id()), ParticipantUpdate.builder().email("adal@gmail.com").build());
    assertEquals(b.id(), shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.email(c.id(), "ADAL@gmail.com"),
        r.id())).participantId());
  }

  @Test
  void metadataMergesShallowlyAndABadPatchChangesNothing() {
    Campaign c = campaign(ZoneId.of("UTC"));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("a", 1);
    m.put("b", "x");
    m.put("d", 1.0);
    m.put("e", true);
    m.put("gone", null);
    Participant p = shop.participants().create(c.id(), NewParticipant.withEmail("m@example.com").withMetadata(m));
    assertEquals(Map.of("a", 1L, "b", "x", "d", 1.0, "e", true), p.metadata());
    assertEquals(p.metadata(), shop.participants().get(ParticipantRef.id(p.id())).metadata());
    Map<String, Object> patch = new HashMap<>();
    patch.put("a", null);
    patch.put("b", "y");
    patch.put("c", 2.5f);
    patch.put("zz", null);
    Participant q = shop.participants().update(ParticipantRef.id(p.id()),
        new ParticipantUpdate(null, null, null, null, null, patch));
    Map<String, Object> expected = Map.of("b", "y", "c", (double) 2.5f, "d", 1.0, "e", true);
    assertEquals(expected, q.metadata());
    assertEquals(expected, shop.participants().get(ParticipantRef.id(p.id())).metadata());
    code(ErrorCode.VALIDATION_ERROR, "metadata.n", () -> shop.participants().update(ParticipantRef.id(p.id()),
        ParticipantUpdate.builder().metadata("n", Map.of("x", 1)).metadata("b", "z").build()));
    code(ErrorCode.VALIDATION_ERROR, "metadata", () -> shop.participants().update(ParticipantRef.id(p.id()),
        ParticipantUpdate.builder().metadata("", 1).build()));
    assertEquals(expected, shop.participants().get(ParticipantRef.id(p.id())).metadata());
    // at the key limit: delete one, add one
    Map<String, Object> many = new HashMap<>();
    for (int i = 0; i < 46; i++) {
      many.put("k" + i, (long) i);
    }
    shop.participants().update(ParticipantRef.id(p.id()), new ParticipantUpdate(null, null, null, null, null, many));
    Map<String, Object> swap = new HashMap<>();
    swap.put("k0", null);
    swap.put("new", "v");
    assertEquals(50, shop.participants().update(ParticipantRef.id(p.id()),
        new ParticipantUpdate(null, null, null, null, null, swap)).metadata().size());
    code(ErrorCode.VALIDATION_ERROR, "metadata", () -> shop.participants().update(ParticipantRef.id(p.id()),
        ParticipantUpdate.builder().metadata("one-more", 1).build()));
    assertEquals(50, shop.participants().get(ParticipantRef.id(p.id())).metadata().size());
    // big numbers and doubles round trip
    Map<String, Object> nums = new HashMap<>();
    nums.put("big", Long.MAX_VALUE);
    nums.put("neg", Long.MIN_VALUE);
    nums.put("dbl", 1e300);
    nums.put("tiny", -0.0);
    nums.put("new", null);
    nums.put("k1", null);
    nums.put("k2", null);
    nums.put("k3", null);
    Participant n = shop.participants().update(ParticipantRef.id(p.id()),
        new ParticipantUpdate(null, null, null, null, null, nums));
    assertEquals(n.metadata(), shop.participants().get(ParticipantRef.id(p.id())).metadata());
  }

  @Test
  void monthsOfAZoneWithoutMidnightOnTheFirstCutCountsBoardsAndWinners() {
    // Paraguay: DST began 1 October 2023 at 00:00 (no local midnight)
    ZoneId zone = ZoneId.of("America/Asuncion");
    Instant octStart = YearMonth.of(2023, 10).atDay(1).atStartOfDay(zone).toInstant();
    clock.set(octStart.minusSeconds(7200));
    Campaign c = campaign(zone);
    CampaignReward r = shop.rewards().define(c.id(), NewCampaignReward.message("M", "hi", 100));
    Participant p = shop.participants().create(c.id(), NewParticipant.withEmail("p@example.com"));
    Participant q = shop.participants().create(c.id(), NewParticipant.withEmail("q@example.com"));
    Participant s = shop.participants().create(c.id(), NewParticipant.withEmail("s@example.com"));
    act(p, r, 2);
    act(q, r, 2);
    act(s, r, 1);
    shop.leaderboards().page(BoardRequest.of(c.id(), BoardPeriod.CURRENT_MONTH));
    clock.set(octStart.minusNanos(1000));
    act(s, r, 1);
    clock.set(octStart);
    Participant t = shop.participants().create(c.id(), NewParticipant.withEmail("t@example.com"));
    act(t, r, 1);
    assertEquals(new ActionCounts(2, 0, 2, 2, 0), shop.rewards().counts(ParticipantRef.id(s.id()), r.id()));
    for (Consistency cons : Consistency.values()) {
      assertEquals(List.of(new BoardEntry(p.id(), 2, 1), new BoardEntry(q.id(), 2, 1), new BoardEntry(s.id(), 2, 1)),
          shop.leaderboards().page(BoardRequest.of(c.id(), BoardPeriod.PREV_MONTH).read(cons)).items(), cons.name());
      assertEquals(List.of(new BoardEntry(t.id(), 1, 1), new BoardEntry(p.id(), 0, 2), new BoardEntry(q.id(), 0, 2),
          new BoardEntry(s.id(), 0, 2)),
          shop.leaderboards().page(BoardRequest.of(c.id(), BoardPeriod.CURRENT_MONTH).read(cons)).items(), cons.name());
      assertEquals(List.of(new BoardEntry(q.id(), 2, 1), new BoardEntry(s.id(), 2, 1)),
          shop.leaderboards().page(BoardRequest.of(c.id(), BoardPeriod.PREV_MONTH).read(cons).limit(2)
              .after(p.id())).items(), cons.name());
      assertEquals(List.of(new BoardEntry(q.id(), 0, 2), new BoardEntry(s.id(), 0, 2)),
          shop.leaderboards().page(BoardRequest.of(c.id(), BoardPeriod.CURRENT_MONTH).read(cons).limit(2)
              .after(p.id())).items(), cons.name());
      Standing st = shop.leaderboards().standing(ParticipantRef.id(t.id()), BoardMetric.ACTIONS, cons);
      assertNull(st.previousMonthRank(), cons.name());
      Standing ss = shop.leaderboards().standing(ParticipantRef.id(s.id()), BoardMetric.ACTIONS, cons);
      assertEquals(new Standing(s.id(), BoardMetric.ACTIONS, 2, 1, 0, 2, 2, 1L), ss, cons.name());
      assertTrue(shop.leaderboards().rank(c.id(), t.id(), BoardPeriod.PREV_MONTH, BoardMetric.ACTIONS, cons)
          .isEmpty(), cons.name());
    }
    clock.set(octStart.plusSeconds(60));
    var w = shop.leaderboards().winners(c.id(), YearMonth.of(2023, 9), BoardMetric.ACTIONS);
    assertEquals(List.of(new BoardEntry(p.id(), 2, 1), new BoardEntry(q.id(), 2, 1), new BoardEntry(s.id(), 2, 1)),
        w.winners());
  }

  private void act(Participant p, CampaignReward r, int n) {
    for (int i = 0; i < n; i++) {
      shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(p.id()), r.id()));
    }
  }

  @Test
  void twoWayAndCouponRewardsPointsBoardsAndBadInputChangingNothing() {
    Campaign c = campaign(ZoneId.of("Europe/Berlin"));
    CampaignReward goal = shop.rewards().define(c.id(), NewCampaignReward.points("G", 40, 3).unlimited());
    CampaignReward inv = shop.rewards().define(c.id(), NewCampaignReward.points("I", 15, 1).forInvited());
    CampaignReward coupon = shop.rewards().define(c.id(), NewCampaignReward.coupon("C", 1).withLimit(2));
    Participant a = shop.participants().create(c.id(), NewParticipant.withEmail("a@example.com"));
    Participant b = shop.participants().create(c.id(), NewParticipant.withEmail("b@example.com"));
    Participant d = shop.participants().create(c.id(), NewParticipant.withEmail("d@example.com"));
    ActionResult r1 = shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(a.id()), goal.id())
        .referring(ParticipantRef.email(c.id(), "B@example.com")).withIdempotencyKey("ref-1"));
    assertEquals(1, r1.unlocked().size());
    assertEquals(b.id(), r1.unlocked().get(0).participantId());
    assertEquals(EarnedRewardStatus.APPROVED, r1.unlocked().get(0).status());
    ActionResult again = shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(a.id()), goal.id())
        .referring(ParticipantRef.id(b.id())).withIdempotencyKey("ref-1"));
    assertTrue(again.replayed());
    assertEquals(r1.unlocked(), again.unlocked());
    ActionResult r2 = shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(d.id()), goal.id())
        .referring(ParticipantRef.id(b.id())));
    assertEquals(0, r2.unlocked().size());
    ActionResult r3 = shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(a.id()), goal.id())
        .referring(ParticipantRef.id(d.id())));
    assertEquals(List.of(d.id()), r3.unlocked().stream().map(EarnedReward::participantId).toList());
    ActionResult r4 = shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(a.id()), goal.id()));
    assertEquals(List.of(a.id()), r4.unlocked().stream().map(EarnedReward::participantId).toList());
    assertEquals(40, shop.participants().get(ParticipantRef.id(a.id())).pointsBalance());
    assertEquals(15, shop.participants().get(ParticipantRef.id(b.id())).pointsBalance());
    for (Consistency cons : Consistency.values()) {
      assertEquals(List.of(new BoardEntry(a.id(), 40, 1), new BoardEntry(b.id(), 15, 2), new BoardEntry(d.id(), 15, 2)),
          shop.leaderboards().page(BoardRequest.of(c.id(), BoardPeriod.CURRENT_MONTH).by(BoardMetric.POINTS)
              .read(cons)).items(), cons.name());
    }
    // coupons: empty pool waits
    EarnedReward w = shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(a.id()), coupon.id()))
        .unlocked().get(0);
    assertEquals(EarnedRewardStatus.APPROVED, w.status());
    assertNull(w.couponCode());
    code(ErrorCode.INVALID_TRANSITION, "status", () -> shop.rewards().fulfil(w.id()));
    var sum = shop.rewards().summary(ParticipantRef.id(a.id()));
    assertEquals(0, sum.unapproved());
    assertEquals(2, sum.unfulfilled());
    shop.coupons().upload(c.id(), List.of("CODE-1", "CODE-2"));
    EarnedReward got = shop.rewards().getEarned(w.id());
    assertEquals("CODE-1", got.couponCode());
    assertEquals(EarnedRewardStatus.FULFILLED, shop.rewards().fulfil(w.id()).status());
    shop.rewards().configure(c.id(), Automation.MANUAL, 0);
    EarnedReward w2 = shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(a.id()), coupon.id()))
        .unlocked().get(0);
    assertEquals(EarnedRewardStatus.PENDING, w2.status());
    assertEquals(0, shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(a.id()), coupon.id()))
        .unlocked().size());
    EarnedReward w2f = shop.rewards().approve(w2.id(), true);
    assertEquals(EarnedRewardStatus.FULFILLED, w2f.status());
    assertEquals("CODE-2", w2f.couponCode());
    var totals = shop.rewards().totals(c.id());
    assertEquals(3, totals.participants());
    // bad input changes nothing
    ActionCounts before = shop.rewards().counts(ParticipantRef.id(a.id()), goal.id());
    code(ErrorCode.VALIDATION_ERROR, "metadata.x", () -> shop.rewards().recordAction(
        LoyaltyAction.of(ParticipantRef.id(a.id()), goal.id()).withMetadata(Map.of("x", List.of(1)))));
    code(ErrorCode.VALIDATION_ERROR, "invited", () -> shop.rewards().recordAction(
        LoyaltyAction.of(ParticipantRef.id(a.id()), goal.id()).referring(ParticipantRef.id(a.id()))));
    code(ErrorCode.VALIDATION_ERROR, "campaignRewardId", () -> shop.rewards().recordAction(
        LoyaltyAction.of(ParticipantRef.id(a.id()), inv.id())));
    code(ErrorCode.NOT_FOUND, null, () -> shop.rewards().recordAction(
        LoyaltyAction.of(ParticipantRef.email(c.id(), "new@example.com"), goal.id())
            .referring(ParticipantRef.email(c.id(), "nobody@example.com"))));
    code(ErrorCode.NOT_FOUND, null, () -> shop.participants().get(ParticipantRef.email(c.id(), "new@example.com")));
    assertEquals(before, shop.rewards().counts(ParticipantRef.id(a.id()), goal.id()));
    shop.participants().delete(ParticipantRef.id(d.id()));
    code(ErrorCode.NOT_FOUND, null, () -> shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(d.id()),
        goal.id())));
    assertEquals(2, shop.rewards().totals(c.id()).participants());
  }

  @Test
  void twoInstancesRaceOnEnrolmentKeysAndApprovals() throws Exception {
    LoyaltyEngine second = newEngine();
    try {
      TenantScope other = second.forTenant(shop.tenantId());
      Campaign c = campaign(ZoneId.of("America/New_York"));
      shop.rewards().configure(c.id(), Automation.MANUAL, 0);
      CampaignReward r = shop.rewards().define(c.id(), NewCampaignReward.points("P", 3, 4).withLimit(5));
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<String> spellings = List.of("Ada.Lovelace@gmail.com", "adalovelace+x@googlemail.com",
          "ADALOVELACE@GMAIL.COM", "a.d.a.lovelace@gmail.com");
      List<Future<ActionResult>> fs = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        int k = i;
        TenantScope s = k % 2 == 0 ? shop : other;
        fs.add(pool.submit(() -> s.rewards().recordAction(LoyaltyAction.of(ParticipantRef.email(c.id(),
            spellings.get(k % 4)), r.id()).withIdempotencyKey("key-" + (k % 24)))));
      }
      List<EarnedReward> unlocked = new ArrayList<>();
      int created = 0;
      long pid = 0;
      for (Future<ActionResult> f : fs) {
        ActionResult ar = f.get();
        pid = ar.participantId();
        if (!ar.replayed()) {
          unlocked.addAll(ar.unlocked());
          if (ar.participantCreated()) {
            created++;
          }
        }
      }
      assertEquals(1, created);
      assertEquals(5, unlocked.size(), unlocked.toString());
      assertEquals(new ActionCounts(24, 24, 0, 24, 24), shop.rewards().counts(ParticipantRef.id(pid), r.id()));
      List<Callable<Object>> moves = new ArrayList<>();
      for (EarnedReward e : unlocked) {
        for (int j = 0; j < 3; j++) {
          TenantScope s = j % 2 == 0 ? shop : other;
          moves.add(() -> { try { return s.rewards().approve(e.id(), false); } catch (LoyaltyException x) {
            return x.code(); } });
          moves.add(() -> { try { return s.rewards().remove(e.id()); } catch (LoyaltyException x) {
            return x.code(); } });
        }
      }
      for (Future<Object> f : pool.invokeAll(moves)) {
        Object o = f.get();
        assertTrue(o instanceof EarnedReward || o == ErrorCode.INVALID_TRANSITION, String.valueOf(o));
      }
      pool.shutdown();
      long approved = 0;
      for (EarnedReward e : shop.rewards().earned(ParticipantRef.id(pid), Keyset.first(100)).items()) {
        if (e.status() == EarnedRewardStatus.APPROVED) {
          approved++;
        }
      }
      assertEquals(3 * approved, shop.participants().get(ParticipantRef.id(pid)).pointsBalance());
    } finally {
      second.close();
    }
  }

  @Test
  void concurrentMetadataPatchesOfOneParticipantLoseNoKey() throws Exception {
    LoyaltyEngine second = newEngine();
    try {
      TenantScope other = second.forTenant(shop.tenantId());
      Campaign c = campaign(ZoneId.of("UTC"));
      Participant p = shop.participants().create(c.id(), NewParticipant.withEmail("m@example.com")
          .withMetadata(Map.of("drop", "me")));
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Callable<Participant>> tasks = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        int k = i;
        TenantScope s = k % 2 == 0 ? shop : other;
        Map<String, Object> patch = new HashMap<>();
        patch.put("k" + k, (long) k);
        if (k == 7) {
          patch.put("drop", null);
        }
        tasks.add(() -> s.participants().update(k % 3 == 0 ? ParticipantRef.email(c.id(), "M@example.com")
            : ParticipantRef.id(p.id()), new ParticipantUpdate(null, null, null, null, null, patch)));
      }
      for (Future<Participant> f : pool.invokeAll(tasks)) {
        f.get();
      }
      pool.shutdown();
      Map<String, Object> expected = new HashMap<>();
      for (int i = 0; i < 24; i++) {
        expected.put("k" + i, (long) i);
      }
      assertEquals(expected, shop.participants().get(ParticipantRef.id(p.id())).metadata());
    } finally {
      second.close();
    }
  }
}
