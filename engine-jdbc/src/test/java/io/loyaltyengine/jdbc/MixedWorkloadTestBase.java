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
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every feature at once, on a few participants, from many threads of one or several engine instances sharing one
 * database, one backend per subclass: seeded, so that a failing run replays its threads' operations
 * ({@code -Dloyalty.seed=<seed>}; not how the threads interleave).
 *
 * <p>Each seed gets a tenant of its own with one campaign (MANUAL approval), six participants (the last two may be
 * deleted), a catalog reward of small stock and a COUPON reward unlocked every {@value #ACTIONS_PER_COUPON} actions
 * without limit. Every thread runs seeded operations on those participants, so that they collide: awards (without a
 * key, with a key of its own, or with a key shared by every thread for the same change) and deductions, plain and
 * capped at the balance, some retried with their key and the same change (a replay of the first result) or another
 * one (CONFLICT); redemptions, some retried, some with another participant (CONFLICT); stock added and removed;
 * loyalty actions, some retried; approvals (some with fulfilment) and fulfilments of the rewards other threads'
 * actions unlocked, some approved twice, and removals racing with them; price changes of the catalog reward;
 * coupon uploads of a few codes out of a small set (duplicates within and across uploads); metadata patches; event
 * dispatch rounds; leaderboard reads; and, late in the run, deletions. Interleaved with them: a second tenant's
 * awards, actions and approvals on its own campaign (two participants with the same emails, a COUPON reward per
 * action and a pool of {@value #OTHER_CODES} codes uploaded before the threads, threshold {@value #OTHER_LOW_STOCK}),
 * and probes that name one tenant's participants, catalog reward, campaign or earned rewards through the other's
 * scope, every one of which must be NOT_FOUND.
 *
 * <p>Each call must end with a result, or a {@link LoyaltyException} whose code that operation documents for what
 * it was asked (NOT_FOUND only for a participant that may be deleted, and then it must be deleted at the end): any
 * other code (STORAGE_UNAVAILABLE from a deadlock, say) or any other exception fails the seed.
 *
 * <h2>Checked after the threads end</h2>
 * <ul>
 *   <li>every live participant's balance is the sum of its ledger and not negative, its lifetime points the sum of
 *       its awards; its entries, each instance's in id order (the order ids promise on one instance), interleave
 *       into one chain from 0 whose every {@code balanceAfter} is the one before plus the entry's signed amount and
 *       never negative;</li>
 *   <li>an idempotency key is on at most one entry, the one every call with it was answered with; each redemption
 *       of a live participant has its ledger entry;</li>
 *   <li>each live participant's lifetime points are its initial points plus the awards answered (nothing came
 *       through the other tenant's scope);</li>
 *   <li>the catalog reward's stock is not negative, and initial stock + accepted adjustments == stock + redemptions
 *       (as the calls returned them, and as stored); each redemption was charged, in its ledger entry too, a price in
 *       force at some moment of its call, as far as the calls' order tells (a change overlapping it, or one that
 *       ended before it with no change wholly between), and the stored price is one a last change could have set;
 *       </li>
 *   <li>a reward is REMOVED exactly when a removal answered, APPROVED or FULFILLED exactly when an approval did, never
 *       both; a removed one holds no code, and a plain approval was refused only for a removed one;</li>
 *   <li>{@code coupon.pool_low} events name the campaign and its threshold; at most as many as the assigned codes
 *       followed by at least the threshold of codes (uploads from several instances interleave, so no more is known);
 *       on the other tenant's pool, only drawn from, exactly one if the code the threshold follows went out, else
 *       none;</li>
 *   <li>the other tenant's participants hold exactly its own awards and actions (no metadata), its rewards are the
 *       ones its actions unlocked, its campaign's boards rank only them, and its feed holds only its events;</li>
 *   <li>its action counts are the actions recorded for it; its earned rewards are the ones its actions unlocked, one
 *       per {@value #ACTIONS_PER_COUPON} actions; a code went to at most one reward, the codes live participants'
 *       rewards hold are exactly the assigned codes of live participants (the others' are of deleted ones); the pool
 *       holds every code the uploads added; no approved reward waits for a code while the pool has a free one;</li>
 *   <li>its metadata holds, for each thread, the last value that thread set (merges lose no concurrent key);</li>
 *   <li>once every instance dispatched what is left, every event is positioned, the change feed's positions are
 *       unique and increasing, and each live participant's events are numbered 1..n;</li>
 *   <li>the all-time and this month's boards of both metrics read at STRONG, and on every instance at INDEX after
 *       the clock moved by the refresh interval (the staleness bound), equal the ranking of the live participants'
 *       lifetime points and actions.</li>
 * </ul>
 *
 * <p>The clock stands still during a run (so that no index catches up mid-run and the months stay put) and moves
 * after it.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class MixedWorkloadTestBase extends HostTransactionTestBase {
  private static final int PARTICIPANTS = 6;
  /** The last slots may be deleted. */
  private static final int DELETABLE = 2;
  private static final int OPERATIONS_PER_THREAD = 60;
  private static final long INITIAL_POINTS = 100;
  private static final long INITIAL_STOCK = 4;
  private static final long COST = 25;
  private static final int ACTIONS_PER_COUPON = 3;
  private static final int SHARED_KEYS = 3;
  private static final int CODES = 36;
  /** The campaign's coupon low-stock threshold. */
  private static final int LOW_STOCK = 2;
  /** The prices a host sets on the catalog reward (the first is the one it is created with). */
  private static final long[] PRICES = {COST, 10, 40, 55};
  /** The other tenant's participants, and its pool: uploaded once, before the threads, then only drawn from. */
  private static final int OTHER_PARTICIPANTS = 2;
  private static final int OTHER_CODES = 14;
  private static final int OTHER_LOW_STOCK = 3;
  private static final Instant START = Instant.parse("2025-03-12T10:00:00Z");

  private SettableClock clock;
  private final List<LoyaltyEngine> nodes = new ArrayList<>();

  /** How many engine instances share the database. */
  abstract int instances();

  /** How many threads call each instance. */
  abstract int threadsPerInstance();

  /** The seeds run unless {@code -Dloyalty.seed} names one: regression seeds first, then a new one per run. */
  abstract long[] seeds();

  /**
   * Seeded threads mixing points, redemptions, stock, actions, approvals, coupon uploads, metadata, dispatch and
   * deletions on a few participants end with every invariant of the class description holding, each call having
   * answered with a result or a refusal its operation documents.
   */
  @Test
  void seededThreadsMixingEveryFeatureOnAFewParticipantsKeepEveryInvariant() {
    clock = SettableClock.at(START);
    for (int i = 0; i < instances(); i++) {
      // The second instance combines nothing, the others use the default group commit.
      nodes.add(engines.build(engines.builder(fixture.openStorage(), i == 1 ? 1 : 0).clock(clock)));
    }
    Seeded.runEach(this, instances() + " instances x " + threadsPerInstance() + " threads", seeds(), this::run);
  }

  private void run(long seed) throws Exception {
    World w = new World(seed);
    Shared s = new Shared();
    int threads = instances() * threadsPerInstance();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> running = new ArrayList<>();
    try {
      CyclicBarrier start = new CyclicBarrier(threads);
      for (int t = 0; t < threads; t++) {
        Worker worker = new Worker(w, s, t, seed);
        running.add(pool.submit(() -> {
          start.await();
          worker.run();
          return null;
        }));
      }
      AssertionError failure = Seeded.firstFailure(running);
      if (failure != null) {
        throw failure;
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.println("  " + s.tally());
    new Check(w, s).all();
  }

  // ==================================================================== the world of a seed

  /** A seed's tenant, campaign, rewards and participants, and each instance's scope on the tenant. */
  private final class World {
    final long tenantId;
    final long campaignId;
    final long couponRewardId;
    final long catalogRewardId;
    final List<Long> ids = new ArrayList<>();
    final List<TenantScope> scopes = new ArrayList<>();
    /** The other tenant, its one campaign, COUPON reward (one per action, MANUAL) and participants. */
    final long otherTenantId;
    final long otherCampaignId;
    final long otherCouponRewardId;
    final List<Long> otherIds = new ArrayList<>();
    final List<TenantScope> otherScopes = new ArrayList<>();

    World(long seed) {
      LoyaltyEngine first = nodes.get(0);
      tenantId = first.tenants().create(NewTenant.business("Mixed " + seed)).id();
      nodes.forEach(node -> scopes.add(node.forTenant(tenantId)));
      TenantScope scope = scopes.get(0);
      long brand = scope.brands().create(new NewBrand("Shop", "shop.example.com")).id();
      campaignId = scope.campaigns().create(NewCampaign.running(brand, "Mixed")).id();
      scope.rewards().configure(campaignId, Automation.MANUAL, LOW_STOCK);
      couponRewardId = scope.rewards().define(campaignId,
          NewCampaignReward.coupon("Coupon", ACTIONS_PER_COUPON).unlimited()).id();
      catalogRewardId = scope.catalog().create(NewCatalogReward.of(campaignId, "Tea tin", COST,
          RewardType.CUSTOM_MESSAGE).withStock(INITIAL_STOCK)).id();
      for (int i = 0; i < PARTICIPANTS; i++) {
        long id = scope.participants().create(campaignId, NewParticipant.withEmail("p" + i + "@example.com")).id();
        ids.add(id);
        scope.points().award(ParticipantRef.id(id), PointsChange.of(INITIAL_POINTS, "welcome"));
      }
      otherTenantId = first.tenants().create(NewTenant.business("Other " + seed)).id();
      nodes.forEach(node -> otherScopes.add(node.forTenant(otherTenantId)));
      TenantScope other = otherScopes.get(0);
      long otherBrand = other.brands().create(new NewBrand("Other shop", "other.example.com")).id();
      otherCampaignId = other.campaigns().create(NewCampaign.running(otherBrand, "Other")).id();
      other.rewards().configure(otherCampaignId, Automation.MANUAL, OTHER_LOW_STOCK);
      otherCouponRewardId = other.rewards().define(otherCampaignId,
          NewCampaignReward.coupon("Other coupon", 1).unlimited()).id();
      for (int i = 0; i < OTHER_PARTICIPANTS; i++) {
        otherIds.add(other.participants().create(otherCampaignId, NewParticipant.withEmail("p" + i + "@example.com"))
            .id());
      }
      List<String> otherCodes = new ArrayList<>();
      for (int i = 0; i < OTHER_CODES; i++) {
        otherCodes.add("OTHER-" + i);
      }
      other.coupons().upload(otherCampaignId, otherCodes);
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

    ParticipantRef otherRef(int slot) {
      return ParticipantRef.id(otherIds.get(slot));
    }
  }

  /** Whether the participant of {@code slot} may be deleted (and so may be NOT_FOUND). */
  private static boolean deletable(int slot) {
    return slot >= PARTICIPANTS - DELETABLE;
  }

  /** What the threads of a seed did, for the checks after them. */
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
    final Queue<long[]> prices = new ConcurrentLinkedQueue<>(List.<long[]>of(new long[] {-1, -1, COST}));
    /** Each redemption's {start tick, end tick}. */
    final Map<Long, long[]> redeemedDuring = new ConcurrentHashMap<>();
    /** The other tenant's rewards as this tenant's above, and the points its awards added per slot. */
    final ConcurrentLinkedDeque<Long> otherToApprove = new ConcurrentLinkedDeque<>();
    final Set<Long> otherApproved = ConcurrentHashMap.newKeySet();
    final Map<Long, Integer> otherUnlocked = new ConcurrentHashMap<>();
    final Map<Long, Integer> otherActions = new ConcurrentHashMap<>();
    final Map<Integer, LongAdder> otherAwarded = new ConcurrentHashMap<>();
    /** Every action recorded (not replayed), and its slot. */
    final Map<Long, Integer> actions = new ConcurrentHashMap<>();
    /** Every redemption made (not replayed). */
    final Map<Long, Redemption> redemptions = new ConcurrentHashMap<>();
    /** The ledger entry every answer with an idempotency key named, and the key's slot. */
    final Map<String, Long> keyEntries = new ConcurrentHashMap<>();
    final Map<String, Integer> keySlots = new ConcurrentHashMap<>();
    final AtomicLong stockAdded = new AtomicLong();
    final AtomicLong codesAdded = new AtomicLong();
    /** The last metadata value each thread set on each slot ({@code slot/thread}), empty for a removal. */
    final Map<String, Optional<Long>> metadata = new ConcurrentHashMap<>();
    final Set<Integer> deleted = ConcurrentHashMap.newKeySet();
    final Set<Integer> notFound = ConcurrentHashMap.newKeySet();
    final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();

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

  /** What one call does. */
  private enum Kind {
    AWARD(18), DEDUCT(12), DEDUCT_UP_TO(4), REDEEM(12), ADJUST_STOCK(6), PRICE(4), ACTION(16), APPROVE(10),
    REMOVE(4), FULFIL(4), UPLOAD(5), PATCH(7), DISPATCH(3), READ(3), OTHER_AWARD(3), OTHER_ACTION(4),
    OTHER_APPROVE(4), PROBE(5), DELETE(0);

    final int weight;

    Kind(int weight) {
      this.weight = weight;
    }
  }

  /** One thread's seeded calls on its instance. Confined to its thread. */
  private final class Worker {
    private final World w;
    private final Shared s;
    private final int thread;
    private final LoyaltyEngine node;
    private final TenantScope scope;
    /** The other tenant's scope on the same instance. */
    private final TenantScope other;
    private final RandomGenerator random;
    private int call;
    private Kind kind;

    Worker(World w, Shared s, int thread, long seed) {
      this.w = w;
      this.s = s;
      this.thread = thread;
      this.node = nodes.get(thread % nodes.size());
      this.scope = w.scopes.get(thread % nodes.size());
      this.other = w.otherScopes.get(thread % nodes.size());
      this.random = Gen.random(seed * 1_000_003L + thread);
    }

    void run() {
      int total = Arrays.stream(Kind.values()).mapToInt(k -> k.weight).sum();
      for (call = 0; call < OPERATIONS_PER_THREAD; call++) {
        // Deletions only in the last third, so that the deletable participants collide with the others first.
        boolean late = call >= OPERATIONS_PER_THREAD * 2 / 3;
        int pick = random.nextInt(total + (late ? 2 : 0));
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
          throw new AssertionError("thread " + thread + " (instance " + thread % nodes.size() + ") call " + call
              + " " + kind + ": " + e, e);
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
        case OTHER_AWARD -> otherAward();
        case OTHER_ACTION -> otherAction();
        case OTHER_APPROVE -> otherApprove();
        case PROBE -> probe();
        case DELETE -> delete();
        default -> throw new IllegalStateException(kind.toString());
      }
    }

    private int slot() {
      return random.nextInt(PARTICIPANTS);
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
      PointsResult r = attempt(() -> scope.points().award(w.ref(slot), asked), slot);
      if (r == null) {
        return;
      }
      checkEntry(r, asked, slot, LedgerEntryKind.AWARD);
      if (!r.replayed()) {
        s.awarded.computeIfAbsent(slot, k -> new LongAdder()).add(asked.amount());
      }
      if (asked.idempotencyKey() != null) {
        retry(r, slot, () -> scope.points().award(w.ref(slot), asked),
            () -> scope.points().award(w.ref(slot), new PointsChange(asked.amount() + 1, asked.type(), null,
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
      PointsResult r = attempt(() -> scope.points().deduct(w.ref(slot), asked), slot, ErrorCode.INSUFFICIENT_POINTS);
      if (r == null) {
        return;
      }
      checkEntry(r, asked, slot, LedgerEntryKind.DEDUCT);
      if (asked.idempotencyKey() != null) {
        // A capped deduction with a plain one's key is a CONFLICT whatever the amounts.
        retry(r, slot, () -> scope.points().deduct(w.ref(slot), asked),
            () -> scope.points().deductUpToBalance(w.ref(slot), asked));
      }
    }

    private void deductUpToBalance() {
      int slot = slot();
      PointsChange change = PointsChange.of(1 + random.nextInt(80), "refund").withIdempotencyKey(ownKey());
      PointsResult r = attempt(() -> scope.points().deductUpToBalance(w.ref(slot), change), slot);
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
      retry(r, slot, () -> scope.points().deductUpToBalance(w.ref(slot), change),
          () -> scope.points().deduct(w.ref(slot), change));
    }

    /** Checks a new or replayed entry against the change asked for. */
    private void checkEntry(PointsResult r, PointsChange asked, int slot, LedgerEntryKind kind) {
      LedgerEntry e = r.entry();
      assertEquals(kind, e.kind());
      assertEquals(asked.amount(), e.amount());
      assertEquals(asked.idempotencyKey(), e.idempotencyKey());
      assertEquals(w.ids.get(slot), e.participantId());
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
      Redemption r = attempt(() -> scope.catalog().redeem(w.ref(slot), w.catalogRewardId, key), slot,
          ErrorCode.INSUFFICIENT_POINTS, ErrorCode.OUT_OF_STOCK);
      long end = s.ticks.incrementAndGet();
      if (r == null) {
        return;
      }
      assertFalse(r.replayed(), "a new key replayed");
      assertTrue(Arrays.stream(PRICES).anyMatch(p -> p == r.pointsSpent()), "charged a price set: " + r);
      assertTrue(r.balance() >= 0, "never negative");
      assertEquals(w.ids.get(slot), r.participantId());
      assertNull(s.redemptions.put(r.id(), r), "a new redemption");
      s.redeemedDuring.put(r.id(), new long[] {start, end});
      s.count("REDEEM:ok");
      if (key == null) {
        return;
      }
      int retry = random.nextInt(10);
      if (retry < 3) {
        // Once deleted, the participant is NOT_FOUND; else the first redemption comes back.
        Redemption again = attempt(() -> scope.catalog().redeem(w.ref(slot), w.catalogRewardId, key), slot);
        if (again != null) {
          assertTrue(again.replayed(), "a retry with the key replays");
          assertEquals(r.id(), again.id());
          assertEquals(r.balance(), again.balance());
          assertEquals(r.pointsSpent(), again.pointsSpent(), "keeps the cost it was charged");
        }
      } else if (retry < 5) {
        int other = (slot + 1 + random.nextInt(PARTICIPANTS - 1)) % PARTICIPANTS;
        refusedOnly(() -> scope.catalog().redeem(w.ref(other), w.catalogRewardId, key), other,
            ErrorCode.CONFLICT);
      }
    }

    private void adjustStock() {
      long delta = random.nextInt(5) - 2;
      long units = delta >= 0 ? delta + 1 : delta;
      CatalogReward r = units > 0
          ? scope.catalog().adjustStock(w.catalogRewardId, units)
          : attempt(() -> scope.catalog().adjustStock(w.catalogRewardId, units), -1, ErrorCode.OUT_OF_STOCK);
      if (r != null) {
        assertTrue(r.stock() >= 0, "never below zero");
        s.stockAdded.addAndGet(units);
        s.count("ADJUST_STOCK:ok");
      }
    }

    /** A host changes the catalog reward's price (name and description as they are) while others redeem it. */
    private void price() {
      long price = PRICES[random.nextInt(PRICES.length)];
      long start = s.ticks.incrementAndGet();
      CatalogReward r = scope.catalog().update(w.catalogRewardId,
          new CatalogRewardUpdate("Tea tin", null, price));
      long end = s.ticks.incrementAndGet();
      assertEquals(price, r.pointsCost(), "the update's price");
      s.prices.add(new long[] {start, end, price});
      s.count("PRICE:ok");
    }

    private void action() {
      int slot = slot();
      String key = random.nextInt(10) < 4 ? ownKey() : null;
      LoyaltyAction action = LoyaltyAction.of(w.ref(slot), w.couponRewardId).withIdempotencyKey(key);
      ActionResult r = attempt(() -> scope.rewards().recordAction(action), slot);
      if (r == null) {
        return;
      }
      assertFalse(r.replayed(), "a new key replayed");
      assertEquals(w.ids.get(slot), r.participantId());
      assertNull(s.actions.put(r.actionId(), slot), "a new action");
      for (EarnedReward e : r.unlocked()) {
        assertEquals(EarnedRewardStatus.PENDING, e.status(), "MANUAL: waits for approval");
        assertEquals(w.ids.get(slot), e.participantId());
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
        codes.add("CODE-" + random.nextInt(CODES));
      }
      if (random.nextInt(5) == 0) {
        codes.add(codes.get(0));
      }
      CouponUpload r = attempt(() -> scope.coupons().upload(w.campaignId, codes), -1, ErrorCode.CONFLICT);
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
      Participant p = attempt(() -> scope.participants().update(w.ref(slot), update), slot);
      if (p != null) {
        assertEquals(value, p.metadata().get("t" + thread), "the patch is in the participant it returned");
        s.metadata.put(slot + "/" + thread, Optional.ofNullable(value));
        s.count("PATCH:ok");
      }
    }

    private void read() {
      BoardMetric metric = random.nextBoolean() ? BoardMetric.POINTS : BoardMetric.ACTIONS;
      Consistency consistency = random.nextBoolean() ? Consistency.INDEX : Consistency.STRONG;
      List<BoardEntry> rows = board(scope, w.campaignId, BoardPeriod.ALL_TIME, metric, consistency);
      for (int i = 1; i < rows.size(); i++) {
        assertTrue(rows.get(i - 1).score() >= rows.get(i).score(), "in board order");
      }
      s.count("READ:ok");
    }

    private void otherAward() {
      int slot = random.nextInt(OTHER_PARTICIPANTS);
      long amount = 1 + random.nextInt(40);
      PointsResult r = other.points().award(w.otherRef(slot), PointsChange.of(amount, "purchase"));
      assertEquals(w.otherIds.get(slot), r.entry().participantId());
      s.otherAwarded.computeIfAbsent(slot, k -> new LongAdder()).add(amount);
      s.count("OTHER_AWARD:ok");
    }

    private void otherAction() {
      int slot = random.nextInt(OTHER_PARTICIPANTS);
      ActionResult r = other.rewards().recordAction(LoyaltyAction.of(w.otherRef(slot), w.otherCouponRewardId));
      assertNull(s.otherActions.put(r.actionId(), slot), "a new action");
      assertEquals(1, r.unlocked().size(), "one reward per action");
      for (EarnedReward e : r.unlocked()) {
        assertEquals(w.otherTenantId, e.tenantId());
        assertNull(s.otherUnlocked.put(e.id(), slot), "unlocked once");
        s.otherToApprove.add(e.id());
      }
      s.count("OTHER_ACTION:ok");
    }

    /** Approvals of the other tenant's rewards draw its pool down past its low-stock threshold, several at once. */
    private void otherApprove() {
      Long id = s.otherToApprove.poll();
      if (id == null) {
        otherAction();
        return;
      }
      boolean fulfil = random.nextInt(10) < 3;
      try {
        EarnedReward r = other.rewards().approve(id, fulfil);
        assertTrue(s.otherApproved.add(id), "approved twice");
        assertEquals(fulfil ? EarnedRewardStatus.FULFILLED : EarnedRewardStatus.APPROVED, r.status());
        s.count("OTHER_APPROVE:ok");
      } catch (LoyaltyException e) {
        // Only a fulfilment with the pool empty: it stays PENDING.
        refused(e, -1, ErrorCode.INVALID_TRANSITION);
        assertTrue(fulfil, () -> "a PENDING reward refused approval: " + e);
        s.otherToApprove.add(id);
      }
    }

    /**
     * Names one tenant's participant, campaign, catalog reward or earned reward through the other tenant's scope:
     * NOT_FOUND, whether it reads or would change something (nothing changes: checked after the threads).
     */
    private void probe() {
      int slot = slot();
      ParticipantRef a = w.ref(slot);
      ParticipantRef b = w.otherRef(random.nextInt(OTHER_PARTICIPANTS));
      Long earned = s.unlockedIds.isEmpty() ? null : s.unlockedIds.get(random.nextInt(s.unlockedIds.size()));
      Long otherEarned = s.otherUnlocked.keySet().stream().findAny().orElse(null);
      int which = random.nextInt(16);
      Supplier<?> call = switch (which) {
        case 0 -> () -> other.participants().get(a);
        case 1 -> () -> other.points().award(a, PointsChange.of(1, "probe"));
        case 2 -> () -> other.points().deduct(a, PointsChange.of(1, "probe"));
        case 3 -> () -> other.catalog().redeem(a, w.catalogRewardId, null);
        case 4 -> () -> other.catalog().redeem(b, w.catalogRewardId, null);
        case 5 -> () -> other.catalog().adjustStock(w.catalogRewardId, 1);
        case 6 -> () -> other.catalog().update(w.catalogRewardId, new CatalogRewardUpdate("Probe", null, 1));
        case 7 -> () -> other.rewards().recordAction(LoyaltyAction.of(a, w.couponRewardId));
        case 8 -> () -> other.rewards().recordAction(LoyaltyAction.of(b, w.couponRewardId));
        case 9 -> () -> other.coupons().upload(w.campaignId, List.of("PROBE-" + thread));
        case 10 -> () -> other.participants().update(a, ParticipantUpdate.builder().metadata("probe", 1).build());
        case 11 -> () -> board(other, w.campaignId, BoardPeriod.ALL_TIME, BoardMetric.POINTS, Consistency.STRONG);
        case 12 -> earned == null ? () -> other.rewards().counts(a, w.couponRewardId)
            : () -> other.rewards().approve(earned, random.nextBoolean());
        case 13 -> earned == null ? () -> other.coupons().remaining(w.campaignId)
            : () -> other.rewards().remove(earned);
        case 14 -> () -> scope.points().award(b, PointsChange.of(1, "probe"));
        default -> otherEarned == null ? () -> scope.rewards().recordAction(LoyaltyAction.of(b, w.otherCouponRewardId))
            : () -> scope.rewards().approve(otherEarned, false);
      };
      try {
        Object r = call.get();
        throw new AssertionError("probe " + which + " went through another tenant's scope: " + r);
      } catch (LoyaltyException e) {
        assertEquals(ErrorCode.NOT_FOUND, e.code(), () -> "probe " + which + ": " + e);
        s.count("PROBE:NOT_FOUND");
      }
    }

    private void delete() {
      int slot = PARTICIPANTS - 1 - random.nextInt(DELETABLE);
      Object deleted = attempt(() -> {
        scope.participants().delete(w.ref(slot));
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
      if (e.code() == ErrorCode.NOT_FOUND && slot >= 0 && deletable(slot)) {
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

  /** The invariants of the class description, read through the API of the instances and the database. */
  private final class Check {
    private final World w;
    private final Shared s;
    private final TenantScope scope;
    private final Map<Long, Participant> live = new HashMap<>();
    /** The codes live participants' earned rewards hold, by earned reward. */
    private final Map<Long, String> heldCodes = new HashMap<>();
    /** Every live participant's ledger entries, by id. */
    private final Map<Long, LedgerEntry> entries = new HashMap<>();
    private boolean aRewardWaits;

    Check(World w, Shared s) {
      this.w = w;
      this.s = s;
      this.scope = w.scopes.get(w.scopes.size() - 1);
    }

    void all() throws Exception {
      participants();
      keys();
      catalog();
      prices();
      feed();
      coupons();
      boards();
      otherTenant();
    }

    private void participants() {
      Set<String> keys = new HashSet<>();
      for (int slot = 0; slot < PARTICIPANTS; slot++) {
        ParticipantRef ref = w.ref(slot);
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
      List<LedgerEntry> entries = new ArrayList<>(everyItem(page -> scope.points().history(w.ref(slot), page)));
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
      ActionCounts counts = scope.rewards().counts(w.ref(slot), w.couponRewardId);
      assertEquals(recorded, counts.allTime(), "slot " + slot + ": one count per action recorded");
      assertEquals(recorded, counts.rewardAllTime(), "slot " + slot + ": toward the coupon");
      assertEquals(recorded, scope.rewards().summary(w.ref(slot)).actionsAllTime());
      List<EarnedReward> earned = everyItem(page -> scope.rewards().earned(w.ref(slot), page));
      Set<Long> expected = s.unlocked.entrySet().stream().filter(e -> e.getValue() == slot).map(Map.Entry::getKey)
          .collect(Collectors.toSet());
      assertEquals(expected, earned.stream().map(EarnedReward::id).collect(Collectors.toSet()),
          "slot " + slot + ": the rewards its actions unlocked");
      assertEquals(recorded / ACTIONS_PER_COUPON, earned.size(), "slot " + slot + ": one per "
          + ACTIONS_PER_COUPON + " actions");
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
        assertTrue(live.containsKey(w.ids.get(slot)), "the key's participant is there");
      });
    }

    private void catalog() throws Exception {
      long stock = scope.catalog().get(w.catalogRewardId).stock();
      assertTrue(stock >= 0, "stock never below zero: " + stock);
      assertEquals(INITIAL_STOCK + s.stockAdded.get(), stock + s.redemptions.size(),
          "initial + accepted adjustments == stock + redemptions");
      assertEquals(s.redemptions.size(), fixture.count("SELECT COUNT(*) FROM redemption WHERE tenant_id = ?",
          w.tenantId), "one redemption row per redemption answered");
    }

    /**
     * Each redemption was charged, in its ledger entry too, a price in force at some moment of its call (the one its
     * unit was taken at, per the catalog's javadoc): the price of a change that overlapped the call, or of one that
     * ended before it began with no other change wholly between the two (the creation's price counts as a change
     * before every call). And the stored price is the last change's by the same rule.
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
      long stored = scope.catalog().get(w.catalogRewardId).pointsCost();
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
      List<AssignedCoupon> assigned = everyItem(page -> scope.coupons().assigned(w.campaignId, page));
      assertEquals(assigned.size(), assigned.stream().map(AssignedCoupon::code).distinct().count(),
          "a code assigned once");
      assertEquals(assigned.size(), assigned.stream().map(AssignedCoupon::earnedRewardId).distinct().count(),
          "one code per reward");
      long remaining = scope.coupons().remaining(w.campaignId);
      assertEquals(s.codesAdded.get(), remaining + assigned.size(), "the pool holds every code added");
      Map<Long, String> liveAssigned = new HashMap<>();
      for (AssignedCoupon c : assigned) {
        if (live.containsKey(c.participantId())) {
          liveAssigned.put(c.earnedRewardId(), c.code());
        } else {
          assertTrue(s.deleted.stream().anyMatch(slot -> w.ids.get(slot) == c.participantId()),
              "a code of a participant that is neither there nor deleted");
        }
      }
      assertEquals(liveAssigned, heldCodes, "live participants' rewards hold exactly their assigned codes");
      assertTrue(!aRewardWaits || remaining == 0, "a reward waits while the pool has " + remaining + " free");
      // Uploads from several instances while codes go out: the pool crosses its threshold any number of times, and
      // ids do not follow the order of uploads across instances, so only the bound: at most one event per code,
      // and only for codes with at least the threshold of codes after them now (codes are never taken out).
      List<String> pool = poolInOrder(w.tenantId);
      Set<String> assignedCodes = assigned.stream().map(AssignedCoupon::code).collect(Collectors.toSet());
      long couldBeLow = pool.subList(0, Math.max(0, pool.size() - LOW_STOCK)).stream()
          .filter(assignedCodes::contains).count();
      List<LoyaltyEvent> low = poolLowEvents(scope, w.campaignId, LOW_STOCK);
      System.out.println("  pool: " + assigned.size() + " of " + pool.size() + " out, pool_low " + low.size());
      assertTrue(low.size() <= couldBeLow, "pool_low " + low.size() + " times, for " + couldBeLow
          + " codes that could have reached the threshold");
    }

    /** The campaign's {@code coupon.pool_low} events in the tenant's feed, checked to name it and its threshold. */
    private List<LoyaltyEvent> poolLowEvents(TenantScope in, long campaign, int threshold) {
      List<LoyaltyEvent> low = feedOf(in).stream().filter(e -> e.type() == EventType.COUPON_POOL_LOW).toList();
      for (LoyaltyEvent e : low) {
        assertNull(e.participantId(), "about the campaign, not a participant");
        assertEquals("{\"campaignId\":" + campaign + ",\"remaining\":" + threshold + ",\"threshold\":" + threshold
            + "}", e.payload().replace(" ", ""), "pool_low payload");
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

    private void feed() throws Exception {
      boolean positioned = true;
      while (positioned) {
        positioned = false;
        for (LoyaltyEngine node : nodes) {
          positioned |= node.events().dispatch().positioned() > 0;
        }
      }
      assertEquals(0, fixture.count("SELECT COUNT(*) FROM event_outbox WHERE tenant_id = ? AND position = 0",
          w.tenantId), "every event positioned");
      List<LoyaltyEvent> events = feedOf(scope);
      for (int i = 1; i < events.size(); i++) {
        assertTrue(events.get(i - 1).position() < events.get(i).position(), "positions unique and increasing");
      }
      assertEquals(fixture.count("SELECT COUNT(*) FROM event_outbox WHERE tenant_id = ?", w.tenantId),
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
          assertEquals(expected.get(metric), board(scope, w.campaignId, period, metric, Consistency.STRONG),
              "STRONG " + metric + " " + period);
        }
      }
      // Every write committed one refresh interval before an INDEX read is in it.
      clock.advance(LeaderboardSettings.DEFAULTS.refreshInterval());
      for (int i = 0; i < w.scopes.size(); i++) {
        for (BoardMetric metric : BoardMetric.values()) {
          assertEquals(expected.get(metric), board(w.scopes.get(i), w.campaignId, BoardPeriod.ALL_TIME, metric,
              Consistency.INDEX), "INDEX " + metric + " on instance " + i);
        }
      }
    }

    /**
     * The other tenant holds exactly what its own calls did: its participants' points, actions and rewards, its
     * campaign's boards of only them, a feed of only its events, and its pool, drawn from by approvals only, with
     * one {@code coupon.pool_low} event if the code the threshold follows went out (however many approvals ran at
     * once), else none.
     */
    private void otherTenant() throws SQLException {
      TenantScope other = w.otherScopes.get(w.otherScopes.size() - 1);
      List<long[]> points = new ArrayList<>();
      List<long[]> actions = new ArrayList<>();
      for (int slot = 0; slot < OTHER_PARTICIPANTS; slot++) {
        int at = slot;
        ParticipantRef ref = w.otherRef(slot);
        Participant p = other.participants().get(ref);
        long awarded = s.otherAwarded.getOrDefault(slot, new LongAdder()).sum();
        assertEquals(awarded, p.lifetimePoints(), "other slot " + slot + ": lifetime == its awards");
        assertEquals(awarded, p.pointsBalance(), "other slot " + slot + ": balance == its awards");
        assertTrue(p.metadata().isEmpty(), "no patch reached the other tenant: " + p.metadata());
        long recorded = s.otherActions.values().stream().filter(v -> v == at).count();
        assertEquals(recorded, other.rewards().summary(ref).actionsAllTime(), "other slot " + slot + ": actions");
        Set<Long> unlocked = s.otherUnlocked.entrySet().stream().filter(e -> e.getValue() == at)
            .map(Map.Entry::getKey).collect(Collectors.toSet());
        for (EarnedReward e : everyItem(page -> other.rewards().earned(ref, page))) {
          assertTrue(unlocked.remove(e.id()), () -> "a reward its actions did not unlock: " + e);
          assertEquals(s.otherApproved.contains(e.id()), e.status() != EarnedRewardStatus.PENDING,
              () -> "approved exactly when a call approved it: " + e);
        }
        assertTrue(unlocked.isEmpty(), "rewards unlocked but not there: " + unlocked);
        points.add(new long[] {p.id(), p.lifetimePoints()});
        actions.add(new long[] {p.id(), recorded});
      }
      assertEquals(Board.ranked(points), board(other, w.otherCampaignId, BoardPeriod.ALL_TIME, BoardMetric.POINTS,
          Consistency.STRONG), "the other campaign's points board");
      assertEquals(Board.ranked(actions), board(other, w.otherCampaignId, BoardPeriod.ALL_TIME, BoardMetric.ACTIONS,
          Consistency.STRONG), "the other campaign's actions board");
      List<LoyaltyEvent> events = feedOf(other);
      assertEquals(fixture.count("SELECT COUNT(*) FROM event_outbox WHERE tenant_id = ?", w.otherTenantId),
          events.size(), "the other feed holds its events");
      for (LoyaltyEvent e : events) {
        assertTrue(e.participantId() == null || w.otherIds.contains(e.participantId()),
            () -> "an event of another tenant's participant: " + e.type());
      }
      // The pool as uploaded before the threads, in the order codes go out; the code the threshold follows
      // writes the one event when it goes.
      List<String> pool = poolInOrder(w.otherTenantId);
      assertEquals(OTHER_CODES, pool.size(), "no code added to the other pool");
      Set<String> assigned = everyItem(page -> other.coupons().assigned(w.otherCampaignId, page)).stream()
          .map(AssignedCoupon::code).collect(Collectors.toSet());
      int expected = assigned.contains(pool.get(OTHER_CODES - 1 - OTHER_LOW_STOCK)) ? 1 : 0;
      assertEquals(expected, poolLowEvents(other, w.otherCampaignId, OTHER_LOW_STOCK).size(),
          "one pool_low event when the code " + OTHER_LOW_STOCK + " codes follow went out (" + assigned.size()
              + " of " + OTHER_CODES + " out)");
      System.out.println("  other pool: " + assigned.size() + " of " + OTHER_CODES + " out, pool_low " + expected);
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

  /** Every item of a keyset-paged list. */
  private static <T> List<T> everyItem(java.util.function.Function<Keyset, CursorPage<T>> read) {
    List<T> items = new ArrayList<>();
    CursorPage<T> page = read.apply(Keyset.first(Keyset.MAX_LIMIT));
    items.addAll(page.items());
    while (page.hasMore()) {
      page = read.apply(Keyset.after(page.nextId(), Keyset.MAX_LIMIT));
      items.addAll(page.items());
    }
    return items;
  }
}
