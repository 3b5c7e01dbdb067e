package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.CatalogRewardUpdate;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.catalog.Redemption;
import io.loyaltyengine.coupons.AssignedCoupon;
import io.loyaltyengine.coupons.CouponUpload;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.FeedPage;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.leaderboard.LeaderboardSettings;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.participant.ParticipantUpdate;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.LedgerEntryKind;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.rewards.ActionCounts;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.ActionSource;
import io.loyaltyengine.rewards.Automation;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.JsonValues;
import io.loyaltyengine.testkit.Pages;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.gen.Gen;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every feature at once, on a few participants of two tenants, from many threads of one or several engine instances
 * sharing one database, one backend per subclass: seeded, so that a failing run replays its threads' operations
 * ({@code -Dloyalty.seed=<seed>}; not how the threads interleave).
 *
 * <p>Each seed gets two tenants of its own, each with one campaign (MANUAL approval), a few participants with the
 * same emails in both (the last two of each may be deleted), a catalog reward of small stock and prices of its own,
 * and a COUPON reward without limit: the first tenant has six participants, a coupon every three actions and an
 * empty pool; the second four participants, a coupon per action and a pool of a few codes uploaded before the
 * threads. Every thread runs seeded operations on those participants, each on the first tenant or (one call in
 * {@value #OTHER_TENANT_ONE_IN}) the second, so that they collide, within a tenant and with the other tenant's
 * calls: awards (without a key, with a key of its own, or with a key shared by every thread for the same change) and
 * deductions, plain and capped at the balance, some retried with their key and the same change (a replay of the
 * first result) or another one (CONFLICT); redemptions, some retried, some with another participant (CONFLICT);
 * stock added and removed; loyalty actions, some retried; approvals (some with fulfilment) and fulfilments of the
 * rewards other threads' actions unlocked, some approved twice, and removals racing with them; price changes of the
 * catalog reward; coupon uploads of a few codes out of a small set (duplicates within and across uploads, and with
 * the codes uploaded first); metadata patches; event dispatch rounds; leaderboard reads; and, late in the run,
 * deletions (as many tried on each tenant). Interleaved with them: probes that name one tenant's participants (a
 * deleted one half the time, once there is one), catalog reward, campaign or earned rewards through the other's
 * scope, reading, changing or deleting, every one of which must be NOT_FOUND.
 *
 * <p>Each call must end with a result, or a {@link LoyaltyException} whose code that operation documents for what
 * it was asked (NOT_FOUND only for a participant that may be deleted, and then it must be deleted at the end): any
 * other code (STORAGE_UNAVAILABLE from a deadlock, say) or any other exception fails the seed, and so does a
 * deadlock the engine retried unseen (each instance's storage is a {@link TransientFailureLog}).
 *
 * <h2>Checked after the threads end, on each tenant</h2>
 * <ul>
 *   <li>every live participant's balance is the sum of its ledger and not negative, its lifetime points the sum of
 *       its awards; its entries, each instance's in id order (the order ids promise on one instance), interleave
 *       into one chain from 0 whose every {@code balanceAfter} is the one before plus the entry's signed amount and
 *       never negative;</li>
 *   <li>an idempotency key is on at most one entry, the one every call with it was answered with; each redemption
 *       of a live participant has its ledger entry;</li>
 *   <li>each live participant's lifetime points are its initial points plus the awards answered on its tenant
 *       (nothing came through the other tenant's scope);</li>
 *   <li>the catalog reward's stock is not negative, and initial stock + accepted adjustments == stock + redemptions
 *       (as the calls returned them, and as stored under the tenant); each redemption was charged, in its ledger
 *       entry too, a price set on its tenant's reward in force at some moment of its call, as far as the calls'
 *       order tells (a change overlapping it, or one that ended before it with no change wholly between), and the
 *       stored price is one a last change could have set. This cannot tell which of the prices in force a
 *       redemption was charged: a redemption charging the price a plain read found before its stock update waited
 *       for the row lock passes it. {@code CatalogStockRaceTestBase
 *       .aRedemptionWaitingForAnUncommittedPriceChangeIsChargedTheNewPrice} catches that;</li>
 *   <li>a reward is REMOVED exactly when a removal answered, APPROVED or FULFILLED exactly when an approval did, never
 *       both; a removed one holds no code, and a plain approval was refused only for a removed one;</li>
 *   <li>{@code coupon.pool_low} events name the campaign and its threshold, with the threshold of codes remaining
 *       or fewer (a pool's first code's); at most one per assigned code, and those at the threshold at most as many
 *       as the assigned codes followed by at least the threshold of codes (uploads from several instances
 *       interleave, so no more is known);</li>
 *   <li>its action counts are the actions recorded for it; its earned rewards are the ones its actions unlocked, one
 *       per so many actions; a code went to at most one reward, the codes live participants' rewards hold are
 *       exactly the assigned codes of live participants (the others' are of deleted ones); the pool holds every code
 *       its uploads added; no approved reward waits for a code while the pool has a free one;</li>
 *   <li>its metadata holds, for each thread, the last value that thread set (merges lose no concurrent key);</li>
 *   <li>once every instance dispatched what is left, every event is positioned, the tenant's change feed holds
 *       every event of the tenant and only of its own participants, its positions are unique and increasing, and
 *       each live participant's events are numbered 1..n;</li>
 *   <li>the all-time and this month's boards of both metrics read at STRONG, and on every instance at INDEX after
 *       the clock moved by the refresh interval (the staleness bound), equal the ranking of the tenant's live
 *       participants' lifetime points and actions.</li>
 * </ul>
 *
 * <p>The clock stands still during a run (so that no index catches up mid-run and the months stay put) and moves
 * after it.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class MixedWorkloadTestBase extends HostTransactionTestBase {
  private static final int OPERATIONS_PER_THREAD = 60;
  private static final long INITIAL_POINTS = 100;
  private static final long INITIAL_STOCK = 4;
  private static final int SHARED_KEYS = 3;
  /** One call in this many is the second tenant's. */
  private static final int OTHER_TENANT_ONE_IN = 4;
  private static final Instant START = Instant.parse("2025-03-12T10:00:00Z");

  private SettableClock clock;
  /** Where the clock stands during the current seed's run. */
  private Instant runStart;
  private final List<LoyaltyEngine> nodes = new ArrayList<>();
  /** Each instance's storage, logging the deadlocks its retries hide. */
  private final List<TransientFailureLog> logs = new ArrayList<>();

  /** How many engine instances share the database. */
  abstract int instances();

  /** How many threads call each instance. */
  abstract int threadsPerInstance();

  /** The seeds run unless {@code -Dloyalty.seed} names one: regression seeds first, then a new one per run. */
  abstract long[] seeds();

  /**
   * Seeded threads mixing points, redemptions, stock, prices, actions, approvals, coupon uploads, metadata, dispatch
   * and deletions on a few participants of two tenants end with every invariant of the class description holding
   * for each tenant, each call having answered with a result or a refusal its operation documents, and every probe
   * across the tenants NOT_FOUND.
   */
  @Test
  void seededThreadsMixingEveryFeatureOnAFewParticipantsKeepEveryInvariant() {
    clock = SettableClock.at(START);
    for (int i = 0; i < instances(); i++) {
      // The second instance combines nothing, the others use the default group commit.
      TransientFailureLog log = new TransientFailureLog(fixture.openStorage());
      logs.add(log);
      nodes.add(engines.build(engines.builder(log, i == 1 ? 1 : 0).clock(clock)));
    }
    Seeded.runEach(this, instances() + " instances x " + threadsPerInstance() + " threads", seeds(), this::run);
  }

  private void run(long seed) throws Exception {
    runStart = clock.instant();
    // The first tenant: six participants (two deletable), a coupon every three actions, the pool empty at first.
    Tenant a = new Tenant("A", seed, 6, 2, 3, 2, new long[] {25, 10, 40, 55}, "CODE-", 36, 0);
    // The second: four participants with the first four's emails (two deletable), a coupon per action, other prices
    // (a redemption charged the first tenant's price fails its check), and a pool of 8 codes uploaded first, of 12
    // its uploads draw from, so that its approvals draw the pool down to its threshold.
    Tenant b = new Tenant("B", seed, 4, 2, 1, 3, new long[] {30, 15, 45, 60}, "OTHER-", 12, 8);
    List<Seeded.Racer> workers = new ArrayList<>();
    for (int t = 0; t < instances() * threadsPerInstance(); t++) {
      workers.add(new Worker(a, b, t, seed)::run);
    }
    Seeded.race(workers);
    System.out.println("  A: " + a.s.tally());
    System.out.println("  B: " + b.s.tally());
    dispatchEverything();
    new Check(a).all();
    new Check(b).all();
    for (TransientFailureLog log : logs) {
      List<TransientFailureLog.Failure> deadlocks = log.deadlocks();
      assertEquals(List.of(), deadlocks.subList(0, Math.min(3, deadlocks.size())), deadlocks.size()
          + " deadlocks the engine retried unseen (the first three)");
    }
  }

  /** Dispatches until no instance positions another event. */
  private void dispatchEverything() {
    boolean positioned = true;
    while (positioned) {
      positioned = false;
      for (LoyaltyEngine node : nodes) {
        positioned |= node.events().dispatch().positioned() > 0;
      }
    }
  }

  // ==================================================================== the world of a seed

  /**
   * One of a seed's tenants: its campaign (MANUAL approval), COUPON reward (unlimited), catalog reward, participants
   * (each with {@value #INITIAL_POINTS} points), each instance's scope on it, and what the threads did to it.
   */
  private final class Tenant {
    final String name;
    final int participants;
    /** The last slots may be deleted. */
    final int deletable;
    final int actionsPerCoupon;
    /** The campaign's coupon low-stock threshold. */
    final int lowStock;
    /** The prices a host sets on the catalog reward (the first is the one it is created with). */
    final long[] prices;
    /** Uploads draw codes of this prefix and a number below {@link #codes}; the first {@link #preloaded} go first. */
    final String codePrefix;
    final int codes;
    final long tenantId;
    final long campaignId;
    final long couponRewardId;
    final long catalogRewardId;
    final List<Long> ids = new ArrayList<>();
    final List<TenantScope> scopes = new ArrayList<>();
    final Shared s;

    Tenant(String name, long seed, int participants, int deletable, int actionsPerCoupon, int lowStock,
        long[] prices, String codePrefix, int codes, int preloaded) {
      this.name = name;
      this.participants = participants;
      this.deletable = deletable;
      this.actionsPerCoupon = actionsPerCoupon;
      this.lowStock = lowStock;
      this.prices = prices;
      this.codePrefix = codePrefix;
      this.codes = codes;
      this.s = new Shared(prices[0]);
      tenantId = nodes.get(0).tenants().create(NewTenant.business("Mixed " + name + " " + seed)).id();
      nodes.forEach(node -> scopes.add(node.forTenant(tenantId)));
      TenantScope scope = scopes.get(0);
      long brand = scope.brands().create(new NewBrand("Shop " + name, "shop-" + name + ".example.com")).id();
      campaignId = scope.campaigns().create(NewCampaign.running(brand, "Mixed " + name)).id();
      scope.rewards().configure(campaignId, Automation.MANUAL, lowStock);
      couponRewardId = scope.rewards().define(campaignId,
          NewCampaignReward.coupon("Coupon " + name, actionsPerCoupon).unlimited()).id();
      catalogRewardId = scope.catalog().create(NewCatalogReward.of(campaignId, "Tea tin", prices[0],
          RewardType.CUSTOM_MESSAGE).withStock(INITIAL_STOCK)).id();
      for (int i = 0; i < participants; i++) {
        long id = scope.participants().create(campaignId, NewParticipant.withEmail("p" + i + "@example.com")).id();
        ids.add(id);
        scope.points().award(ParticipantRef.id(id), PointsChange.of(INITIAL_POINTS, "welcome"));
      }
      if (preloaded > 0) {
        List<String> first = new ArrayList<>();
        for (int i = 0; i < preloaded; i++) {
          first.add(codePrefix + i);
        }
        s.codesAdded.addAndGet(scope.coupons().upload(campaignId, first).added());
      }
      // Build every instance's index of the boards read at the end, so that they must catch up with the run.
      for (TenantScope each : scopes) {
        for (BoardMetric metric : BoardMetric.values()) {
          board(each, campaignId, BoardPeriod.ALL_TIME, metric, Consistency.INDEX);
        }
      }
    }

    ParticipantRef ref(int slot) {
      return ParticipantRef.id(ids.get(slot));
    }

    /** Whether the participant of {@code slot} may be deleted (and so may be NOT_FOUND). */
    boolean deletable(int slot) {
      return slot >= participants - deletable;
    }
  }

  /** What the threads of a seed did to one tenant, for the checks after them. */
  private static final class Shared {
    /** Earned rewards waiting for approval, and approved ones to fulfil: each taken by one thread at a time. */
    final ConcurrentLinkedDeque<Long> toApprove = new ConcurrentLinkedDeque<>();
    final ConcurrentLinkedDeque<Long> toFulfil = new ConcurrentLinkedDeque<>();
    /** Earned rewards approved (or refused approval only because already approved) by a thread. */
    final Set<Long> approved = ConcurrentHashMap.newKeySet();
    /** Earned rewards a thread removed, and those a plain approval refused though no call had approved them. */
    final Set<Long> removed = ConcurrentHashMap.newKeySet();
    final Set<Long> refusedApproval = ConcurrentHashMap.newKeySet();
    /** Every earned reward an action unlocked, and its participant's slot; the ids also in a list to pick from. */
    final Map<Long, Integer> unlocked = new ConcurrentHashMap<>();
    final List<Long> unlockedIds = new CopyOnWriteArrayList<>();
    /** The points each slot's new (not replayed) awards added. */
    final Map<Integer, LongAdder> awarded = new ConcurrentHashMap<>();
    /** Ticks taken before and after calls, to order the price changes and the redemptions that did not overlap. */
    final AtomicLong ticks = new AtomicLong();
    /** Each price change as {start tick, end tick, price}; the creation's price first, before every tick. */
    final Queue<long[]> prices = new ConcurrentLinkedQueue<>();
    /** Each redemption's {start tick, end tick}. */
    final Map<Long, long[]> redeemedDuring = new ConcurrentHashMap<>();
    /** Every action recorded (not replayed), and its slot. */
    final Map<Long, Integer> actions = new ConcurrentHashMap<>();
    /** Every redemption made (not replayed). */
    final Map<Long, Redemption> redemptions = new ConcurrentHashMap<>();
    /** The ledger entry every answer with an idempotency key named, and the key's slot. */
    final Map<String, Long> keyEntries = new ConcurrentHashMap<>();
    final Map<String, Integer> keySlots = new ConcurrentHashMap<>();
    final AtomicLong stockAdded = new AtomicLong();
    /** The codes the uploads added, those before the threads included. */
    final AtomicLong codesAdded = new AtomicLong();
    /** The last metadata value each thread set on each slot ({@code slot/thread}), empty for a removal. */
    final Map<String, Optional<Long>> metadata = new ConcurrentHashMap<>();
    final Set<Integer> deleted = ConcurrentHashMap.newKeySet();
    final Set<Integer> notFound = ConcurrentHashMap.newKeySet();
    final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();

    Shared(long createdAt) {
      prices.add(new long[] {-1, -1, createdAt});
    }

    void count(String outcome) {
      outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
    }

    /** The key's entry, checking that every answer with the key named the same one. */
    void keyed(String key, int slot, long entryId) {
      Long before = keyEntries.putIfAbsent(key, entryId);
      assertTrue(before == null || before == entryId,
          () -> "key " + key + " answered with entries " + before + " and " + entryId);
      keySlots.put(key, slot);
    }

    String tally() {
      return new TreeMap<>(outcomes).entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
          .collect(Collectors.joining(", "));
    }
  }

  // ==================================================================== one thread

  /** What one call does, on the tenant the call picked. */
  private enum Kind {
    AWARD(18), DEDUCT(12), DEDUCT_UP_TO(4), REDEEM(12), ADJUST_STOCK(6), PRICE(4), ACTION(16), APPROVE(10),
    REMOVE(4), FULFIL(4), UPLOAD(5), PATCH(7), DISPATCH(3), READ(3), PROBE(5), DELETE(0);

    final int weight;

    Kind(int weight) {
      this.weight = weight;
    }
  }

  /**
   * One thread's seeded calls on its instance, each on one of the two tenants (the second one call in
   * {@value #OTHER_TENANT_ONE_IN}). Confined to its thread.
   */
  private final class Worker {
    private final Tenant a;
    private final Tenant b;
    private final int thread;
    private final int instance;
    private final LoyaltyEngine node;
    private final RandomGenerator random;
    private int call;
    private Kind kind;
    /** The tenant of this call, what the threads did to it, its scope on this instance, and the other tenant. */
    private Tenant t;
    private Shared s;
    private TenantScope scope;
    private Tenant o;

    Worker(Tenant a, Tenant b, int thread, long seed) {
      this.a = a;
      this.b = b;
      this.thread = thread;
      this.instance = thread % nodes.size();
      this.node = nodes.get(instance);
      this.random = Gen.random(seed * 1_000_003L + thread);
    }

    void run() {
      int total = Arrays.stream(Kind.values()).mapToInt(k -> k.weight).sum();
      for (call = 0; call < OPERATIONS_PER_THREAD; call++) {
        boolean other = random.nextInt(OTHER_TENANT_ONE_IN) == 0;
        t = other ? b : a;
        o = other ? a : b;
        s = t.s;
        scope = t.scopes.get(instance);
        // Deletions only in the last third, so that the deletable participants collide with the others first; as
        // many tried on the second tenant as on the first, which gets more calls.
        boolean late = call >= OPERATIONS_PER_THREAD * 2 / 3;
        int pick = random.nextInt(total + (late ? (other ? 2 * (OTHER_TENANT_ONE_IN - 1) : 2) : 0));
        kind = Kind.DELETE;
        for (Kind k : Kind.values()) {
          if (pick < k.weight) {
            kind = k;
            break;
          }
          pick -= k.weight;
        }
        try {
          step();
        } catch (AssertionError | RuntimeException e) {
          throw new AssertionError("thread " + thread + " (instance " + instance + ") call " + call + " " + kind
              + " on tenant " + t.name + ": " + e, e);
        }
      }
    }

    private void step() {
      switch (kind) {
        case AWARD -> award();
        case DEDUCT -> deduct();
        case DEDUCT_UP_TO -> deductUpToBalance();
        case REDEEM -> redeem();
        case ADJUST_STOCK -> adjustStock();
        case PRICE -> price();
        case ACTION -> action();
        case APPROVE -> approve();
        case REMOVE -> remove();
        case FULFIL -> fulfil();
        case UPLOAD -> upload();
        case PATCH -> patch();
        case DISPATCH -> node.events().dispatch();
        case READ -> read();
        case PROBE -> probe();
        case DELETE -> delete();
        default -> throw new IllegalStateException(kind.toString());
      }
    }

    private int slot() {
      return random.nextInt(t.participants);
    }

    private String ownKey() {
      return "t" + thread + "-" + call;
    }

    private void award() {
      int slot = slot();
      int keying = random.nextInt(10);
      PointsChange change = PointsChange.of(1 + random.nextInt(40), "purchase");
      if (keying >= 7) {
        // A key every thread may use, always for the same change: one entry, every other call a replay.
        int k = random.nextInt(SHARED_KEYS);
        change = new PointsChange(5 + k, "bonus", null, "shared-" + slot + "-" + k);
      } else if (keying >= 4) {
        change = change.withIdempotencyKey(ownKey());
      }
      PointsChange asked = change;
      PointsResult r = attempt(() -> scope.points().award(t.ref(slot), asked), slot);
      if (r == null) {
        return;
      }
      checkEntry(r, asked, slot, LedgerEntryKind.AWARD);
      if (!r.replayed()) {
        s.awarded.computeIfAbsent(slot, k -> new LongAdder()).add(asked.amount());
      }
      if (asked.idempotencyKey() != null) {
        retry(r, slot, () -> scope.points().award(t.ref(slot), asked),
            () -> scope.points().award(t.ref(slot), new PointsChange(asked.amount() + 1, asked.type(), null,
                asked.idempotencyKey())));
      }
    }

    private void deduct() {
      int slot = slot();
      PointsChange change = PointsChange.of(1 + random.nextInt(60), "purchase");
      if (random.nextBoolean()) {
        change = change.withIdempotencyKey(ownKey());
      }
      PointsChange asked = change;
      PointsResult r = attempt(() -> scope.points().deduct(t.ref(slot), asked), slot, ErrorCode.INSUFFICIENT_POINTS);
      if (r == null) {
        return;
      }
      checkEntry(r, asked, slot, LedgerEntryKind.DEDUCT);
      if (asked.idempotencyKey() != null) {
        // A capped deduction with a plain one's key is a CONFLICT whatever the amounts.
        retry(r, slot, () -> scope.points().deduct(t.ref(slot), asked),
            () -> scope.points().deductUpToBalance(t.ref(slot), asked));
      }
    }

    private void deductUpToBalance() {
      int slot = slot();
      PointsChange change = PointsChange.of(1 + random.nextInt(80), "refund").withIdempotencyKey(ownKey());
      PointsResult r = attempt(() -> scope.points().deductUpToBalance(t.ref(slot), change), slot);
      if (r == null) {
        return;
      }
      assertFalse(r.replayed(), "a new key replayed");
      if (r.entry() == null) {
        assertEquals(0, r.balance(), "nothing taken only from a zero balance");
        s.count("DEDUCT_UP_TO:nothing");
        return;
      }
      assertTrue(r.entry().amount() <= change.amount(), "took at most what it asked for");
      assertEquals(change.amount(), r.entry().requestedAmount(), "records what it asked for");
      assertEquals(r.balance(), r.entry().balanceAfter());
      assertTrue(r.balance() == 0 || r.entry().amount() == change.amount(), "takes all it asked for, or all");
      s.keyed(change.idempotencyKey(), slot, r.entry().id());
      s.count("DEDUCT_UP_TO:ok");
      retry(r, slot, () -> scope.points().deductUpToBalance(t.ref(slot), change),
          () -> scope.points().deduct(t.ref(slot), change));
    }

    /** Checks a new or replayed entry against the change asked for. */
    private void checkEntry(PointsResult r, PointsChange asked, int slot, LedgerEntryKind kind) {
      LedgerEntry e = r.entry();
      assertEquals(kind, e.kind());
      assertEquals(asked.amount(), e.amount());
      assertEquals(asked.idempotencyKey(), e.idempotencyKey());
      assertEquals(t.ids.get(slot), e.participantId());
      assertEquals(r.balance(), e.balanceAfter(), "the result's balance is its entry's");
      assertTrue(r.balance() >= 0, "never negative");
      if (asked.idempotencyKey() != null) {
        s.keyed(asked.idempotencyKey(), slot, e.id());
      }
      s.count(kind + (r.replayed() ? ":replayed" : ":ok"));
    }

    /**
     * Now and then calls {@code same} again (the first result replayed, or NOT_FOUND once deleted) or
     * {@code other}, the key with another change (CONFLICT).
     */
    private void retry(PointsResult first, int slot, Supplier<PointsResult> same, Supplier<?> other) {
      int r = random.nextInt(10);
      if (r < 3) {
        PointsResult again = attempt(same, slot);
        if (again != null) {
          assertTrue(again.replayed(), "a retry with the key replays");
          assertEquals(first.entry().id(), again.entry().id(), "the same entry");
          assertEquals(first.entry().balanceAfter(), again.balance(), "the first result");
          s.count("POINTS:retried");
        }
      } else if (r < 5) {
        refusedOnly(other, slot, ErrorCode.CONFLICT);
      }
    }

    private void redeem() {
      int slot = slot();
      String key = random.nextBoolean() ? ownKey() : null;
      long start = s.ticks.incrementAndGet();
      Redemption r = attempt(() -> scope.catalog().redeem(t.ref(slot), t.catalogRewardId, key), slot,
          ErrorCode.INSUFFICIENT_POINTS, ErrorCode.OUT_OF_STOCK);
      long end = s.ticks.incrementAndGet();
      if (r == null) {
        return;
      }
      assertFalse(r.replayed(), "a new key replayed");
      assertTrue(Arrays.stream(t.prices).anyMatch(p -> p == r.pointsSpent()), "charged a price set on it: " + r);
      assertTrue(r.balance() >= 0, "never negative");
      assertEquals(t.ids.get(slot), r.participantId());
      assertNull(s.redemptions.put(r.id(), r), "a new redemption");
      s.redeemedDuring.put(r.id(), new long[] {start, end});
      s.count("REDEEM:ok");
      if (key == null) {
        return;
      }
      int retry = random.nextInt(10);
      if (retry < 3) {
        // Once deleted, the participant is NOT_FOUND; else the first redemption comes back.
        Redemption again = attempt(() -> scope.catalog().redeem(t.ref(slot), t.catalogRewardId, key), slot);
        if (again != null) {
          assertTrue(again.replayed(), "a retry with the key replays");
          assertEquals(r.id(), again.id());
          assertEquals(r.balance(), again.balance());
          assertEquals(r.pointsSpent(), again.pointsSpent(), "keeps the cost it was charged");
        }
      } else if (retry < 5) {
        int other = (slot + 1 + random.nextInt(t.participants - 1)) % t.participants;
        refusedOnly(() -> scope.catalog().redeem(t.ref(other), t.catalogRewardId, key), other,
            ErrorCode.CONFLICT);
      }
    }

    private void adjustStock() {
      long delta = random.nextInt(5) - 2;
      long units = delta >= 0 ? delta + 1 : delta;
      CatalogReward r = units > 0
          ? scope.catalog().adjustStock(t.catalogRewardId, units)
          : attempt(() -> scope.catalog().adjustStock(t.catalogRewardId, units), -1, ErrorCode.OUT_OF_STOCK);
      if (r != null) {
        assertTrue(r.stock() >= 0, "never below zero");
        s.stockAdded.addAndGet(units);
        s.count("ADJUST_STOCK:ok");
      }
    }

    /** A host changes the catalog reward's price (name and description as they are) while others redeem it. */
    private void price() {
      long price = t.prices[random.nextInt(t.prices.length)];
      long start = s.ticks.incrementAndGet();
      CatalogReward r = scope.catalog().update(t.catalogRewardId,
          new CatalogRewardUpdate("Tea tin", null, price));
      long end = s.ticks.incrementAndGet();
      assertEquals(price, r.pointsCost(), "the update's price");
      s.prices.add(new long[] {start, end, price});
      s.count("PRICE:ok");
    }

    private void action() {
      int slot = slot();
      String key = random.nextInt(10) < 4 ? ownKey() : null;
      LoyaltyAction action = LoyaltyAction.of(t.ref(slot), t.couponRewardId).withIdempotencyKey(key);
      ActionResult r = attempt(() -> scope.rewards().recordAction(action), slot);
      if (r == null) {
        return;
      }
      assertFalse(r.replayed(), "a new key replayed");
      assertEquals(t.ids.get(slot), r.participantId());
      assertNull(s.actions.put(r.actionId(), slot), "a new action");
      for (EarnedReward e : r.unlocked()) {
        assertEquals(EarnedRewardStatus.PENDING, e.status(), "MANUAL: waits for approval");
        assertEquals(t.ids.get(slot), e.participantId());
        assertNull(s.unlocked.put(e.id(), slot), "unlocked once");
        s.unlockedIds.add(e.id());
        s.toApprove.add(e.id());
      }
      s.count("ACTION:ok");
      if (key == null) {
        return;
      }
      int retry = random.nextInt(10);
      if (retry < 3) {
        ActionResult again = attempt(() -> scope.rewards().recordAction(action), slot);
        if (again != null) {
          assertTrue(again.replayed(), "a retry with the key replays");
          assertEquals(r.actionId(), again.actionId());
        }
      } else if (retry < 5) {
        refusedOnly(() -> scope.rewards().recordAction(action.withSource(ActionSource.MANUAL)), slot,
            ErrorCode.CONFLICT);
      }
    }

    private void approve() {
      Long id = s.toApprove.poll();
      if (id == null) {
        read();
        return;
      }
      int slot = s.unlocked.get(id);
      boolean fulfil = random.nextInt(10) < 3;
      try {
        EarnedReward r = scope.rewards().approve(id, fulfil);
        assertTrue(s.approved.add(id), "approved twice");
        assertEquals(fulfil ? EarnedRewardStatus.FULFILLED : EarnedRewardStatus.APPROVED, r.status());
        if (fulfil) {
          assertNotNull(r.couponCode(), "fulfilled with a code");
        } else {
          s.toFulfil.add(id);
        }
        if (random.nextInt(10) == 0) {
          s.toApprove.add(id); // approved again later: INVALID_TRANSITION
        }
        s.count("APPROVE:ok");
      } catch (LoyaltyException e) {
        refused(e, slot, ErrorCode.INVALID_TRANSITION);
        if (e.code() == ErrorCode.INVALID_TRANSITION && !s.approved.contains(id)) {
          // Not approved: refused for a fulfilment with no code free, or removed (a remover may not have recorded
          // it yet: checked after the threads). A plain approval is refused only for a removed reward.
          if (fulfil) {
            s.toApprove.add(id);
          } else {
            s.refusedApproval.add(id);
          }
        }
      }
    }

    /**
     * Removes a reward some action unlocked, picked at random (so that it races with the approvals of the same
     * rewards): only a PENDING one goes, any other is INVALID_TRANSITION.
     */
    private void remove() {
      // Half the time the newest reward waiting for approval (left there: an approval may take it meanwhile).
      Long newest = random.nextBoolean() ? s.toApprove.peekLast() : null;
      if (newest == null && s.unlockedIds.isEmpty()) {
        read();
        return;
      }
      long id = newest != null ? newest : s.unlockedIds.get(random.nextInt(s.unlockedIds.size()));
      int slot = s.unlocked.get(id);
      EarnedReward r = attempt(() -> scope.rewards().remove(id), slot, ErrorCode.INVALID_TRANSITION);
      if (r != null) {
        assertEquals(EarnedRewardStatus.REMOVED, r.status());
        assertNull(r.couponCode(), "removed with a code");
        assertTrue(s.removed.add(id), "removed twice");
        assertFalse(s.approved.contains(id), "removed after it was approved");
        s.count("REMOVE:ok");
      }
    }

    private void fulfil() {
      Long id = s.toFulfil.poll();
      if (id == null) {
        read();
        return;
      }
      try {
        EarnedReward r = scope.rewards().fulfil(id);
        assertEquals(EarnedRewardStatus.FULFILLED, r.status());
        assertNotNull(r.couponCode(), "fulfilled with a code");
        s.count("FULFIL:ok");
      } catch (LoyaltyException e) {
        // Refused while it waits for a code: try again later.
        refused(e, s.unlocked.get(id), ErrorCode.INVALID_TRANSITION);
        if (e.code() == ErrorCode.INVALID_TRANSITION) {
          s.toFulfil.add(id);
        }
      }
    }

    private void upload() {
      List<String> codes = new ArrayList<>();
      int n = 1 + random.nextInt(4);
      for (int i = 0; i < n; i++) {
        codes.add(t.codePrefix + random.nextInt(t.codes));
      }
      if (random.nextInt(5) == 0) {
        codes.add(codes.get(0));
      }
      CouponUpload r = attempt(() -> scope.coupons().upload(t.campaignId, codes), -1, ErrorCode.CONFLICT);
      if (r == null) {
        return;
      }
      assertEquals(new HashSet<>(codes).size(), r.added() + r.alreadyInPool().size(),
          "each distinct code added or already in the pool");
      assertTrue(r.assignedToWaiting() <= r.added());
      s.codesAdded.addAndGet(r.added());
      s.count("UPLOAD:ok");
    }

    private void patch() {
      int slot = slot();
      Long value = random.nextInt(6) == 0 ? null : (long) call;
      ParticipantUpdate update = ParticipantUpdate.builder().metadata("t" + thread, value).metadata("last", thread)
          .build();
      Participant p = attempt(() -> scope.participants().update(t.ref(slot), update), slot);
      if (p != null) {
        assertEquals(value, p.metadata().get("t" + thread), "the patch is in the participant it returned");
        s.metadata.put(slot + "/" + thread, Optional.ofNullable(value));
        s.count("PATCH:ok");
      }
    }

    private void read() {
      BoardMetric metric = random.nextBoolean() ? BoardMetric.POINTS : BoardMetric.ACTIONS;
      Consistency consistency = random.nextBoolean() ? Consistency.INDEX : Consistency.STRONG;
      List<BoardEntry> rows = board(scope, t.campaignId, BoardPeriod.ALL_TIME, metric, consistency);
      for (int i = 1; i < rows.size(); i++) {
        assertTrue(rows.get(i - 1).score() >= rows.get(i).score(), "in board order");
      }
      s.count("READ:ok");
    }

    /**
     * Names one tenant's participant (a deleted one half the time, once there is one), campaign, catalog reward or
     * earned reward through the other tenant's scope, either way round: NOT_FOUND, whether it reads or would change
     * something (nothing changes: checked after the threads).
     */
    private void probe() {
      boolean mineIsThis = random.nextBoolean();
      Tenant mine = mineIsThis ? t : o;
      Tenant theirs = mineIsThis ? o : t;
      TenantScope through = theirs.scopes.get(instance);
      List<Integer> deleted = List.copyOf(mine.s.deleted);
      int slot = !deleted.isEmpty() && random.nextBoolean() ? deleted.get(random.nextInt(deleted.size()))
          : random.nextInt(mine.participants);
      ParticipantRef a = mine.ref(slot);
      ParticipantRef b = theirs.ref(random.nextInt(theirs.participants));
      List<Long> unlocked = mine.s.unlockedIds;
      Long earned = unlocked.isEmpty() ? null : unlocked.get(random.nextInt(unlocked.size()));
      long catalog = mine.catalogRewardId;
      int which = random.nextInt(18);
      Supplier<?> call = switch (which) {
        case 0 -> () -> through.participants().get(a);
        case 1 -> () -> through.points().award(a, PointsChange.of(1, "probe"));
        case 2 -> () -> through.points().deduct(a, PointsChange.of(1, "probe"));
        case 3 -> () -> through.catalog().redeem(a, catalog, null);
        case 4 -> () -> through.catalog().redeem(b, catalog, null);
        case 5 -> () -> through.catalog().adjustStock(catalog, random.nextBoolean() ? 1 : -1);
        case 6 -> () -> through.catalog().update(catalog, new CatalogRewardUpdate("Probe", null, 1));
        case 7 -> () -> through.rewards().recordAction(LoyaltyAction.of(a, mine.couponRewardId));
        case 8 -> () -> through.rewards().recordAction(LoyaltyAction.of(b, mine.couponRewardId));
        case 9 -> () -> through.coupons().upload(mine.campaignId, List.of("PROBE-" + thread));
        case 10 -> () -> through.participants().update(a, ParticipantUpdate.builder().metadata("probe", 1).build());
        case 11 -> () -> board(through, mine.campaignId, BoardPeriod.ALL_TIME, BoardMetric.POINTS,
            Consistency.STRONG);
        case 12 -> earned == null ? () -> through.rewards().counts(a, mine.couponRewardId)
            : () -> through.rewards().approve(earned, random.nextBoolean());
        case 13 -> earned == null ? () -> through.coupons().remaining(mine.campaignId)
            : () -> through.rewards().remove(earned);
        case 14 -> earned == null ? () -> through.points().history(a, Keyset.first(10))
            : () -> through.rewards().fulfil(earned);
        case 15 -> () -> through.catalog().get(catalog);
        case 16 -> () -> {
          through.participants().delete(a);
          return "deleted";
        };
        default -> () -> through.catalog().redeem(a, theirs.catalogRewardId, null);
      };
      try {
        Object r = call.get();
        throw new AssertionError("probe " + which + " of tenant " + mine.name + "'s ids went through tenant "
            + theirs.name + "'s scope: " + r);
      } catch (LoyaltyException e) {
        assertEquals(ErrorCode.NOT_FOUND, e.code(), () -> "probe " + which + " of tenant " + mine.name
            + "'s ids through tenant " + theirs.name + "'s scope: " + e);
        mine.s.count("PROBE:NOT_FOUND");
      }
    }

    private void delete() {
      int slot = t.participants - 1 - random.nextInt(t.deletable);
      Object deleted = attempt(() -> {
        scope.participants().delete(t.ref(slot));
        return "deleted";
      }, slot);
      if (deleted != null) {
        assertTrue(s.deleted.add(slot), "deleted twice");
        s.count("DELETE:ok");
      }
    }

    /** The call's result, or null after a refusal {@code allowed} lists (or NOT_FOUND for a deletable slot). */
    private <T> T attempt(Supplier<T> call, int slot, ErrorCode... allowed) {
      try {
        return call.get();
      } catch (LoyaltyException e) {
        refused(e, slot, allowed);
        return null;
      }
    }

    /** Asserts that {@code call} is refused with {@code code} (or NOT_FOUND for a deletable slot). */
    private void refusedOnly(Supplier<?> call, int slot, ErrorCode code) {
      Object r = attempt(call, slot, code);
      assertNull(r, () -> "expected " + code + " but it went through: " + r);
    }

    /** Fails unless {@code e} is a refusal {@code allowed} lists, or NOT_FOUND for a deletable slot. */
    private void refused(LoyaltyException e, int slot, ErrorCode... allowed) {
      if (e.code() == ErrorCode.NOT_FOUND && slot >= 0 && t.deletable(slot)) {
        s.notFound.add(slot);
        s.count(kind + ":NOT_FOUND");
        return;
      }
      if (!Arrays.asList(allowed).contains(e.code())) {
        throw new AssertionError("refused with " + e.code() + ", not one this call documents (" + e + ")", e);
      }
      s.count(kind + ":" + e.code());
    }
  }

  // ==================================================================== the checks after a run

  /**
   * The invariants of the class description on one tenant, read through the API of the instances and the database:
   * the same checks for each tenant.
   */
  private final class Check {
    private final Tenant t;
    private final Shared s;
    private final TenantScope scope;
    private final Map<Long, Participant> live = new HashMap<>();
    /** The codes live participants' earned rewards hold, by earned reward. */
    private final Map<Long, String> heldCodes = new HashMap<>();
    /** Every live participant's ledger entries, by id. */
    private final Map<Long, LedgerEntry> entries = new HashMap<>();
    private boolean aRewardWaits;

    Check(Tenant t) {
      this.t = t;
      this.s = t.s;
      this.scope = t.scopes.get(t.scopes.size() - 1);
    }

    void all() throws Exception {
      try {
        participants();
        keys();
        catalog();
        prices();
        feed();
        coupons();
        boards();
      } catch (AssertionError e) {
        throw new AssertionError("tenant " + t.name + ": " + e.getMessage(), e);
      }
    }

    private void participants() {
      Set<String> keys = new HashSet<>();
      for (int slot = 0; slot < t.participants; slot++) {
        ParticipantRef ref = t.ref(slot);
        Participant p;
        try {
          p = scope.participants().get(ref);
        } catch (LoyaltyException e) {
          assertEquals(ErrorCode.NOT_FOUND, e.code(), e::toString);
          assertTrue(s.deleted.contains(slot), "slot " + slot + " is gone but was not deleted");
          continue;
        }
        assertFalse(s.deleted.contains(slot), "slot " + slot + " deleted but still there");
        assertFalse(s.notFound.contains(slot), "slot " + slot + " was NOT_FOUND but is there");
        live.put(p.id(), p);
        ledger(slot, p, keys);
        metadata(slot, p);
        rewards(slot, p);
      }
    }

    private void ledger(int slot, Participant p, Set<String> keys) {
      List<LedgerEntry> entries = new ArrayList<>(Pages.all(page -> scope.points().history(t.ref(slot), page)));
      entries.sort(Comparator.comparingLong(LedgerEntry::id));
      long sum = entries.stream().mapToLong(LedgerEntry::signedAmount).sum();
      long awarded = entries.stream().filter(e -> e.kind() == LedgerEntryKind.AWARD).mapToLong(LedgerEntry::amount)
          .sum();
      assertEquals(sum, p.pointsBalance(), "slot " + slot + ": balance == sum of the ledger");
      assertTrue(p.pointsBalance() >= 0, "slot " + slot + ": never negative");
      assertEquals(awarded, p.lifetimePoints(), "slot " + slot + ": lifetime == sum of the awards");
      // Only this tenant's own awards: none came through the other tenant's scope.
      assertEquals(INITIAL_POINTS + s.awarded.getOrDefault(slot, new LongAdder()).sum(), p.lifetimePoints(),
          "slot " + slot + ": lifetime == the awards answered");
      entries.forEach(e -> this.entries.put(e.id(), e));
      // Ids order one instance's entries exactly; the node number is bits 12..21 of the default generator's ids.
      Map<Long, List<LedgerEntry>> byNode = new TreeMap<>();
      for (LedgerEntry e : entries) {
        byNode.computeIfAbsent((e.id() >>> 12) & 1023, n -> new ArrayList<>()).add(e);
      }
      List<List<LedgerEntry>> runs = new ArrayList<>(byNode.values());
      assertTrue(chains(runs, new int[runs.size()], 0, new HashSet<>()),
          () -> "slot " + slot + ": the entries make no chain of balances: " + entries.stream()
              .map(e -> e.id() + "/" + ((e.id() >>> 12) & 1023) + ":" + e.signedAmount() + "=" + e.balanceAfter())
              .collect(Collectors.joining(", ")));
      Set<Long> ids = new HashSet<>();
      for (LedgerEntry e : entries) {
        ids.add(e.id());
        if (e.idempotencyKey() != null) {
          assertTrue(keys.add(e.idempotencyKey()), "key on two entries: " + e.idempotencyKey());
          Long answered = s.keyEntries.get(e.idempotencyKey());
          assertTrue(answered == null || answered == e.id(), "key " + e.idempotencyKey() + " answered with entry "
              + answered + " but is on " + e.id());
        }
      }
      s.keyEntries.forEach((key, entry) -> {
        if (s.keySlots.get(key) == slot) {
          assertTrue(ids.contains(entry), "slot " + slot + ": the entry of key " + key + " is in the ledger");
        }
      });
      for (Redemption r : s.redemptions.values()) {
        if (r.participantId() == p.id()) {
          assertTrue(ids.contains(r.ledgerEntryId()), "a redemption's entry is in the ledger");
        }
      }
    }

    private void metadata(int slot, Participant p) {
      s.metadata.forEach((at, value) -> {
        String[] parts = at.split("/");
        if (Integer.parseInt(parts[0]) == slot) {
          assertEquals(value.orElse(null), p.metadata().get("t" + parts[1]),
              "slot " + slot + ": the last value thread " + parts[1] + " set");
        }
      });
    }

    private void rewards(int slot, Participant p) {
      long recorded = s.actions.values().stream().filter(v -> v == slot).count();
      ActionCounts counts = scope.rewards().counts(t.ref(slot), t.couponRewardId);
      assertEquals(recorded, counts.allTime(), "slot " + slot + ": one count per action recorded");
      assertEquals(recorded, counts.rewardAllTime(), "slot " + slot + ": toward the coupon");
      assertEquals(recorded, scope.rewards().summary(t.ref(slot)).actionsAllTime());
      List<EarnedReward> earned = Pages.all(page -> scope.rewards().earned(t.ref(slot), page));
      Set<Long> expected = s.unlocked.entrySet().stream().filter(e -> e.getValue() == slot).map(Map.Entry::getKey)
          .collect(Collectors.toSet());
      assertEquals(expected, earned.stream().map(EarnedReward::id).collect(Collectors.toSet()),
          "slot " + slot + ": the rewards its actions unlocked");
      assertEquals(recorded / t.actionsPerCoupon, earned.size(), "slot " + slot + ": one per "
          + t.actionsPerCoupon + " actions");
      assertEquals(earned.size(), earned.stream().map(EarnedReward::cycle).distinct().count(), "distinct cycles");
      for (EarnedReward e : earned) {
        assertFalse(s.approved.contains(e.id()) && s.removed.contains(e.id()), () -> "approved and removed: " + e);
        assertEquals(s.approved.contains(e.id()), e.status() == EarnedRewardStatus.APPROVED
            || e.status() == EarnedRewardStatus.FULFILLED, () -> "approved exactly when a call approved it: " + e);
        assertEquals(s.removed.contains(e.id()), e.status() == EarnedRewardStatus.REMOVED,
            () -> "removed exactly when a call removed it: " + e);
        if (s.refusedApproval.contains(e.id())) {
          assertEquals(EarnedRewardStatus.REMOVED, e.status(), () -> "refused a plain approval: " + e);
        }
        if (e.status() == EarnedRewardStatus.REMOVED) {
          assertNull(e.couponCode(), () -> "a removed reward holds a code: " + e);
        } else if (e.couponCode() != null) {
          heldCodes.put(e.id(), e.couponCode());
        } else if (e.status() != EarnedRewardStatus.PENDING) {
          assertEquals(EarnedRewardStatus.APPROVED, e.status(), "fulfilled without a code");
          assertNotNull(e.waitingReason(), "waiting with a reason");
          aRewardWaits = true;
        }
      }
    }

    private void keys() {
      s.keySlots.forEach((key, slot) -> {
        if (s.deleted.contains(slot)) {
          return;
        }
        assertTrue(live.containsKey(t.ids.get(slot)), "the key's participant is there");
      });
    }

    private void catalog() throws Exception {
      long stock = scope.catalog().get(t.catalogRewardId).stock();
      assertTrue(stock >= 0, "stock never below zero: " + stock);
      assertEquals(INITIAL_STOCK + s.stockAdded.get(), stock + s.redemptions.size(),
          "initial + accepted adjustments == stock + redemptions");
      assertEquals(s.redemptions.size(), fixture.count("SELECT COUNT(*) FROM redemption WHERE tenant_id = ?",
          t.tenantId), "one redemption row per redemption answered");
    }

    /**
     * Each redemption was charged, in its ledger entry too, a price in force at some moment of its call (the one its
     * unit was taken at, per the catalog's javadoc): the price of a change that overlapped the call, or of one that
     * ended before it began with no other change wholly between the two (the creation's price counts as a change
     * before every call). And the stored price is the last change's by the same rule. Which of those prices a
     * redemption paid is not known here, so a redemption charged the price a plain read found before its stock update
     * waited for the row lock passes: {@code CatalogStockRaceTestBase
     * .aRedemptionWaitingForAnUncommittedPriceChangeIsChargedTheNewPrice} fails then.
     */
    private void prices() {
      List<long[]> changes = List.copyOf(s.prices);
      for (Redemption r : s.redemptions.values()) {
        long[] during = s.redeemedDuring.get(r.id());
        Set<Long> inForce = inForce(changes, during[0], during[1]);
        assertTrue(inForce.contains(r.pointsSpent()), () -> "redemption " + r + " charged " + r.pointsSpent()
            + ", not one of the prices in force during its call: " + inForce);
        LedgerEntry entry = entries.get(r.ledgerEntryId());
        if (entry != null) {
          assertEquals(LedgerEntryKind.DEDUCT, entry.kind());
          assertEquals(r.pointsSpent(), entry.amount(), () -> "the ledger entry of " + r + " deducted its cost");
        } else {
          assertFalse(live.containsKey(r.participantId()), "a live participant's redemption without its entry");
        }
      }
      long last = s.ticks.incrementAndGet();
      long stored = scope.catalog().get(t.catalogRewardId).pointsCost();
      assertTrue(inForce(changes, last, last).contains(stored), () -> "stored price " + stored
          + " is no change's that could have been the last");
    }

    /** The prices of the changes that could be in force at some moment from tick {@code start} to {@code end}. */
    private Set<Long> inForce(List<long[]> changes, long start, long end) {
      Set<Long> prices = new HashSet<>();
      for (long[] c : changes) {
        boolean overlaps = c[0] < end && c[1] > start;
        boolean maybeLastBefore = c[1] < start
            && changes.stream().noneMatch(d -> d[0] > c[1] && d[1] < start);
        if (overlaps || maybeLastBefore) {
          prices.add(c[2]);
        }
      }
      return prices;
    }

    private void coupons() throws SQLException {
      List<AssignedCoupon> assigned = Pages.all(page -> scope.coupons().assigned(t.campaignId, page));
      assertEquals(assigned.size(), assigned.stream().map(AssignedCoupon::code).distinct().count(),
          "a code assigned once");
      assertEquals(assigned.size(), assigned.stream().map(AssignedCoupon::earnedRewardId).distinct().count(),
          "one code per reward");
      long remaining = scope.coupons().remaining(t.campaignId);
      assertEquals(s.codesAdded.get(), remaining + assigned.size(), "the pool holds every code added");
      Map<Long, String> liveAssigned = new HashMap<>();
      for (AssignedCoupon c : assigned) {
        if (live.containsKey(c.participantId())) {
          liveAssigned.put(c.earnedRewardId(), c.code());
        } else {
          assertTrue(s.deleted.stream().anyMatch(slot -> t.ids.get(slot) == c.participantId()),
              "a code of a participant that is neither there nor deleted");
        }
      }
      assertEquals(liveAssigned, heldCodes, "live participants' rewards hold exactly their assigned codes");
      assertTrue(!aRewardWaits || remaining == 0, "a reward waits while the pool has " + remaining + " free");
      // Uploads from several instances while codes go out: the pool crosses its threshold any number of times, and
      // ids do not follow the order of uploads across instances, so only bounds: at most one event per assigned
      // code; those saying the threshold remains only for codes with at least the threshold of codes after them now
      // (codes are never taken out); those saying fewer are a pool's first code's, and which code was first when it
      // was taken is not known afterwards (a later upload of an instance numbered lower can come before it).
      List<String> pool = poolInOrder(t.tenantId);
      Set<String> assignedCodes = assigned.stream().map(AssignedCoupon::code).collect(Collectors.toSet());
      long couldReachThreshold = pool.subList(0, Math.max(0, pool.size() - t.lowStock)).stream()
          .filter(assignedCodes::contains).count();
      List<LoyaltyEvent> low = poolLowEvents(scope, t.campaignId, t.lowStock);
      long atThreshold = low.stream().filter(e -> JsonValues.object(e.payload()).get("remaining")
          .equals((long) t.lowStock)).count();
      System.out.println("  pool " + t.name + ": " + assigned.size() + " of " + pool.size() + " out, pool_low "
          + low.size() + " (" + atThreshold + " at the threshold)");
      assertTrue(low.size() <= assignedCodes.size(), "pool_low " + low.size() + " times, for " + assignedCodes.size()
          + " codes assigned");
      assertTrue(atThreshold <= couldReachThreshold, "pool_low at the threshold " + atThreshold + " times, for "
          + couldReachThreshold + " codes that could have reached it");
    }

    /**
     * The campaign's {@code coupon.pool_low} events in the tenant's feed, checked to name it and its threshold, with
     * the threshold of codes remaining, or fewer for a pool's first code's, when fewer codes followed it as it was
     * taken.
     */
    private List<LoyaltyEvent> poolLowEvents(TenantScope in, long campaign, int threshold) {
      List<LoyaltyEvent> low = feedOf(in).stream().filter(e -> e.type() == EventType.COUPON_POOL_LOW).toList();
      for (LoyaltyEvent e : low) {
        assertNull(e.participantId(), "about the campaign, not a participant");
        Map<String, Object> payload = JsonValues.object(e.payload());
        assertEquals(List.of("campaignId", "remaining", "threshold"), List.copyOf(payload.keySet()), "pool_low fields");
        assertEquals(Long.toString(campaign), payload.get("campaignId"), "pool_low campaign");
        assertEquals((long) threshold, payload.get("threshold"), "pool_low threshold");
        long remaining = (Long) payload.get("remaining");
        assertTrue(remaining >= 0 && remaining <= threshold, "pool_low remaining " + remaining);
      }
      return low;
    }

    /** The codes of a tenant's pool (one campaign), in the order assignments take them. */
    private List<String> poolInOrder(long tenantId) throws SQLException {
      List<String> codes = new ArrayList<>();
      try (Connection c = fixture.connect();
          PreparedStatement q = c.prepareStatement(
              "SELECT code FROM coupon_code WHERE tenant_id = ? ORDER BY coupon_id")) {
        q.setLong(1, tenantId);
        try (ResultSet rs = q.executeQuery()) {
          while (rs.next()) {
            codes.add(rs.getString(1));
          }
        }
      }
      return codes;
    }

    /** Once every instance dispatched what was left ({@link #dispatchEverything}). */
    private void feed() throws Exception {
      assertEquals(0, fixture.count("SELECT COUNT(*) FROM event_outbox WHERE tenant_id = ? AND position = 0",
          t.tenantId), "every event positioned");
      List<LoyaltyEvent> events = feedOf(scope);
      for (LoyaltyEvent e : events) {
        assertTrue(e.participantId() == null || t.ids.contains(e.participantId()),
            () -> "an event of another tenant's participant: " + e.type());
      }
      for (int i = 1; i < events.size(); i++) {
        assertTrue(events.get(i - 1).position() < events.get(i).position(), "positions unique and increasing");
      }
      assertEquals(fixture.count("SELECT COUNT(*) FROM event_outbox WHERE tenant_id = ?", t.tenantId),
          events.size(), "the feed holds every event");
      assertEquals(events.size(), events.stream().map(LoyaltyEvent::id).distinct().count(), "each event once");
      for (long id : live.keySet()) {
        List<Long> sequences = events.stream().filter(e -> Long.valueOf(id).equals(e.participantId()))
            .map(LoyaltyEvent::sequence).sorted().toList();
        for (int i = 0; i < sequences.size(); i++) {
          assertEquals(i + 1, sequences.get(i), "a participant's events numbered 1..n");
        }
      }
    }

    private void boards() {
      Map<BoardMetric, List<BoardEntry>> expected = new HashMap<>();
      for (BoardMetric metric : BoardMetric.values()) {
        List<long[]> rows = new ArrayList<>();
        for (Participant p : live.values()) {
          long score = metric == BoardMetric.POINTS ? p.lifetimePoints()
              : scope.rewards().summary(ParticipantRef.id(p.id())).actionsAllTime();
          rows.add(new long[] {p.id(), score});
        }
        expected.put(metric, Board.ranked(rows));
      }
      for (BoardMetric metric : BoardMetric.values()) {
        for (BoardPeriod period : List.of(BoardPeriod.ALL_TIME, BoardPeriod.CURRENT_MONTH)) {
          assertEquals(expected.get(metric), board(scope, t.campaignId, period, metric, Consistency.STRONG),
              "STRONG " + metric + " " + period);
        }
      }
      // Every write committed one refresh interval before an INDEX read is in it (the same moment for each tenant).
      clock.set(runStart.plus(LeaderboardSettings.DEFAULTS.refreshInterval()));
      for (int i = 0; i < t.scopes.size(); i++) {
        for (BoardMetric metric : BoardMetric.values()) {
          assertEquals(expected.get(metric), board(t.scopes.get(i), t.campaignId, BoardPeriod.ALL_TIME, metric,
              Consistency.INDEX), "INDEX " + metric + " on instance " + i);
        }
      }
    }
  }

  /** Every positioned event of a scope's tenant, in feed order. */
  private static List<LoyaltyEvent> feedOf(TenantScope scope) {
    List<LoyaltyEvent> events = new ArrayList<>();
    long cursor = 0;
    while (true) {
      FeedPage page = scope.changeFeed().read(cursor, null, 100);
      if (page.events().isEmpty()) {
        return events;
      }
      events.addAll(page.events());
      cursor = page.nextPosition();
    }
  }

  /**
   * Whether the entries of {@code runs} from {@code at} on, each run in its order, interleave into a chain of
   * balances from {@code balance}: each entry's balanceAfter the one before plus its signed amount, never negative.
   * A depth-first search over the positions reached, remembering those that lead nowhere.
   */
  private static boolean chains(List<List<LedgerEntry>> runs, int[] at, long balance, Set<List<Integer>> dead) {
    boolean done = true;
    for (int r = 0; r < runs.size(); r++) {
      if (at[r] == runs.get(r).size()) {
        continue;
      }
      done = false;
      LedgerEntry e = runs.get(r).get(at[r]);
      if (e.balanceAfter() >= 0 && e.balanceAfter() == balance + e.signedAmount()) {
        at[r]++;
        List<Integer> reached = Arrays.stream(at).boxed().toList();
        boolean found = !dead.contains(reached) && chains(runs, at, e.balanceAfter(), dead);
        at[r]--;
        if (found) {
          return true;
        }
      }
    }
    if (!done) {
      dead.add(Arrays.stream(at).boxed().toList());
    }
    return done;
  }

  /** A whole board, page by page. */
  private static List<BoardEntry> board(TenantScope scope, long campaignId, BoardPeriod period, BoardMetric metric,
      Consistency consistency) {
    List<BoardEntry> rows = new ArrayList<>();
    Long next = null;
    do {
      CursorPage<BoardEntry> page = scope.leaderboards().page(BoardRequest.of(campaignId, period).by(metric)
          .read(consistency).limit(100).after(next));
      rows.addAll(page.items());
      next = page.hasMore() ? page.nextId() : null;
    } while (next != null);
    return rows;
  }
}
