package io.loyaltyengine.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.CatalogRewardUpdate;
import io.loyaltyengine.catalog.Redemption;
import io.loyaltyengine.core.spi.ActionPort.ActionIncrements;
import io.loyaltyengine.core.spi.ActionRecord;
import io.loyaltyengine.core.spi.CouponPort.NewCode;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.TransientStorageException;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.core.spi.UniqueViolationException;
import io.loyaltyengine.coupons.AssignedCoupon;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.rewards.ActionCounts;
import io.loyaltyengine.rewards.ActionSource;
import io.loyaltyengine.rewards.Automation;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.RewardAudience;
import io.loyaltyengine.rewards.RewardProgram;
import io.loyaltyengine.rewards.RewardType;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The reward ports' contract suite: {@code RewardPort}, {@code ActionPort}, {@code EarnedRewardPort},
 * {@code CouponPort} and {@code CatalogPort} held to their javadoc below the engine, on every storage backend: every
 * field of every record read back as written (nulls included, instants at the backend's precision), the unique keys
 * reported with their {@code UniqueKey}, the foreign keys and the stock CHECK of the SQL schema, counters,
 * insert-if-absent and compare-and-set, the coupon pool and the catalog's stock, the undo of every reward write; and
 * under contention, from eight threads on each of two storages sharing the database: every counter value given once,
 * one insert per cycle, one winner of two moves, a second move or coupon assignment that waits for an uncommitted
 * first one, no code assigned twice, no stock below zero.
 *
 * <p>A backend runs it with an (almost) empty subclass that supplies a fresh database per test and shows where a
 * unit of work waits for a lock:
 *
 * <pre>{@code
 * class InMemoryRewardPortsTest extends RewardPortsContractTest {
 *   @Override
 *   protected StoreFixture createFixture() {
 *     return new InMemoryStoreFixture();
 *   }
 *
 *   @Override
 *   protected void awaitBlockedOnALock(Thread waiter) {
 *     InMemoryLockWaits.awaitParkedOnTheDatabaseLock(waiter);
 *   }
 *
 *   @Override
 *   protected ChronoUnit instantPrecision() {
 *     return ChronoUnit.NANOS; // InMemoryStorage keeps instants exactly as given
 *   }
 * }
 * }</pre>
 *
 * <p>Tests of an ability the backend lacks ({@link StorageCapability#SHARED_DATABASE}, as the fixture declares) are
 * skipped with the reason, never reported as passed. Test methods are package-private so that a subclass cannot
 * override one away; each name states the rule it checks.
 *
 * <p>Every test starts from the empty database of a new fixture, which it closes at the end. No test depends on ids
 * or on the order tests run in; none sleeps or measures time: the concurrent tests start their threads behind a
 * latch, and a test that needs one unit of work to wait for another sees the wait through
 * {@link #awaitBlockedOnALock(Thread)}.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
public abstract class RewardPortsContractTest extends PortsContractSupport {
  /** Microseconds, the SPI's precision; a time where Pacific/Chatham and Asia/Kolkata disagree on the date. */
  private static final Instant T0 = Instant.parse("2025-03-30T23:59:59.123456Z");
  private static final Instant T1 = T0.plusSeconds(3_600);
  private static final Instant T2 = T0.plusSeconds(7_200);
  private static final int THREADS_PER_STORAGE = 8;

  /** For subclasses. */
  protected RewardPortsContractTest() {
  }

  /**
   * The finest unit of time in which the backend keeps the instants it is given; an instant with finer digits reads
   * back truncated to it. The SPI stores instants with microsecond precision (the engine truncates them before they
   * reach a port), so it is {@link ChronoUnit#MICROS} by default, the SQL stores' column precision; a backend that
   * keeps instants exactly, as the in-memory store does, returns {@link ChronoUnit#NANOS}. Anything coarser than
   * microseconds fails the tests.
   */
  protected ChronoUnit instantPrecision() {
    return ChronoUnit.MICROS;
  }

  // ---------------------------------------------------------------- campaign rewards and programs

  @Test
  void campaignRewardsRoundTripEveryFieldAndListInIdOrderPerCampaignAndTenant() {
    Campaign campaign = campaign();
    Campaign other = campaign(campaign.tenantId());
    long t = campaign.tenantId();
    CampaignReward cash = new CampaignReward(nextId(), t, campaign.id(), "Ten euros — Zoë's 'gift' 😀",
        RewardType.CASH, RewardAudience.INVITED, 7, 3, 0, null, 1_000, "EUR", null, T0.plusNanos(999));
    CampaignReward unlimited = new CampaignReward(nextId(), t, campaign.id(), "Points", RewardType.POINTS,
        RewardAudience.PARTICIPANT, 1, null, Long.MAX_VALUE, null, 0, null, null, T1);
    CampaignReward everything = new CampaignReward(nextId(), t, campaign.id(), "All", RewardType.CUSTOM,
        RewardAudience.PARTICIPANT, 1_000_000, 1_000_000, 5, "a message", Long.MAX_VALUE, "USD", "token-transfer",
        T2);
    CampaignReward elsewhere = new CampaignReward(nextId(), t, other.id(), "Elsewhere", RewardType.COUPON,
        RewardAudience.PARTICIPANT, 2, 1, 0, null, 0, null, null, T0);
    run(tx -> {
      tx.rewards().insert(cash);
      tx.rewards().insert(unlimited);
      tx.rewards().insert(everything);
      tx.rewards().insert(elsewhere);
    });

    assertEquals(Optional.of(stored(cash)), tx(tx -> tx.rewards().find(t, cash.id())));
    assertTrue(tx(tx -> tx.rewards().find(t, unlimited.id())).orElseThrow().isUnlimited());
    assertEquals(List.of(stored(cash), unlimited, everything), tx(tx -> tx.rewards().list(t, campaign.id())));
    assertEquals(List.of(elsewhere), tx(tx -> tx.rewards().list(t, other.id())));
    assertEquals(Optional.empty(), tx(tx -> tx.rewards().find(t + 1, cash.id())), "another tenant's reward");
    assertEquals(List.of(), tx(tx -> tx.rewards().list(t + 1, campaign.id())));
    assertEquals(Optional.empty(), tx(tx -> tx.rewards().find(t, nextId())));
  }

  @Test
  void aCampaignRewardNeedsItsCampaignInItsTenant() {
    Campaign campaign = campaign();
    long otherTenant = tenant();
    assertThrows(StorageException.class, () -> run(tx -> tx.rewards().insert(reward(otherTenant, campaign.id(),
        RewardType.POINTS, 1, 1))));
    assertThrows(StorageException.class, () -> run(tx -> tx.rewards().insert(reward(campaign.tenantId(), nextId(),
        RewardType.POINTS, 1, 1))));
    assertEquals(List.of(), tx(tx -> tx.rewards().list(otherTenant, campaign.id())));
  }

  @Test
  void aRewardProgramIsCreatedThenReplacedAndIsAbsentUntilConfigured() {
    Campaign campaign = campaign();
    Campaign other = campaign(campaign.tenantId());
    long t = campaign.tenantId();
    assertEquals(Optional.empty(), tx(tx -> tx.rewards().findProgram(t, campaign.id())));
    run(tx -> tx.rewards().saveProgram(t, new RewardProgram(campaign.id(), Automation.MANUAL, 25)));
    assertEquals(Optional.of(new RewardProgram(campaign.id(), Automation.MANUAL, 25)),
        tx(tx -> tx.rewards().findProgram(t, campaign.id())));
    run(tx -> {
      tx.rewards().saveProgram(t, new RewardProgram(campaign.id(), Automation.AUTO, 0));
      tx.rewards().saveProgram(t, new RewardProgram(campaign.id(), Automation.AUTO, 3));
    });
    assertEquals(Optional.of(new RewardProgram(campaign.id(), Automation.AUTO, 3)),
        tx(tx -> tx.rewards().findProgram(t, campaign.id())));
    assertEquals(Optional.empty(), tx(tx -> tx.rewards().findProgram(t, other.id())));
    assertEquals(Optional.empty(), tx(tx -> tx.rewards().findProgram(t + 1, campaign.id())), "another tenant");
    assertThrows(StorageException.class, () -> run(tx -> tx.rewards().saveProgram(t + 1,
        new RewardProgram(campaign.id(), Automation.AUTO, 0))), "a program needs its campaign in its tenant");
  }

  // ---------------------------------------------------------------- actions and counters

  @Test
  void actionsRoundTripEveryFieldAndAreFoundByTheirTenantsIdempotencyKey() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("order", "A-1001 — Zoë 😀 \"quoted\" 'x'");
    metadata.put("items", 3L);
    metadata.put("big", Long.MAX_VALUE);
    metadata.put("total", 1.0);
    metadata.put("huge", 1.0E20);
    metadata.put("ratio", 0.1);
    metadata.put("gift", true);
    ActionRecord full = new ActionRecord(nextId(), t, campaign.id(), 11L, 12L, ActionSource.REFERRAL, metadata, 13L,
        "order-1001", true, new ActionCounts(1, 2, 3, 4, Long.MAX_VALUE), T0.plusNanos(1));
    ActionRecord bare = new ActionRecord(nextId(), t, campaign.id(), 11L, 12L, ActionSource.DIRECT, Map.of(), null,
        null, false, new ActionCounts(0, 0, 0, 0, 0), T1);
    ActionRecord bareToo = new ActionRecord(nextId(), t, campaign.id(), 11L, 12L, ActionSource.IMPORT, Map.of(), null,
        null, false, new ActionCounts(0, 0, 0, 0, 0), T1);
    run(tx -> {
      tx.actions().insert(full);
      tx.actions().insert(bare);
      tx.actions().insert(bareToo);
    });

    ActionRecord found = tx(tx -> tx.actions().findByIdempotencyKey(t, "order-1001")).orElseThrow();
    assertEquals(stored(full), found);
    assertEquals(Long.class, found.metadata().get("items").getClass());
    assertEquals(Double.class, found.metadata().get("total").getClass());
    assertEquals(Optional.empty(), tx(tx -> tx.actions().findByIdempotencyKey(t + 1, "order-1001")));
    assertEquals(Optional.empty(), tx(tx -> tx.actions().findByIdempotencyKey(t, "order-1002")));
    assertEquals(Optional.empty(), tx(tx -> tx.actions().findByIdempotencyKey(t, null)));

    ActionRecord again = new ActionRecord(nextId(), t, campaign.id(), 14L, 12L, ActionSource.MANUAL, Map.of(), null,
        "order-1001", false, new ActionCounts(0, 0, 0, 0, 0), T2);
    UniqueViolationException e = assertThrows(UniqueViolationException.class,
        () -> run(tx -> tx.actions().insert(again)));
    assertEquals(UniqueKey.ACTION_IDEMPOTENCY_KEY, e.key());
    long otherTenant = tenant();
    run(tx -> tx.actions().insert(new ActionRecord(nextId(), otherTenant, campaign.id(), 14L, 12L,
        ActionSource.MANUAL, Map.of(), null, "order-1001", false, new ActionCounts(0, 0, 0, 0, 0), T2)));
    assertEquals(stored(full), tx(tx -> tx.actions().findByIdempotencyKey(t, "order-1001")).orElseThrow());
    assertThrows(StorageException.class, () -> run(tx -> tx.actions().insert(new ActionRecord(full.actionId(), t,
        campaign.id(), 11L, 12L, ActionSource.DIRECT, Map.of(), null, null, false,
        new ActionCounts(0, 0, 0, 0, 0), T1))), "an action id is a primary key");
  }

  @Test
  void appendActionWritesTheActionAndItsEventSeenByTheRestOfTheUnitOfWorkInOrder() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    ActionRecord first = action(t, campaign.id(), 21L, null);
    ActionRecord second = action(t, campaign.id(), 21L, "order-7");
    ActionRecord third = action(t, campaign.id(), 21L, null);
    EventRecord one = actionEvent(first, 1);
    EventRecord two = actionEvent(second, 2);
    EventRecord three = actionEvent(third, 3);
    List<List<EventRecord>> seen = new ArrayList<>();
    run(tx -> {
      tx.appendAction(first, one);
      seen.add(tx.events().unpositioned(t, 10));
      tx.appendAction(second, two);
      tx.appendAction(third, three);
      seen.add(tx.events().unpositioned(t, 10));
    });

    assertEquals(List.of(List.of(one), List.of(one, two, three)), seen, "each read sees the calls before it");
    assertEquals(List.of(one, two, three), tx(tx -> tx.events().unpositioned(t, 10)), "all kept, in order");
    assertEquals(stored(second), tx(tx -> tx.actions().findByIdempotencyKey(t, "order-7")).orElseThrow());
  }

  /**
   * A store may hold the rows back (PostgreSQL: for the commit, or the unit of work's next statement): the taken key
   * then fails the commit or that statement, with the action's key all the same, and nothing of the unit commits.
   */
  @Test
  void appendActionWithATakenKeyFailsTheUnitOfWorkWithTheActionKeyWhereverItsRowsAreSent() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    ActionRecord taken = action(t, campaign.id(), 21L, "order-9");
    run(tx -> tx.appendAction(taken, actionEvent(taken, 1)));
    ActionRecord again = action(t, campaign.id(), 21L, "order-9");
    ActionRecord before = action(t, campaign.id(), 21L, null);

    UniqueViolationException last = assertThrows(UniqueViolationException.class, () -> run(tx -> {
      tx.appendAction(before, actionEvent(before, 2));
      tx.appendAction(again, actionEvent(again, 3));
    }), "the unit of work's last rows");
    assertEquals(UniqueKey.ACTION_IDEMPOTENCY_KEY, last.key());
    UniqueViolationException followed = assertThrows(UniqueViolationException.class, () -> run(tx -> {
      tx.appendAction(again, actionEvent(again, 4));
      tx.events().unpositioned(t, 10);
    }), "rows a read follows");
    assertEquals(UniqueKey.ACTION_IDEMPOTENCY_KEY, followed.key());

    assertEquals(List.of(actionEvent(taken, 1).eventId()),
        tx(tx -> tx.events().unpositioned(t, 10)).stream().map(EventRecord::eventId).toList(),
        "nothing of either unit of work");
    assertEquals(stored(taken), tx(tx -> tx.actions().findByIdempotencyKey(t, "order-9")).orElseThrow());
  }

  @Test
  void appendActionWithATakenKeyFailsWithTheActionKeyAndLeavesNoEventWhileANestedUnitsRowsGoOrStayWithIt() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    ActionRecord taken = action(t, campaign.id(), 21L, "order-8");
    run(tx -> tx.appendAction(taken, actionEvent(taken, 1)));
    ActionRecord again = action(t, campaign.id(), 21L, "order-8");
    ActionRecord undone = action(t, campaign.id(), 21L, null);
    ActionRecord kept = action(t, campaign.id(), 21L, null);
    EventRecord keptEvent = actionEvent(kept, 4);
    run(tx -> {
      UniqueViolationException e = assertThrows(UniqueViolationException.class,
          () -> tx.nested(n -> {
            n.appendAction(again, actionEvent(again, 2));
            return n.events().unpositioned(t, 10);
          }));
      assertEquals(UniqueKey.ACTION_IDEMPOTENCY_KEY, e.key());
      assertThrows(IllegalStateException.class, () -> tx.nested(n -> {
        n.appendAction(undone, actionEvent(undone, 3));
        throw new IllegalStateException("the nested unit fails");
      }));
      tx.nested(n -> {
        n.appendAction(kept, keptEvent);
        return null;
      });
    });

    assertEquals(List.of(actionEvent(taken, 1).eventId(), keptEvent.eventId()),
        tx(tx -> tx.events().unpositioned(t, 10)).stream().map(EventRecord::eventId).toList(),
        "neither the refused action's event nor the failed nested unit's");
    assertEquals(stored(taken), tx(tx -> tx.actions().findByIdempotencyKey(t, "order-8")).orElseThrow());
  }

  @Test
  void countersStartAtZeroCountPerKeyAndSumToTheCampaignsActions() {
    Campaign campaign = campaign();
    Campaign other = campaign(campaign.tenantId());
    long t = campaign.tenantId();
    long ann = nextId();
    long bob = nextId();
    long reward = nextId();
    assertEquals(0L, count(t, ann, 0, 0));
    assertEquals(0L, (long) tx(tx -> tx.actions().campaignActions(t, campaign.id())));

    assertEquals(1L, increment(t, campaign.id(), ann, 0, 0));
    assertEquals(2L, increment(t, campaign.id(), ann, 0, 0));
    assertEquals(1L, increment(t, campaign.id(), ann, 0, 202503));
    assertEquals(1L, increment(t, campaign.id(), ann, reward, 0));
    assertEquals(1L, increment(t, campaign.id(), ann, reward, 202503));
    assertEquals(1L, increment(t, campaign.id(), bob, 0, 0));
    assertEquals(1L, increment(t, other.id(), nextId(), 0, 0));
    assertEquals(1L, increment(t + 1, campaign.id(), ann, 0, 0), "another tenant's counter");
    assertEquals(2L, count(t, ann, 0, 0));
    assertEquals(1L, count(t, ann, 0, 202503));
    assertEquals(0L, count(t, ann, 0, 202502));
    assertEquals(1L, count(t, ann, reward, 202503));
    assertEquals(3L, (long) tx(tx -> tx.actions().campaignActions(t, campaign.id())), "ann's 2 and bob's 1");
    assertEquals(1L, (long) tx(tx -> tx.actions().campaignActions(t, other.id())));

    assertThrows(IllegalStateException.class, () -> storage().inTransaction(tx -> {
      assertEquals(3L, tx.actions().increment(t, campaign.id(), ann, 0, 0, T0));
      assertEquals(1L, tx.actions().increment(t, campaign.id(), ann, 0, 202504, T0));
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(2L, count(t, ann, 0, 0), "a rolled-back increment is gone");
    assertEquals(0L, count(t, ann, 0, 202504), "and so is a counter it created");
    assertEquals(3L, increment(t, campaign.id(), ann, 0, 0));
  }

  @Test
  void deleteAllRemovesOneParticipantsActionsAndCountersAndFreesTheirKeys() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long ann = nextId();
    long bob = nextId();
    run(tx -> {
      tx.actions().insert(action(t, campaign.id(), ann, "ann-1"));
      tx.actions().insert(action(t, campaign.id(), bob, "bob-1"));
      tx.actions().increment(t, campaign.id(), ann, 0, 0, T0);
      tx.actions().increment(t, campaign.id(), ann, 9, 202501, T0);
      tx.actions().increment(t, campaign.id(), bob, 0, 0, T0);
      tx.actions().increment(t + 1, campaign.id(), ann, 0, 0, T0);
    });
    run(tx -> tx.actions().deleteAll(t, ann));
    assertEquals(Optional.empty(), tx(tx -> tx.actions().findByIdempotencyKey(t, "ann-1")));
    assertTrue(tx(tx -> tx.actions().findByIdempotencyKey(t, "bob-1")).isPresent());
    assertEquals(0L, count(t, ann, 0, 0));
    assertEquals(0L, count(t, ann, 9, 202501));
    assertEquals(1L, count(t, bob, 0, 0));
    assertEquals(1L, count(t + 1, ann, 0, 0), "another tenant's participant with the same id");
    assertEquals(1L, (long) tx(tx -> tx.actions().campaignActions(t, campaign.id())));
    run(tx -> tx.actions().insert(action(t, campaign.id(), ann, "ann-1")));
    assertEquals(1L, increment(t, campaign.id(), ann, 0, 0));
  }

  @Test
  void concurrentIncrementsOfOneCounterGiveEveryValueOnce() throws Exception {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long participant = nextId();
    int increments = 400;
    List<Long> values = Collections.synchronizedList(new ArrayList<>());
    concurrently(increments, (instance, i) -> values.add(instance.inTransaction(tx ->
        tx.actions().increment(t, campaign.id(), participant, 0, 0, T0))));
    assertEquals(List.of(), repeated(values), "values given more than once");
    assertEquals(LongStream.rangeClosed(1, increments).boxed().collect(Collectors.toSet()), new HashSet<>(values));
    assertEquals(increments, count(t, participant, 0, 0));
    assertEquals(increments, (long) tx(tx -> tx.actions().campaignActions(t, campaign.id())));
  }

  @Test
  void incrementForActionAddsOneToTheFourCountersOfAnActionAndReturnsTheirValues() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long ann = nextId();
    long reward = nextId();
    increment(t, campaign.id(), ann, 0, 0);
    assertEquals(new ActionIncrements(2, 1, 1, 1, 0), incrementForAction(t, campaign.id(), ann, reward, 202504),
        "an existing all-time total goes on; the three others are created at 1; no total for March");
    assertEquals(new ActionIncrements(3, 2, 2, 2, 0), incrementForAction(t, campaign.id(), ann, reward, 202504));
    // The participant's April total (3) differs from the reward's April count (2): the month read is the former.
    increment(t, campaign.id(), ann, 0, 202504);
    assertEquals(new ActionIncrements(4, 1, 3, 1, 3), incrementForAction(t, campaign.id(), ann, reward, 202505),
        "May's action reads April's total beside its counters");
    assertEquals(List.of(4L, 3L, 1L, 3L, 2L, 1L), List.of(count(t, ann, 0, 0), count(t, ann, 0, 202504),
        count(t, ann, 0, 202505), count(t, ann, reward, 0), count(t, ann, reward, 202504),
        count(t, ann, reward, 202505)), "the month read is not changed");
    assertEquals(0L, count(t, ann, reward + 1, 0), "another reward's counter");
    assertEquals(0L, count(t + 1, ann, 0, 0), "another tenant's participant with the same id");
    assertEquals(4L, (long) tx(tx -> tx.actions().campaignActions(t, campaign.id())));
    assertEquals(new ActionIncrements(1, 1, 1, 1, 0), incrementForAction(t + 1, campaign.id(), ann, reward, 202505),
        "another tenant's participant with the same id reads its own April");
    assertThrows(IllegalStateException.class, () -> storage().inTransaction(tx -> {
      assertEquals(new ActionIncrements(5, 4, 4, 3, 0),
          tx.actions().incrementForAction(t, campaign.id(), ann, reward, 202504, 202503, T0));
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(new ActionIncrements(5, 4, 4, 3, 0), incrementForAction(t, campaign.id(), ann, reward, 202504),
        "a rolled-back call leaves nothing");
    assertThrows(IllegalArgumentException.class, () -> incrementForAction(t, campaign.id(), ann, 0, 202504));
    assertThrows(IllegalArgumentException.class, () -> incrementForAction(t, campaign.id(), ann, reward, 0));
    assertThrows(IllegalArgumentException.class,
        () -> tx(tx -> tx.actions().incrementForAction(t, campaign.id(), ann, reward, 202504, 0, T0)));
    assertThrows(IllegalArgumentException.class,
        () -> tx(tx -> tx.actions().incrementForAction(t, campaign.id(), ann, reward, 202504, 202504, T0)));
    assertEquals(5L, count(t, ann, 0, 0), "a refused call changes nothing");
  }

  @Test
  void countsReadsAParticipantsTotalsAndOneRewardsCountsAsOneReading() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long ann = nextId();
    long reward = nextId();
    assertEquals(new ActionCounts(0, 0, 0, 0, 0), counts(t, ann, reward, 202505, 202504), "no counters yet");
    increment(t, campaign.id(), ann, 0, 202503);
    incrementForAction(t, campaign.id(), ann, reward, 202504);
    incrementForAction(t, campaign.id(), ann, reward, 202505);
    incrementForAction(t, campaign.id(), ann, reward, 202505);
    incrementForAction(t, campaign.id(), ann, reward + 1, 202505);
    assertEquals(new ActionCounts(4, 3, 1, 3, 2), counts(t, ann, reward, 202505, 202504),
        "all time, May and April totals; the reward's all time and May, not another reward's");
    assertEquals(new ActionCounts(4, 1, 1, 3, 1), counts(t, ann, reward, 202504, 202503),
        "April and March totals (March's alone, without an action); the reward's all time and April");
    assertEquals(new ActionCounts(4, 3, 1, 4, 3), counts(t, ann, 0, 202505, 202504), "reward 0: the totals again");
    assertEquals(new ActionCounts(0, 0, 0, 0, 0), counts(t + 1, ann, reward, 202505, 202504),
        "another tenant's participant with the same id");
    assertEquals(new ActionCounts(0, 0, 0, 0, 0), counts(t, nextId(), reward, 202505, 202504), "another participant");
  }

  @Test
  void incrementForActionInJanuaryReadsTheParticipantsDecemberOfTheYearBefore() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long ann = nextId();
    long reward = nextId();
    for (int i = 0; i < 3; i++) {
      increment(t, campaign.id(), ann, 0, 202412);
    }
    increment(t, campaign.id(), ann, reward, 202412);
    // Neither this year's December nor the month key just below January (202500) is the month before.
    increment(t, campaign.id(), ann, 0, 202512);
    increment(t, campaign.id(), ann, 0, 202500);
    assertEquals(new ActionIncrements(1, 1, 1, 1, 3), tx(tx -> tx.actions().incrementForAction(t, campaign.id(), ann,
        reward, 202501, 202412, T0)), "January's action reads December's total of the participant, all rewards");
    assertEquals(3L, count(t, ann, 0, 202412), "the month read is not changed");
  }

  @Test
  void concurrentActionsOfOneParticipantGiveEveryValueOnceOnEachCounter() throws Exception {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long ann = nextId();
    long first = nextId();
    long second = nextId();
    int actions = 200;
    Map<Long, List<ActionIncrements>> byReward = Map.of(first, Collections.synchronizedList(new ArrayList<>()),
        second, Collections.synchronizedList(new ArrayList<>()));
    // Two rewards share the participant's totals: the four rows are always locked in one order, so none deadlocks.
    concurrently(actions, (instance, i) -> {
      long reward = i % 2 == 0 ? first : second;
      byReward.get(reward).add(instance.inTransaction(tx ->
          tx.actions().incrementForAction(t, campaign.id(), ann, reward, 202504, 202503, T0)));
    });
    List<ActionIncrements> results = new ArrayList<>(byReward.get(first));
    results.addAll(byReward.get(second));
    Set<Long> all = LongStream.rangeClosed(1, actions).boxed().collect(Collectors.toSet());
    Set<Long> half = LongStream.rangeClosed(1, actions / 2).boxed().collect(Collectors.toSet());
    assertEquals(List.of(), repeated(results.stream().map(ActionIncrements::allTime).toList()));
    assertEquals(all, results.stream().map(ActionIncrements::allTime).collect(Collectors.toSet()));
    assertEquals(all, results.stream().map(ActionIncrements::allMonth).collect(Collectors.toSet()));
    for (long reward : List.of(first, second)) {
      List<ActionIncrements> own = byReward.get(reward);
      assertEquals(List.of(), repeated(own.stream().map(ActionIncrements::rewardAllTime).toList()));
      assertEquals(half, own.stream().map(ActionIncrements::rewardAllTime).collect(Collectors.toSet()));
      assertEquals(half, own.stream().map(ActionIncrements::rewardMonth).collect(Collectors.toSet()));
      assertEquals(actions / 2, count(t, ann, reward, 202504));
    }
    assertEquals(actions, count(t, ann, 0, 0));
  }

  @Test
  void concurrentIncrementsOfNewCountersCreateEachOnce() throws Exception {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    int participants = 40;
    int each = 10;
    long first = nextIds(participants);
    Map<Long, Set<Long>> values = new ConcurrentHashMap<>();
    // Every participant's first increments race to create its counter (and its month's).
    concurrently(participants * each, (instance, i) -> {
      long participant = first + i % participants;
      long value = instance.inTransaction(tx -> {
        tx.actions().increment(t, campaign.id(), participant, 0, 202503, T0);
        return tx.actions().increment(t, campaign.id(), participant, 0, 0, T0);
      });
      assertTrue(values.computeIfAbsent(participant, p -> ConcurrentHashMap.newKeySet()).add(value));
    });
    for (long p = first; p < first + participants; p++) {
      assertEquals(LongStream.rangeClosed(1, each).boxed().collect(Collectors.toSet()),
          values.get(p));
      assertEquals(each, count(t, p, 0, 202503));
    }
    assertEquals(participants * each, (long) tx(tx -> tx.actions().campaignActions(t, campaign.id())));
  }

  // ---------------------------------------------------------------- earned rewards

  @Test
  void earnedRewardsRoundTripEveryFieldAndInsertEachCycleOnce() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    CampaignReward reward = reward(t, campaign.id(), RewardType.CASH, 1, null);
    run(tx -> tx.rewards().insert(reward));
    long ann = nextId();
    long action = nextId();
    EarnedReward full = new EarnedReward(nextId(), t, campaign.id(), ann, reward.id(), 1, RewardType.CASH,
        EarnedRewardStatus.FULFILLED, true, Long.MAX_VALUE, "CODE-Zoë-😀", "a message", 1_234, "EUR",
        "coupon pool empty", T0.plusNanos(1), T1.plusNanos(999), T2);
    EarnedReward bare = new EarnedReward(nextId(), t, campaign.id(), ann, reward.id(), 2, RewardType.POINTS,
        EarnedRewardStatus.PENDING, false, 0, null, null, 0, null, null, T1, null, null);
    assertTrue(test(tx -> tx.earnedRewards().insertIfAbsent(full, action)));
    assertTrue(test(tx -> tx.earnedRewards().insertIfAbsent(bare, action)));
    assertEquals(Optional.of(stored(full)), tx(tx -> tx.earnedRewards().find(t, full.id())));
    assertEquals(Optional.of(bare), tx(tx -> tx.earnedRewards().find(t, bare.id())));
    assertEquals(Optional.empty(), tx(tx -> tx.earnedRewards().find(t + 1, full.id())), "another tenant's");

    EarnedReward sameCycle = earned(t, campaign.id(), ann, reward.id(), 1, EarnedRewardStatus.PENDING);
    assertFalse(test(tx -> tx.earnedRewards().insertIfAbsent(sameCycle, nextId())), "the cycle exists");
    assertEquals(Optional.empty(), tx(tx -> tx.earnedRewards().find(t, sameCycle.id())));
    EarnedReward sameId = new EarnedReward(full.id(), t, campaign.id(), ann, reward.id(), 3, RewardType.POINTS,
        EarnedRewardStatus.PENDING, true, 0, null, null, 0, null, null, T1, null, null);
    assertFalse(test(tx -> tx.earnedRewards().insertIfAbsent(sameId, nextId())), "the id exists");
    assertEquals(Optional.of(stored(full)), tx(tx -> tx.earnedRewards().find(t, full.id())));
    // A failed insert-if-absent leaves the unit of work usable: the rest of it commits.
    run(tx -> {
      assertFalse(tx.earnedRewards().insertIfAbsent(sameCycle, action));
      assertTrue(tx.earnedRewards().insertIfAbsent(earned(t, campaign.id(), ann, reward.id(), 3,
          EarnedRewardStatus.PENDING), action));
    });
    assertEquals(3, tx(tx -> tx.earnedRewards().unlockedBy(t, action)).size());
    assertEquals(List.of(stored(full), bare), tx(tx -> tx.earnedRewards().unlockedBy(t, action)).subList(0, 2));
    assertEquals(List.of(), tx(tx -> tx.earnedRewards().unlockedBy(t + 1, action)));

    assertThrows(StorageException.class, () -> tx(tx -> tx.earnedRewards().insertIfAbsent(earned(t, campaign.id(),
        ann, nextId(), 1, EarnedRewardStatus.PENDING), action)), "an earned reward needs its campaign reward");
  }

  @Test
  void aParticipantsEarnedRewardsListNewestFirstByKeyset() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    CampaignReward reward = reward(t, campaign.id(), RewardType.POINTS, 1, null);
    run(tx -> tx.rewards().insert(reward));
    long ann = nextId();
    List<EarnedReward> anns = new ArrayList<>();
    for (int cycle = 1; cycle <= 5; cycle++) {
      EarnedReward e = earned(t, campaign.id(), ann, reward.id(), cycle, EarnedRewardStatus.PENDING);
      assertTrue(test(tx -> tx.earnedRewards().insertIfAbsent(e, 0)));
      anns.add(e);
    }
    assertTrue(test(tx -> tx.earnedRewards().insertIfAbsent(earned(t, campaign.id(), nextId(), reward.id(), 1,
        EarnedRewardStatus.PENDING), 0)));
    List<EarnedReward> newestFirst = new ArrayList<>(anns);
    Collections.reverse(newestFirst);
    assertEquals(newestFirst, list(t, ann, null, 10));
    assertEquals(newestFirst.subList(0, 2), list(t, ann, null, 2));
    assertEquals(newestFirst.subList(2, 4), list(t, ann, newestFirst.get(1).id(), 2));
    assertEquals(newestFirst.subList(4, 5), list(t, ann, newestFirst.get(3).id(), 2));
    assertEquals(List.of(), list(t, ann, anns.get(0).id(), 2));
    assertEquals(List.of(), list(t, ann, null, 0));
    assertEquals(List.of(), list(t + 1, ann, null, 10), "another tenant");
  }

  @Test
  void aCampaignsEarnedRewardsListInIdOrderByStatusAfterTheCursor() {
    Campaign campaign = campaign();
    Campaign other = campaign(campaign.tenantId());
    long t = campaign.tenantId();
    CampaignReward reward = reward(t, campaign.id(), RewardType.POINTS, 1, null);
    CampaignReward elsewhere = reward(t, other.id(), RewardType.POINTS, 1, null);
    run(tx -> {
      tx.rewards().insert(reward);
      tx.rewards().insert(elsewhere);
    });
    // Five rewards of five participants, earned in id order; then 1 and 3 approved, 3 fulfilled, 4 removed.
    List<EarnedReward> all = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      all.add(insertEarned(t, campaign.id(), nextId(), reward.id(), 1, RewardType.POINTS,
          EarnedRewardStatus.PENDING));
    }
    insertEarned(t, other.id(), all.get(0).participantId(), elsewhere.id(), 1, RewardType.POINTS,
        EarnedRewardStatus.PENDING);
    assertTrue(transition(t, all.get(1).id(), EarnedRewardStatus.PENDING, EarnedRewardStatus.APPROVED, T1));
    assertTrue(transition(t, all.get(3).id(), EarnedRewardStatus.PENDING, EarnedRewardStatus.APPROVED, T1));
    assertTrue(transition(t, all.get(3).id(), EarnedRewardStatus.APPROVED, EarnedRewardStatus.FULFILLED, T2));
    assertTrue(transition(t, all.get(4).id(), EarnedRewardStatus.PENDING, EarnedRewardStatus.REMOVED, T2));
    List<EarnedReward> now = all.stream().map(e -> find(t, e.id())).toList();

    assertEquals(now, campaignList(t, campaign.id(), null, null, 10));
    assertEquals(now.subList(0, 2), campaignList(t, campaign.id(), null, null, 2));
    assertEquals(now.subList(2, 4), campaignList(t, campaign.id(), null, now.get(1).id(), 2));
    assertEquals(now.subList(4, 5), campaignList(t, campaign.id(), null, now.get(3).id(), 2));
    assertEquals(List.of(), campaignList(t, campaign.id(), null, now.get(4).id(), 2));
    assertEquals(List.of(now.get(0), now.get(2)), campaignList(t, campaign.id(), EarnedRewardStatus.PENDING, null,
        10));
    assertEquals(List.of(now.get(2)), campaignList(t, campaign.id(), EarnedRewardStatus.PENDING, now.get(0).id(),
        10));
    assertEquals(List.of(now.get(0)), campaignList(t, campaign.id(), EarnedRewardStatus.PENDING, null, 1));
    assertEquals(List.of(now.get(1)), campaignList(t, campaign.id(), EarnedRewardStatus.APPROVED, null, 10));
    assertEquals(List.of(now.get(3)), campaignList(t, campaign.id(), EarnedRewardStatus.FULFILLED, null, 10));
    assertEquals(List.of(now.get(4)), campaignList(t, campaign.id(), EarnedRewardStatus.REMOVED, null, 10));
    assertEquals(List.of(), campaignList(t, campaign.id(), EarnedRewardStatus.REMOVED, now.get(4).id(), 10));
    assertEquals(List.of(), campaignList(t, campaign.id(), null, null, 0));
    assertEquals(1, campaignList(t, other.id(), null, null, 10).size(), "the other campaign's own");
    assertEquals(List.of(), campaignList(t + 1, campaign.id(), null, null, 10), "another tenant, same campaign id");
    assertEquals(List.of(), campaignList(t + 1, campaign.id(), EarnedRewardStatus.PENDING, null, 10));

    run(tx -> tx.earnedRewards().deleteAll(t, all.get(2).participantId()));
    assertEquals(List.of(now.get(0)), campaignList(t, campaign.id(), EarnedRewardStatus.PENDING, null, 10),
        "a deleted participant's reward is gone from the list");
    assertEquals(List.of(now.get(3), now.get(4)), campaignList(t, campaign.id(), null, now.get(1).id(), 10));
  }

  @Test
  void transitionsAreCompareAndSetAndStampApprovalAndFulfilment() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    CampaignReward reward = reward(t, campaign.id(), RewardType.COUPON, 1, null);
    run(tx -> tx.rewards().insert(reward));
    EarnedReward e = earned(t, campaign.id(), nextId(), reward.id(), 1, EarnedRewardStatus.PENDING);
    assertTrue(test(tx -> tx.earnedRewards().insertIfAbsent(e, 0)));

    assertFalse(transition(t, e.id(), EarnedRewardStatus.APPROVED, EarnedRewardStatus.FULFILLED, T1));
    assertFalse(transition(t + 1, e.id(), EarnedRewardStatus.PENDING, EarnedRewardStatus.APPROVED, T1));
    assertFalse(transition(t, nextId(), EarnedRewardStatus.PENDING, EarnedRewardStatus.APPROVED, T1));
    assertEquals(e, find(t, e.id()), "a failed move changes nothing");

    EarnedReward approved = tx(tx -> tx.earnedRewards().transition(t, e.id(), EarnedRewardStatus.PENDING,
        EarnedRewardStatus.APPROVED, T1.plusNanos(1))).orElseThrow();
    assertEquals(find(t, e.id()), approved, "a move returns the reward as stored after it");
    assertEquals(EarnedRewardStatus.APPROVED, approved.status());
    assertEquals(stored(T1.plusNanos(1)), approved.approvedAt(), "stamped as instants are stored");
    assertNull(approved.fulfilledAt());
    assertFalse(transition(t, e.id(), EarnedRewardStatus.PENDING, EarnedRewardStatus.REMOVED, T2));

    EarnedReward fulfilled = tx(tx -> tx.earnedRewards().transition(t, e.id(), EarnedRewardStatus.APPROVED,
        EarnedRewardStatus.FULFILLED, T2)).orElseThrow();
    assertEquals(find(t, e.id()), fulfilled);
    assertEquals(EarnedRewardStatus.FULFILLED, fulfilled.status());
    assertEquals(approved.approvedAt(), fulfilled.approvedAt(), "approval time kept");
    assertEquals(T2, fulfilled.fulfilledAt());
    assertEquals(e.earnedAt(), fulfilled.earnedAt());

    EarnedReward other = earned(t, campaign.id(), nextId(), reward.id(), 1, EarnedRewardStatus.PENDING);
    assertTrue(test(tx -> tx.earnedRewards().insertIfAbsent(other, 0)));
    assertTrue(transition(t, other.id(), EarnedRewardStatus.PENDING, EarnedRewardStatus.REMOVED, T2));
    EarnedReward removed = find(t, other.id());
    assertEquals(EarnedRewardStatus.REMOVED, removed.status());
    assertNull(removed.approvedAt());
    assertNull(removed.fulfilledAt());
  }

  @Test
  void couponsWaitingReasonsReadFlagsCountsAndWinners() {
    Campaign campaign = campaign();
    Campaign other = campaign(campaign.tenantId());
    long t = campaign.tenantId();
    CampaignReward coupon = reward(t, campaign.id(), RewardType.COUPON, 1, null);
    CampaignReward points = reward(t, campaign.id(), RewardType.POINTS, 1, null);
    CampaignReward elsewhere = reward(t, other.id(), RewardType.COUPON, 1, null);
    run(tx -> {
      tx.rewards().insert(coupon);
      tx.rewards().insert(points);
      tx.rewards().insert(elsewhere);
    });
    long ann = nextId();
    long bob = nextId();
    long cid = nextId();
    EarnedReward a1 = insertEarned(t, campaign.id(), ann, coupon.id(), 1, RewardType.COUPON,
        EarnedRewardStatus.APPROVED);
    EarnedReward a2 = insertEarned(t, campaign.id(), ann, coupon.id(), 2, RewardType.COUPON,
        EarnedRewardStatus.APPROVED);
    EarnedReward a3 = insertEarned(t, campaign.id(), ann, points.id(), 1, RewardType.POINTS,
        EarnedRewardStatus.APPROVED);
    EarnedReward b1 = insertEarned(t, campaign.id(), bob, coupon.id(), 1, RewardType.COUPON,
        EarnedRewardStatus.PENDING);
    EarnedReward c1 = insertEarned(t, other.id(), cid, elsewhere.id(), 1, RewardType.COUPON,
        EarnedRewardStatus.APPROVED);

    assertEquals(List.of(a1, a2), tx(tx -> tx.earnedRewards().waitingForCoupon(t, campaign.id(), 10)));
    assertEquals(List.of(a1), tx(tx -> tx.earnedRewards().waitingForCoupon(t, campaign.id(), 1)));
    assertEquals(List.of(c1), tx(tx -> tx.earnedRewards().waitingForCoupon(t, other.id(), 10)));
    assertEquals(List.of(), tx(tx -> tx.earnedRewards().waitingForCoupon(t + 1, campaign.id(), 10)));

    EarnedReward reasoned = tx(tx -> tx.earnedRewards().setCoupon(t, a1.id(), null, "coupon pool empty"))
        .orElseThrow();
    assertEquals(find(t, a1.id()), reasoned, "the reward as stored after the change");
    assertEquals("coupon pool empty", find(t, a1.id()).waitingReason());
    assertNull(find(t, a1.id()).couponCode());
    assertEquals(List.of(a1.id(), a2.id()), tx(tx -> tx.earnedRewards().waitingForCoupon(t, campaign.id(), 10))
        .stream().map(EarnedReward::id).toList(), "still waiting, with a reason");
    EarnedReward given = tx(tx -> tx.earnedRewards().setCoupon(t, a1.id(), "SPRING-1", null)).orElseThrow();
    assertEquals(find(t, a1.id()), given, "the reward as stored after the change");
    assertEquals("SPRING-1", find(t, a1.id()).couponCode());
    assertNull(find(t, a1.id()).waitingReason(), "the code clears the reason");
    run(tx -> tx.earnedRewards().setCoupon(t, a2.id(), "SPRING-2", "ignored with a code"));
    assertNull(find(t, a2.id()).waitingReason());
    assertEquals(Optional.empty(), tx(tx -> tx.earnedRewards().setCoupon(t + 1, b1.id(), "OTHER", null)));
    assertNull(find(t, b1.id()).couponCode(), "another tenant's reward is not touched");
    assertEquals(Optional.empty(), tx(tx -> tx.earnedRewards().setCoupon(t, nextId(), null, "absent")));
    assertEquals(List.of(), tx(tx -> tx.earnedRewards().waitingForCoupon(t, campaign.id(), 10)));

    assertTrue(find(t, a3.id()).unread());
    assertTrue(test(tx -> tx.earnedRewards().markRead(t, a3.id())));
    assertFalse(find(t, a3.id()).unread());
    assertTrue(test(tx -> tx.earnedRewards().markRead(t, a3.id())), "it exists, read or not");
    assertFalse(test(tx -> tx.earnedRewards().markRead(t + 1, a1.id())));
    assertFalse(test(tx -> tx.earnedRewards().markRead(t, nextId())));

    assertEquals(3L, countByStatus(t, ann, EarnedRewardStatus.APPROVED));
    assertEquals(0L, countByStatus(t, ann, EarnedRewardStatus.PENDING));
    assertEquals(1L, countByStatus(t, bob, EarnedRewardStatus.PENDING));
    assertEquals(0L, countByStatus(t + 1, ann, EarnedRewardStatus.APPROVED));
    assertTrue(test(tx -> tx.earnedRewards().isWinner(t, ann)));
    assertTrue(test(tx -> tx.earnedRewards().isWinner(t, bob)));
    assertFalse(test(tx -> tx.earnedRewards().isWinner(t, nextId())));
    assertFalse(test(tx -> tx.earnedRewards().isWinner(t + 1, ann)));
    assertEquals(2L, (long) tx(tx -> tx.earnedRewards().winners(t, campaign.id())), "ann once, and bob");
    assertEquals(1L, (long) tx(tx -> tx.earnedRewards().winners(t, other.id())));

    assertTrue(transition(t, b1.id(), EarnedRewardStatus.PENDING, EarnedRewardStatus.REMOVED, T1));
    assertFalse(test(tx -> tx.earnedRewards().isWinner(t, bob)), "a removed reward does not make a winner");
    assertEquals(1L, (long) tx(tx -> tx.earnedRewards().winners(t, campaign.id())));
    assertEquals(1L, countByStatus(t, bob, EarnedRewardStatus.REMOVED));
  }

  @Test
  void deleteAllRemovesOneParticipantsEarnedRewardsAndFreesTheirCycles() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    CampaignReward reward = reward(t, campaign.id(), RewardType.POINTS, 1, null);
    run(tx -> tx.rewards().insert(reward));
    long ann = nextId();
    long bob = nextId();
    long action = nextId();
    EarnedReward a = earned(t, campaign.id(), ann, reward.id(), 1, EarnedRewardStatus.APPROVED);
    EarnedReward b = earned(t, campaign.id(), bob, reward.id(), 1, EarnedRewardStatus.APPROVED);
    run(tx -> {
      tx.earnedRewards().insertIfAbsent(a, action);
      tx.earnedRewards().insertIfAbsent(b, action);
    });
    run(tx -> tx.earnedRewards().deleteAll(t + 1, ann));
    assertEquals(Optional.of(a), tx(tx -> tx.earnedRewards().find(t, a.id())), "another tenant's delete");
    run(tx -> tx.earnedRewards().deleteAll(t, ann));
    assertEquals(Optional.empty(), tx(tx -> tx.earnedRewards().find(t, a.id())));
    assertEquals(List.of(b), tx(tx -> tx.earnedRewards().unlockedBy(t, action)));
    assertEquals(List.of(), list(t, ann, null, 10));
    assertFalse(test(tx -> tx.earnedRewards().isWinner(t, ann)));
    assertEquals(1L, (long) tx(tx -> tx.earnedRewards().winners(t, campaign.id())));
    assertTrue(test(tx -> tx.earnedRewards().insertIfAbsent(earned(t, campaign.id(), ann, reward.id(), 1,
        EarnedRewardStatus.PENDING), 0)), "the cycle is free again");
  }

  @Test
  void concurrentInsertsOfOneCycleInsertItOnce() throws Exception {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    CampaignReward reward = reward(t, campaign.id(), RewardType.POINTS, 1, null);
    run(tx -> tx.rewards().insert(reward));
    int cycles = 25;
    int racers = 8;
    long participant = nextId();
    Map<Integer, AtomicInteger> inserted = new ConcurrentHashMap<>();
    concurrently(cycles * racers, (instance, i) -> {
      int cycle = 1 + i / racers;
      EarnedReward e = earned(t, campaign.id(), participant, reward.id(), cycle, EarnedRewardStatus.PENDING);
      if (instance.inTransaction(tx -> tx.earnedRewards().insertIfAbsent(e, 0))) {
        inserted.computeIfAbsent(cycle, c -> new AtomicInteger()).incrementAndGet();
      }
    });
    assertEquals(cycles, inserted.size());
    inserted.forEach((cycle, times) -> assertEquals(1, times.get(), "cycle " + cycle));
    assertEquals(cycles, list(t, participant, null, 100).size());
  }

  @Test
  void ofTwoConcurrentMovesOfOneRewardExactlyOneWins() throws Exception {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    CampaignReward reward = reward(t, campaign.id(), RewardType.POINTS, 1, null);
    run(tx -> tx.rewards().insert(reward));
    int rewards = 100;
    List<EarnedReward> pending = new ArrayList<>();
    run(tx -> {
      for (int i = 0; i < rewards; i++) {
        EarnedReward e = earned(t, campaign.id(), nextId(), reward.id(), 1, EarnedRewardStatus.PENDING);
        tx.earnedRewards().insertIfAbsent(e, 0);
        pending.add(e);
      }
    });
    Map<Long, EarnedRewardStatus> winners = new ConcurrentHashMap<>();
    List<Long> doubleWins = Collections.synchronizedList(new ArrayList<>());
    // Each reward is approved by one worker and removed by another, at once.
    concurrently(rewards * 2, (instance, i) -> {
      EarnedReward e = pending.get(i / 2);
      EarnedRewardStatus to = i % 2 == 0 ? EarnedRewardStatus.APPROVED : EarnedRewardStatus.REMOVED;
      if (instance.inTransaction(tx -> tx.earnedRewards().transition(t, e.id(), EarnedRewardStatus.PENDING, to,
          T1)).isPresent() && winners.put(e.id(), to) != null) {
        doubleWins.add(e.id());
      }
    });
    assertEquals(List.of(), doubleWins);
    assertEquals(rewards, winners.size());
    for (EarnedReward e : pending) {
      EarnedReward now = find(t, e.id());
      assertEquals(winners.get(e.id()), now.status());
      assertEquals(now.status() == EarnedRewardStatus.APPROVED ? T1 : null, now.approvedAt());
    }
  }

  @Test
  void aMoveWaitsForAConcurrentMoveOfTheSameRewardAndThenFails() throws Exception {
    assumeSharedDatabase();
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    CampaignReward reward = reward(t, campaign.id(), RewardType.POINTS, 1, null);
    run(tx -> tx.rewards().insert(reward));
    EarnedReward e = earned(t, campaign.id(), nextId(), reward.id(), 1, EarnedRewardStatus.PENDING);
    assertTrue(test(tx -> tx.earnedRewards().insertIfAbsent(e, 0)));
    Storage second = fixture().openStorage();
    CountDownLatch moved = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      Future<Boolean> approve = threads.submit(() -> storage().inTransaction(tx -> {
        boolean ok = tx.earnedRewards().transition(t, e.id(), EarnedRewardStatus.PENDING,
            EarnedRewardStatus.APPROVED, T1).isPresent();
        moved.countDown();
        await(release);
        return ok;
      }));
      await(moved);
      Started<Boolean> remove = start(threads, () -> second.inTransaction(tx -> tx.earnedRewards().transition(t,
          e.id(), EarnedRewardStatus.PENDING, EarnedRewardStatus.REMOVED, T2).isPresent()));
      // The second move must wait for the first one's (uncommitted) row, not pass it by.
      awaitBlockedOnALock(remove.thread());
      release.countDown();
      assertTrue(approve.get(60, TimeUnit.SECONDS));
      assertFalse(remove.get(), "it re-read the status after the first move committed");
    } finally {
      release.countDown();
      threads.shutdownNow();
      second.close();
    }
    assertEquals(EarnedRewardStatus.APPROVED, find(t, e.id()).status());
  }

  // ---------------------------------------------------------------- coupon pools

  @Test
  void aPoolHoldsEachCodeOnceAndAssignsTheLowestFreeIdFirst() {
    Campaign campaign = campaign();
    Campaign other = campaign(campaign.tenantId());
    long t = campaign.tenantId();
    long c = campaign.id();
    run(tx -> {
      insertCode(tx, t, c, 30, "THIRD", T0);
      insertCode(tx, t, c, 10, "FIRST-Zoë-😀", T0);
      insertCode(tx, t, c, 20, "second", T0);
      insertCode(tx, t, other.id(), 5, "FIRST-Zoë-😀", T0);
    });
    assertEquals(List.of("second", "FIRST-Zoë-😀"), tx(tx -> tx.coupons().existing(t, c,
        List.of("NEW", "second", "FIRST-Zoë-😀", "second", "SECOND"))), "in the order asked, once each, exact case");
    assertEquals(List.of(), tx(tx -> tx.coupons().existing(t, c, List.of())));
    assertEquals(List.of(), tx(tx -> tx.coupons().existing(t + 1, c, List.of("THIRD"))));
    assertEquals(List.of(), tx(tx -> tx.coupons().existing(t, other.id(), List.of("THIRD"))));
    UniqueViolationException duplicate = assertThrows(UniqueViolationException.class,
        () -> run(tx -> insertCode(tx, t, c, 40, "THIRD", T0)));
    assertEquals(UniqueKey.COUPON_CODE, duplicate.key());
    assertThrows(StorageException.class, () -> run(tx -> insertCode(tx, t + 1, c, 50, "X", T0)),
        "a pool needs its campaign in its tenant");
    assertEquals(3L, (long) tx(tx -> tx.coupons().remaining(t, c)));
    assertEquals(1L, (long) tx(tx -> tx.coupons().remaining(t, other.id())));
    assertEquals(0L, (long) tx(tx -> tx.coupons().remaining(t + 1, c)));
    assertEquals(List.of(2L, 1L, 0L), tx(tx -> List.of(tx.coupons().countAfter(t, c, "FIRST-Zoë-😀", 10),
        tx.coupons().countAfter(t, c, "second", 10), tx.coupons().countAfter(t, c, "THIRD", 10))),
        "after, in id order");
    assertEquals(1L, (long) tx(tx -> tx.coupons().countAfter(t, c, "FIRST-Zoë-😀", 1)), "up to the bound");
    assertEquals(List.of(0L, 0L, 0L), tx(tx -> List.of(tx.coupons().countAfter(t, c, "SECOND", 10),
        tx.coupons().countAfter(t, other.id(), "second", 10), tx.coupons().countAfter(t + 1, c, "FIRST-Zoë-😀", 10))),
        "a code the pool does not hold (exact case; another pool; another tenant)");
    assertEquals(List.of(0L, 1L, 2L), tx(tx -> List.of(tx.coupons().countBefore(t, c, "FIRST-Zoë-😀", 10),
        tx.coupons().countBefore(t, c, "second", 10), tx.coupons().countBefore(t, c, "THIRD", 10))),
        "before, in id order");
    assertEquals(1L, (long) tx(tx -> tx.coupons().countBefore(t, c, "THIRD", 1)), "up to the bound");
    assertEquals(List.of(0L, 0L, 0L), tx(tx -> List.of(tx.coupons().countBefore(t, c, "third", 10),
        tx.coupons().countBefore(t, other.id(), "second", 10), tx.coupons().countBefore(t + 1, c, "THIRD", 10))),
        "a code the pool does not hold (exact case; another pool; another tenant)");

    long ann = nextId();
    long r1 = nextId();
    long r2 = nextId();
    assertEquals(Optional.of("FIRST-Zoë-😀"), assign(t, c, r1, ann, T1.plusNanos(1)));
    assertEquals(Optional.of("second"), assign(t, c, r2, ann, T2));
    assertEquals(1L, (long) tx(tx -> tx.coupons().remaining(t, c)));
    assertEquals(1L, (long) tx(tx -> tx.coupons().remaining(t, other.id())), "another campaign's pool");
    assertThrows(TransientStorageException.class, () -> assign(t, c, r1, ann, T2), "a reward gets one code only");
    assertEquals(1L, (long) tx(tx -> tx.coupons().remaining(t, c)), "and the failed assignment took nothing");
    assertEquals(2L, (long) tx(tx -> tx.coupons().countAfter(t, c, "FIRST-Zoë-😀", 10)), "assigned codes count too");
    assertEquals(2L, (long) tx(tx -> tx.coupons().countBefore(t, c, "THIRD", 10)), "assigned codes count too");

    List<AssignedCoupon> assigned = List.of(
        new AssignedCoupon(10, "FIRST-Zoë-😀", r1, ann, stored(T1.plusNanos(1))),
        new AssignedCoupon(20, "second", r2, ann, T2));
    assertEquals(assigned, tx(tx -> tx.coupons().assigned(t, c, null, 10)));
    assertEquals(assigned.subList(0, 1), tx(tx -> tx.coupons().assigned(t, c, null, 1)));
    assertEquals(assigned.subList(1, 2), tx(tx -> tx.coupons().assigned(t, c, 10L, 10)));
    assertEquals(List.of(), tx(tx -> tx.coupons().assigned(t, c, 20L, 10)));
    assertEquals(List.of(), tx(tx -> tx.coupons().assigned(t, other.id(), null, 10)));

    assertEquals(Optional.of("THIRD"), assign(t, c, nextId(), ann, T2));
    assertEquals(Optional.empty(), assign(t, c, nextId(), ann, T2), "the pool is empty");
    assertEquals(Optional.empty(), assign(t + 1, other.id(), nextId(), ann, T2), "another tenant's pool");
    assertEquals(0L, (long) tx(tx -> tx.coupons().remaining(t, c)));
    assertEquals(3, tx(tx -> tx.coupons().assigned(t, c, null, 10)).size());
    run(tx -> insertCode(tx, t, c, 40, "LATE", T2));
    assertEquals(Optional.of("LATE"), assign(t, c, nextId(), ann, T2), "an upload refills the pool");
  }

  @Test
  void insertAllAddsEveryCodeOrFailsTheUnitOfWorkOnACodeThePoolHolds() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    List<NewCode> codes = new ArrayList<>();
    for (int i = 1; i <= 1_200; i++) {
      codes.add(new NewCode(i, "BATCH-" + i));
    }
    run(tx -> {
      tx.coupons().insertAll(t, c, codes, T0);
      tx.coupons().insertAll(t, c, List.of(), T0);
    });
    assertEquals(1_200L, (long) tx(tx -> tx.coupons().remaining(t, c)));
    assertEquals(List.of("BATCH-1200", "BATCH-1"),
        tx(tx -> tx.coupons().existing(t, c, List.of("BATCH-1200", "BATCH-0", "BATCH-1"))));
    assertEquals(Optional.of("BATCH-1"), assign(t, c, nextId(), 7L, T1), "the lowest id first");

    UniqueViolationException inPool = assertThrows(UniqueViolationException.class, () -> run(tx ->
        tx.coupons().insertAll(t, c, List.of(new NewCode(2_001, "NEW-1"), new NewCode(2_002, "BATCH-600")), T1)));
    assertEquals(UniqueKey.COUPON_CODE, inPool.key());
    UniqueViolationException twice = assertThrows(UniqueViolationException.class, () -> run(tx ->
        tx.coupons().insertAll(t, c, List.of(new NewCode(2_003, "NEW-2"), new NewCode(2_004, "NEW-2")), T1)));
    assertEquals(UniqueKey.COUPON_CODE, twice.key());
    assertEquals(List.of(), tx(tx -> tx.coupons().existing(t, c, List.of("NEW-1", "NEW-2"))),
        "a failed batch adds nothing");
    assertEquals(1_199L, (long) tx(tx -> tx.coupons().remaining(t, c)));
    assertThrows(NullPointerException.class, () -> new NewCode(1, null));
  }

  @Test
  void ofTwoConcurrentAssignmentsToOneRewardTheSecondFailsAsTransientAndTakesNoCode() throws Exception {
    assumeSharedDatabase();
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    run(tx -> {
      for (int i = 1; i <= 3; i++) {
        insertCode(tx, t, c, i, "CODE-" + i, T0);
      }
    });
    long reward = nextId();
    Storage second = fixture().openStorage();
    CountDownLatch assigned = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      Future<Optional<String>> first = threads.submit(() -> storage().inTransaction(tx -> {
        Optional<String> code = tx.coupons().assignNext(t, c, reward, 7L, T1);
        assigned.countDown();
        await(release);
        return code;
      }));
      await(assigned);
      Started<Optional<String>> other = start(threads, () -> second.inTransaction(tx ->
          tx.coupons().assignNext(t, c, reward, 7L, T1)));
      // The second assignment must wait for the first one's (uncommitted) code, not pass it by.
      awaitBlockedOnALock(other.thread());
      release.countDown();
      assertEquals(Optional.of("CODE-1"), first.get(60, TimeUnit.SECONDS));
      ExecutionException e = assertThrows(ExecutionException.class, () -> other.get());
      assertInstanceOf(TransientStorageException.class, e.getCause(), "a lost race: the engine retries the work");
    } finally {
      release.countDown();
      threads.shutdownNow();
      second.close();
    }
    assertEquals(2L, (long) tx(tx -> tx.coupons().remaining(t, c)), "the loser took no code");
    assertEquals(List.of(new AssignedCoupon(1, "CODE-1", reward, 7L, T1)), tx(tx -> tx.coupons().assigned(t, c,
        null, 10)));
  }

  @Test
  void anAssignmentFindingOnlyACodeBeingAssignedWaitsAndTakesItIfThatAssignmentRollsBack() throws Exception {
    assumeSharedDatabase();
    Storage second = fixture().openStorage();
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      for (boolean rollsBack : new boolean[] {true, false}) {
        Campaign campaign = campaign();
        long t = campaign.tenantId();
        long c = campaign.id();
        run(tx -> insertCode(tx, t, c, 1, "CODE-ONLY", T0));
        long holderReward = nextId();
        long waiterReward = nextId();
        CountDownLatch assigned = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<Optional<String>> holder = threads.submit(() -> storage().inTransaction(tx -> {
          Optional<String> code = tx.coupons().assignNext(t, c, holderReward, 7L, T1);
          assigned.countDown();
          await(release);
          if (rollsBack) {
            throw new IllegalStateException("the holder's work fails: its assignment rolls back");
          }
          return code;
        }));
        await(assigned);
        Started<Optional<String>> waiter = start(threads, () -> second.inTransaction(tx ->
            tx.coupons().assignNext(t, c, waiterReward, 8L, T1)));
        // The pool's only code is being assigned: the waiter must wait for it, not report an empty pool.
        awaitBlockedOnALock(waiter.thread());
        release.countDown();
        AssignedCoupon expected;
        if (rollsBack) {
          ExecutionException failed = assertThrows(ExecutionException.class, () -> holder.get(60, TimeUnit.SECONDS));
          assertInstanceOf(IllegalStateException.class, failed.getCause());
          assertEquals(Optional.of("CODE-ONLY"), waiter.get(), "the code was free again");
          expected = new AssignedCoupon(1, "CODE-ONLY", waiterReward, 8L, T1);
        } else {
          assertEquals(Optional.of("CODE-ONLY"), holder.get(60, TimeUnit.SECONDS));
          assertEquals(Optional.empty(), waiter.get(), "the code was taken: the pool is empty");
          expected = new AssignedCoupon(1, "CODE-ONLY", holderReward, 7L, T1);
        }
        assertEquals(List.of(expected), tx(tx -> tx.coupons().assigned(t, c, null, 10)));
        assertEquals(0L, (long) tx(tx -> tx.coupons().remaining(t, c)));
      }
    } finally {
      threads.shutdownNow();
      second.close();
    }
  }

  @Test
  void concurrentAssignmentsHandEachCodeOutOnce() throws Exception {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    int codes = 1_000;
    int attempts = 1_200;
    run(tx -> {
      for (int i = 1; i <= codes; i++) {
        insertCode(tx, t, c, i, "CODE-" + i, T0);
      }
    });
    Map<String, Long> given = new ConcurrentHashMap<>();
    Set<String> twice = ConcurrentHashMap.newKeySet();
    AtomicInteger empty = new AtomicInteger();
    long firstReward = nextIds(attempts);
    concurrently(attempts, (instance, i) -> {
      long reward = firstReward + i;
      Optional<String> code = instance.inTransaction(tx -> tx.coupons().assignNext(t, c, reward, 7L, T1));
      if (code.isEmpty()) {
        empty.incrementAndGet();
      } else if (given.put(code.get(), reward) != null) {
        twice.add(code.get());
      }
    });
    assertEquals(Set.of(), twice, "codes assigned twice");
    assertEquals(codes, given.size());
    assertEquals(attempts - codes, empty.get());
    assertEquals(0L, (long) tx(tx -> tx.coupons().remaining(t, c)));
    List<AssignedCoupon> listed = new ArrayList<>();
    Long after = null;
    while (true) {
      Long cursor = after;
      List<AssignedCoupon> page = tx(tx -> tx.coupons().assigned(t, c, cursor, 100));
      if (page.isEmpty()) {
        break;
      }
      listed.addAll(page);
      after = page.get(page.size() - 1).id();
    }
    assertEquals(codes, listed.size());
    Set<Long> rewards = new HashSet<>();
    for (AssignedCoupon a : listed) {
      assertEquals("CODE-" + a.id(), a.code());
      assertEquals(given.get(a.code()), a.earnedRewardId(), "listed with the reward it went to");
      assertTrue(rewards.add(a.earnedRewardId()));
    }
  }

  // ---------------------------------------------------------------- catalog

  @Test
  void catalogRewardsRoundTripAndListWithFilters() {
    Campaign campaign = campaign();
    Campaign other = campaign(campaign.tenantId());
    long t = campaign.tenantId();
    CatalogReward mug = new CatalogReward(nextId(), t, campaign.id(), "Mug — Zoë's 😀", "A 'big' \"mug\"", 100,
        RewardType.CUSTOM_MESSAGE, 0L, true, T0.plusNanos(1));
    CatalogReward tea = new CatalogReward(nextId(), t, campaign.id(), "Tea", null, Long.MAX_VALUE, RewardType.COUPON,
        null, false, T1);
    CatalogReward cash = new CatalogReward(nextId(), t, campaign.id(), "Cash", null, 1, RewardType.CASH,
        1_000_000_000L, true, T2);
    CatalogReward elsewhere = new CatalogReward(nextId(), t, other.id(), "Else", null, 1, RewardType.CASH, null, true,
        T2);
    run(tx -> {
      tx.catalog().insert(mug);
      tx.catalog().insert(tea);
      tx.catalog().insert(cash);
      tx.catalog().insert(elsewhere);
    });
    CatalogReward mugRead = stored(mug);
    assertEquals(Optional.of(mugRead), tx(tx -> tx.catalog().find(t, mug.id())));
    assertEquals(Optional.of(tea), tx(tx -> tx.catalog().find(t, tea.id())));
    assertEquals(Optional.empty(), tx(tx -> tx.catalog().find(t + 1, mug.id())));
    assertEquals(List.of(mugRead, tea, cash), listCatalog(t, campaign.id(), null, null));
    assertEquals(List.of(mugRead, cash), listCatalog(t, campaign.id(), true, null));
    assertEquals(List.of(tea), listCatalog(t, campaign.id(), false, null));
    assertEquals(List.of(cash), listCatalog(t, campaign.id(), null, RewardType.CASH));
    assertEquals(List.of(), listCatalog(t, campaign.id(), false, RewardType.CASH));
    assertEquals(List.of(elsewhere), listCatalog(t, other.id(), true, RewardType.CASH));
    assertEquals(List.of(), listCatalog(t + 1, campaign.id(), null, null));

    assertTrue(test(tx -> tx.catalog().setActive(t, tea.id(), true)));
    assertTrue(tx(tx -> tx.catalog().find(t, tea.id())).orElseThrow().active());
    assertTrue(test(tx -> tx.catalog().setActive(t, tea.id(), true)), "it exists, changed or not");
    assertFalse(test(tx -> tx.catalog().setActive(t + 1, tea.id(), false)));
    assertFalse(test(tx -> tx.catalog().setActive(t, nextId(), false)));
    assertTrue(tx(tx -> tx.catalog().find(t, tea.id())).orElseThrow().active());

    assertThrows(StorageException.class, () -> run(tx -> tx.catalog().insert(new CatalogReward(nextId(), t,
        campaign.id(), "Negative", null, 1, RewardType.CASH, -1L, true, T0))), "stock is never below zero");
    assertThrows(StorageException.class, () -> run(tx -> tx.catalog().insert(new CatalogReward(nextId(), t + 1,
        campaign.id(), "Orphan", null, 1, RewardType.CASH, 1L, true, T0))), "a catalog needs its campaign");
  }

  @Test
  void takeStockTakesOneUnitOfAnActiveRewardAndNeverGoesBelowZero() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    CatalogReward two = catalog(t, campaign.id(), 2L, true);
    CatalogReward unlimited = catalog(t, campaign.id(), null, true);
    CatalogReward inactive = catalog(t, campaign.id(), 5L, false);
    CatalogReward none = catalog(t, campaign.id(), 0L, true);
    Optional<CatalogReward> taken = tx(tx -> tx.catalog().takeStock(t, two.id()));
    assertEquals(Optional.of(withStock(two, 1L)), taken, "the row as written, every other field as it was");
    assertEquals(taken, tx(tx -> tx.catalog().find(t, two.id())));
    assertTrue(takeStock(t, two.id()));
    assertFalse(takeStock(t, two.id()));
    assertEquals(0L, stock(t, two.id()));
    for (int i = 0; i < 3; i++) {
      assertTrue(takeStock(t, unlimited.id()));
    }
    assertNull(stock(t, unlimited.id()), "unlimited stays unlimited");
    assertFalse(takeStock(t, inactive.id()));
    assertEquals(5L, stock(t, inactive.id()));
    assertFalse(takeStock(t, none.id()));
    assertFalse(takeStock(t + 1, unlimited.id()), "another tenant's reward");
    assertFalse(takeStock(t, nextId()));
    assertThrows(IllegalStateException.class, () -> storage().inTransaction(tx -> {
      assertFalse(tx.catalog().takeStock(t, inactive.id()).isPresent());
      assertTrue(tx.catalog().setActive(t, inactive.id(), true));
      assertTrue(tx.catalog().takeStock(t, inactive.id()).isPresent());
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(5L, stock(t, inactive.id()), "a rolled-back unit is back");
    assertFalse(tx(tx -> tx.catalog().find(t, inactive.id())).orElseThrow().active());
  }

  @Test
  void adjustStockAddsOrRemovesUnitsWithinZeroAndTheBoundAndReturnsTheRowItWrote() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long max = 1_000_000_000L;
    CatalogReward five = catalog(t, campaign.id(), 5L, true);
    CatalogReward inactive = catalog(t, campaign.id(), 2L, false);
    CatalogReward unlimited = catalog(t, campaign.id(), null, true);

    CatalogReward eight = adjustStock(t, five.id(), 3, max).orElseThrow();
    assertEquals(withStock(five, 8L), eight, "every other field as it was");
    assertEquals(Optional.of(eight), tx(tx -> tx.catalog().find(t, five.id())), "returned as stored");
    assertEquals(Optional.of(withStock(five, 0L)), adjustStock(t, five.id(), -8, max), "down to zero exactly");
    assertEquals(Optional.empty(), adjustStock(t, five.id(), -1, max), "never below zero");
    assertEquals(0L, stock(t, five.id()));
    assertEquals(Optional.of(withStock(five, max)), adjustStock(t, five.id(), max, max), "up to the bound exactly");
    assertEquals(Optional.empty(), adjustStock(t, five.id(), 1, max), "never above the bound");
    assertEquals(max, stock(t, five.id()));
    assertEquals(Optional.of(withStock(five, 0L)), adjustStock(t, five.id(), -max, max));
    assertEquals(Optional.empty(), adjustStock(t, five.id(), 11, 10), "the bound is the caller's");

    assertEquals(Optional.of(withStock(inactive, 3L)), adjustStock(t, inactive.id(), 1, max),
        "an inactive reward is adjusted, and stays inactive");
    assertEquals(Optional.empty(), adjustStock(t, unlimited.id(), 1, max), "an unlimited stock is never adjusted");
    assertEquals(Optional.empty(), adjustStock(t, unlimited.id(), -1, max));
    assertNull(stock(t, unlimited.id()), "unlimited stays unlimited");
    assertEquals(Optional.empty(), adjustStock(t + 1, inactive.id(), 1, max), "another tenant's reward");
    assertEquals(Optional.empty(), adjustStock(t, nextId(), 1, max));
    assertEquals(3L, stock(t, inactive.id()));

    assertThrows(IllegalStateException.class, () -> storage().inTransaction(tx -> {
      assertEquals(13L, tx.catalog().adjustStock(t, inactive.id(), 10, max).orElseThrow().stock());
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(3L, stock(t, inactive.id()), "a rolled-back adjustment is undone");
  }

  @Test
  void updateReplacesNameDescriptionAndCostOnlyAndReturnsTheRowItWrote() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    CatalogReward mug = new CatalogReward(nextId(), t, campaign.id(), "Mug", "A mug", 100, RewardType.CASH, 7L,
        false, T0);
    run(tx -> tx.catalog().insert(mug));

    CatalogReward renamed = tx(tx -> tx.catalog().update(t, mug.id(),
        new CatalogRewardUpdate("Mug — Zoë's 😀", null, Long.MAX_VALUE))).orElseThrow();
    assertEquals(new CatalogReward(mug.id(), t, campaign.id(), "Mug — Zoë's 😀", null, Long.MAX_VALUE,
        RewardType.CASH, 7L, false, T0), renamed, "type, stock, activity and creation time as they were");
    assertEquals(Optional.of(renamed), tx(tx -> tx.catalog().find(t, mug.id())), "returned as stored");
    CatalogReward described = tx(tx -> tx.catalog().update(t, mug.id(),
        new CatalogRewardUpdate("Mug", "A 'big' \"mug\"", 1))).orElseThrow();
    assertEquals("A 'big' \"mug\"", described.description());
    assertEquals(1, described.pointsCost());

    assertEquals(Optional.empty(), tx(tx -> tx.catalog().update(t + 1, mug.id(),
        new CatalogRewardUpdate("Other", null, 5))), "another tenant's reward");
    assertEquals(Optional.empty(), tx(tx -> tx.catalog().update(t, nextId(), new CatalogRewardUpdate("X", null, 5))));
    assertEquals(Optional.of(described), tx(tx -> tx.catalog().find(t, mug.id())));
    assertThrows(IllegalStateException.class, () -> storage().inTransaction(tx -> {
      tx.catalog().update(t, mug.id(), new CatalogRewardUpdate("Gone", "soon", 9));
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(Optional.of(described), tx(tx -> tx.catalog().find(t, mug.id())), "a rolled-back update is undone");
  }

  @Test
  void redemptionsRoundTripAndAreFoundByTheirTenantsIdempotencyKey() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    CatalogReward mug = catalog(t, campaign.id(), null, true);
    Redemption keyed = new Redemption(nextId(), t, mug.id(), 11L, 100, 12L, Long.MAX_VALUE, "redeem-Zoë-1", T0,
        true);
    Redemption bare = new Redemption(nextId(), t, mug.id(), 11L, 1, 13L, 0, null, T1, false);
    Redemption bareToo = new Redemption(nextId(), t, mug.id(), 11L, 1, 14L, 0, null, T1, false);
    run(tx -> {
      tx.catalog().insertRedemption(keyed);
      tx.catalog().insertRedemption(bare);
      tx.catalog().insertRedemption(bareToo);
    });
    assertEquals(Optional.of(new Redemption(keyed.id(), t, mug.id(), 11L, 100, 12L, Long.MAX_VALUE, "redeem-Zoë-1",
        T0, false)), tx(tx -> tx.catalog().findRedemptionByKey(t, "redeem-Zoë-1")), "replayed is not stored");
    assertEquals(Optional.empty(), tx(tx -> tx.catalog().findRedemptionByKey(t + 1, "redeem-Zoë-1")));
    assertEquals(Optional.empty(), tx(tx -> tx.catalog().findRedemptionByKey(t, "redeem-zoë-1")));
    assertEquals(Optional.empty(), tx(tx -> tx.catalog().findRedemptionByKey(t, null)));
    UniqueViolationException e = assertThrows(UniqueViolationException.class, () -> run(tx ->
        tx.catalog().insertRedemption(new Redemption(nextId(), t, mug.id(), 15L, 1, 16L, 0, "redeem-Zoë-1", T2,
            false))));
    assertEquals(UniqueKey.REDEMPTION_IDEMPOTENCY_KEY, e.key());
    assertThrows(StorageException.class, () -> run(tx -> tx.catalog().insertRedemption(new Redemption(nextId(), t,
        nextId(), 15L, 1, 16L, 0, null, T2, false))), "a redemption needs its catalog reward");
  }

  @Test
  void aRewardsRedemptionsListInIdOrderAndAParticipantsNewestFirstAfterTheCursor() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    CatalogReward mug = catalog(t, campaign.id(), null, true);
    CatalogReward tin = catalog(t, campaign.id(), null, true);
    long ann = nextId();
    long bob = nextId();
    // In id order: ann's mug, bob's mug, ann's tin, ann's mug again, bob's tin.
    List<Redemption> all = List.of(
        new Redemption(nextId(), t, mug.id(), ann, 10, nextId(), 90, "r-1", T0, false),
        new Redemption(nextId(), t, mug.id(), bob, 10, nextId(), 5, null, T1, false),
        new Redemption(nextId(), t, tin.id(), ann, 20, nextId(), 70, null, T1, false),
        new Redemption(nextId(), t, mug.id(), ann, 10, nextId(), 60, "r-4", T2, false),
        new Redemption(nextId(), t, tin.id(), bob, 20, nextId(), 0, null, T2, false));
    run(tx -> all.forEach(tx.catalog()::insertRedemption));
    Redemption annMug = all.get(0);
    Redemption bobMug = all.get(1);
    Redemption annTin = all.get(2);
    Redemption annMugAgain = all.get(3);
    Redemption bobTin = all.get(4);

    assertEquals(List.of(annMug, bobMug, annMugAgain), ofReward(t, mug.id(), null, 10));
    assertEquals(List.of(annMug, bobMug), ofReward(t, mug.id(), null, 2));
    assertEquals(List.of(annMugAgain), ofReward(t, mug.id(), bobMug.id(), 2));
    assertEquals(List.of(bobMug, annMugAgain), ofReward(t, mug.id(), annMug.id(), 10));
    assertEquals(List.of(), ofReward(t, mug.id(), annMugAgain.id(), 10));
    assertEquals(List.of(annTin, bobTin), ofReward(t, tin.id(), null, 10));
    assertEquals(List.of(), ofReward(t, mug.id(), null, 0));
    assertEquals(List.of(), ofReward(t + 1, mug.id(), null, 10), "another tenant");
    assertEquals(List.of(), ofReward(t, nextId(), null, 10), "an unknown reward");

    assertEquals(List.of(annMugAgain, annTin, annMug), ofParticipant(t, ann, null, 10), "newest first");
    assertEquals(List.of(annMugAgain, annTin), ofParticipant(t, ann, null, 2));
    assertEquals(List.of(annMug), ofParticipant(t, ann, annTin.id(), 2));
    assertEquals(List.of(annTin, annMug), ofParticipant(t, ann, annMugAgain.id(), 10));
    assertEquals(List.of(), ofParticipant(t, ann, annMug.id(), 10));
    assertEquals(List.of(bobTin, bobMug), ofParticipant(t, bob, null, 10));
    assertEquals(List.of(), ofParticipant(t, ann, null, 0));
    assertEquals(List.of(), ofParticipant(t + 1, ann, null, 10), "another tenant");
  }

  @Test
  void concurrentRedemptionsTakeExactlyTheStockThereIs() throws Exception {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    CatalogReward tin = catalog(t, campaign.id(), 100L, true);
    AtomicInteger taken = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    concurrently(300, (instance, i) -> {
      if (instance.inTransaction(tx -> tx.catalog().takeStock(t, tin.id())).isPresent()) {
        taken.incrementAndGet();
      } else {
        refused.incrementAndGet();
      }
    });
    assertEquals(100, taken.get());
    assertEquals(200, refused.get());
    assertEquals(0L, stock(t, tin.id()));
  }

  @Test
  void concurrentTakesAndAdjustmentsAllCountAndNeverTakeTheStockBelowZero() throws Exception {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    CatalogReward tin = catalog(t, campaign.id(), 20L, true);
    AtomicInteger taken = new AtomicInteger();
    AtomicInteger added = new AtomicInteger();
    AtomicInteger refusedRemovals = new AtomicInteger();
    concurrently(300, (instance, i) -> {
      if (i % 3 == 0) {
        // Every third task adjusts: alternately adds 2 and removes 3 units, which the bound may refuse.
        long delta = i % 2 == 0 ? 2 : -3;
        Optional<CatalogReward> after = instance.inTransaction(tx ->
            tx.catalog().adjustStock(t, tin.id(), delta, 1_000_000_000L));
        if (after.isPresent()) {
          assertTrue(after.get().stock() >= 0, "never below zero: " + after.get().stock());
          added.addAndGet((int) delta);
        } else {
          assertTrue(delta < 0, "only a removal can be refused here");
          refusedRemovals.incrementAndGet();
        }
      } else if (instance.inTransaction(tx -> tx.catalog().takeStock(t, tin.id())).isPresent()) {
        taken.incrementAndGet();
      }
    });
    assertEquals(20L + added.get() - taken.get(), stock(t, tin.id()), "every accepted change counted once");
    assertTrue(taken.get() > 0, "some units were taken");
  }

  // ---------------------------------------------------------------- rollback

  @Test
  void aFailedUnitOfWorkLeavesNoTraceOfItsRewardWrites() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    Campaign other = campaign(t);
    CampaignReward reward = reward(t, c, RewardType.COUPON, 1, null);
    EarnedReward pending = earned(t, c, nextId(), reward.id(), 1, EarnedRewardStatus.PENDING);
    CatalogReward tin = catalog(t, c, 3L, true);
    run(tx -> {
      tx.rewards().insert(reward);
      tx.rewards().saveProgram(t, new RewardProgram(c, Automation.MANUAL, 1));
      tx.earnedRewards().insertIfAbsent(pending, 0);
      insertCode(tx, t, c, 1, "ONE", T0);
      tx.actions().increment(t, c, pending.participantId(), 0, 0, T0);
    });
    Map<String, Object> before = snapshot(t, c, other.id(), reward.id(), pending, tin);

    long action = nextId();
    EarnedReward unlocked = earned(t, c, pending.participantId(), reward.id(), 2, EarnedRewardStatus.APPROVED);
    assertThrows(IllegalStateException.class, () -> storage().inTransaction(tx -> {
      tx.rewards().insert(reward(t, c, RewardType.POINTS, 1, 1));
      tx.rewards().saveProgram(t, new RewardProgram(c, Automation.AUTO, 9));
      tx.rewards().saveProgram(t, new RewardProgram(other.id(), Automation.AUTO, 9));
      tx.actions().insert(action(t, c, pending.participantId(), "key-1"));
      tx.actions().increment(t, c, pending.participantId(), 0, 0, T0);
      tx.actions().increment(t, c, pending.participantId(), reward.id(), 202503, T0);
      tx.earnedRewards().insertIfAbsent(unlocked, action);
      tx.earnedRewards().transition(t, pending.id(), EarnedRewardStatus.PENDING, EarnedRewardStatus.APPROVED, T1);
      tx.earnedRewards().setCoupon(t, pending.id(), null, "coupon pool empty");
      tx.earnedRewards().setCoupon(t, pending.id(), "ONE", null);
      tx.earnedRewards().markRead(t, pending.id());
      assertEquals(Optional.of("ONE"), tx.coupons().assignNext(t, c, pending.id(), pending.participantId(), T1));
      insertCode(tx, t, c, 2, "TWO", T1);
      tx.catalog().insert(catalog(t, c));
      tx.catalog().setActive(t, tin.id(), false);
      tx.catalog().setActive(t, tin.id(), true);
      tx.catalog().takeStock(t, tin.id());
      assertTrue(tx.catalog().adjustStock(t, tin.id(), 4, 10).isPresent());
      assertTrue(tx.catalog().update(t, tin.id(), new CatalogRewardUpdate("Renamed", "text", 99)).isPresent());
      tx.catalog().insertRedemption(new Redemption(nextId(), t, tin.id(), 1L, 1, 2L, 3, "redeem-1", T1, false));
      tx.actions().deleteAll(t, pending.participantId());
      tx.earnedRewards().deleteAll(t, pending.participantId());
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(before, snapshot(t, c, other.id(), reward.id(), pending, tin));
    assertEquals(Optional.empty(), tx(tx -> tx.actions().findByIdempotencyKey(t, "key-1")));
    assertEquals(Optional.empty(), tx(tx -> tx.catalog().findRedemptionByKey(t, "redeem-1")));
    assertEquals(List.of(), tx(tx -> tx.earnedRewards().unlockedBy(t, action)));
  }

  /** Everything the rollback test's unit of work touches, read back. */
  private Map<String, Object> snapshot(long t, long c, long otherCampaignId, long rewardId, EarnedReward pending,
      CatalogReward tin) {
    return tx(tx -> {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("rewards", tx.rewards().list(t, c));
      s.put("program", tx.rewards().findProgram(t, c));
      s.put("programs", tx.rewards().findProgram(t, otherCampaignId));
      s.put("count", tx.actions().count(t, pending.participantId(), 0, 0));
      s.put("monthly", tx.actions().count(t, pending.participantId(), rewardId, 202503));
      s.put("actions", tx.actions().campaignActions(t, c));
      s.put("earned", tx.earnedRewards().listForParticipant(t, pending.participantId(), null, 100));
      s.put("remaining", tx.coupons().remaining(t, c));
      s.put("existing", tx.coupons().existing(t, c, List.of("ONE", "TWO")));
      s.put("assigned", tx.coupons().assigned(t, c, null, 100));
      s.put("catalog", tx.catalog().list(t, c, null, null));
      s.put("tin", tx.catalog().find(t, tin.id()));
      return s;
    });
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Runs {@code tasks} tasks on {@value #THREADS_PER_STORAGE} threads of each of two storages on the database,
   * released together; task {@code i} runs on the storage of its thread. Skips the test, with the reason, if the
   * backend cannot open a second storage on the database.
   */
  void concurrently(int tasks, Task task) throws Exception {
    assumeSharedDatabase();
    Storage second = fixture().openStorage();
    List<Storage> instances = List.of(storage(), second);
    int threads = THREADS_PER_STORAGE * instances.size();
    AtomicInteger next = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Void>> workers = new ArrayList<>();
      for (int w = 0; w < threads; w++) {
        Storage instance = instances.get(w % instances.size());
        Callable<Void> worker = () -> {
          start.await();
          for (int i = next.getAndIncrement(); i < tasks; i = next.getAndIncrement()) {
            task.run(instance, i);
          }
          return null;
        };
        workers.add(pool.submit(worker));
      }
      start.countDown();
      for (Future<Void> worker : workers) {
        worker.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
      second.close();
    }
  }

  /** The values {@code values} holds more than once, at most ten, for a short failure message. */
  static <T> List<T> repeated(List<T> values) {
    Set<T> seen = new HashSet<>();
    return values.stream().filter(v -> !seen.add(v)).distinct().limit(10).toList();
  }

  /** One task of {@link #concurrently}. */
  interface Task {
    void run(Storage instance, int i) throws Exception;
  }


  /** {@code r} as the store keeps it: its instants truncated to {@link #instantPrecision()}. */
  CampaignReward stored(CampaignReward r) {
    return new CampaignReward(r.id(), r.tenantId(), r.campaignId(), r.name(), r.type(), r.audience(),
        r.conversionsRequired(), r.limit(), r.points(), r.message(), r.cashAmountMinor(), r.currency(), r.handler(),
        stored(r.createdAt()));
  }

  ActionRecord stored(ActionRecord a) {
    return new ActionRecord(a.actionId(), a.tenantId(), a.campaignId(), a.participantId(), a.campaignRewardId(),
        a.source(), a.metadata(), a.invitedParticipantId(), a.idempotencyKey(), a.participantCreated(), a.counts(),
        stored(a.recordedAt()));
  }

  EarnedReward stored(EarnedReward r) {
    return new EarnedReward(r.id(), r.tenantId(), r.campaignId(), r.participantId(), r.campaignRewardId(), r.cycle(),
        r.type(), r.status(), r.unread(), r.points(), r.couponCode(), r.message(), r.cashAmountMinor(),
        r.currency(), r.waitingReason(), stored(r.earnedAt()), stored(r.approvedAt()), stored(r.fulfilledAt()));
  }

  CatalogReward stored(CatalogReward r) {
    return new CatalogReward(r.id(), r.tenantId(), r.campaignId(), r.name(), r.description(), r.pointsCost(),
        r.type(), r.stock(), r.active(), stored(r.createdAt()));
  }

  Instant stored(Instant instant) {
    ChronoUnit precision = instantPrecision();
    assertTrue(precision.getDuration().compareTo(ChronoUnit.MICROS.getDuration()) <= 0,
        "instantPrecision() must be microseconds or finer (the SPI stores instants with microsecond precision): "
            + precision);
    return instant == null ? null : instant.truncatedTo(precision);
  }

  long tenant() {
    return tenant(T0);
  }

  Campaign campaign() {
    return campaign(tenant(), T0);
  }

  Campaign campaign(long tenantId) {
    return campaign(tenantId, T0);
  }

  static CampaignReward reward(long tenantId, long campaignId, RewardType type, int conversions, Integer limit) {
    return new CampaignReward(nextId(), tenantId, campaignId, "Reward", type, RewardAudience.PARTICIPANT,
        conversions, limit, type == RewardType.POINTS ? 10 : 0, null, 0, null, null, T0);
  }

  static EarnedReward earned(long tenantId, long campaignId, long participantId, long campaignRewardId, int cycle,
      EarnedRewardStatus status) {
    return new EarnedReward(nextId(), tenantId, campaignId, participantId, campaignRewardId, cycle,
        RewardType.POINTS, status, true, 10, null, null, 0, null, null, T0, null, null);
  }

  EarnedReward insertEarned(long tenantId, long campaignId, long participantId, long campaignRewardId, int cycle,
      RewardType type, EarnedRewardStatus status) {
    EarnedReward e = new EarnedReward(nextId(), tenantId, campaignId, participantId, campaignRewardId, cycle, type,
        status, true, 0, null, null, 0, null, null, T0, status == EarnedRewardStatus.PENDING ? null : T0, null);
    assertTrue(test(tx -> tx.earnedRewards().insertIfAbsent(e, 0)));
    return e;
  }

  /** The event of {@code action}: the same tenant, campaign and participant, an id derived from the action's. */
  static EventRecord actionEvent(ActionRecord action, long sequence) {
    return new EventRecord(action.actionId() + 1_000_000_000L, action.tenantId(), EventType.LOYALTY_ACTION_RECORDED,
        action.campaignId(), action.participantId(), sequence, T0, 1, 0, "{\"n\":" + sequence + "}");
  }

  static ActionRecord action(long tenantId, long campaignId, long participantId, String key) {
    return new ActionRecord(nextId(), tenantId, campaignId, participantId, 1L, ActionSource.DIRECT, Map.of("k", 1L),
        null, key, false, new ActionCounts(1, 1, 0, 1, 1), T0);
  }

  List<Redemption> ofReward(long tenantId, long catalogRewardId, Long afterId, int limit) {
    return tx(tx -> tx.catalog().listRedemptionsOfReward(tenantId, catalogRewardId, afterId, limit));
  }

  List<Redemption> ofParticipant(long tenantId, long participantId, Long beforeId, int limit) {
    return tx(tx -> tx.catalog().listRedemptionsOfParticipant(tenantId, participantId, beforeId, limit));
  }

  CatalogReward catalog(long tenantId, long campaignId, Long stock, boolean active) {
    CatalogReward r = new CatalogReward(nextId(), tenantId, campaignId, "Item", null, 10, RewardType.CUSTOM_MESSAGE,
        stock, active, T0);
    run(tx -> tx.catalog().insert(r));
    return r;
  }

  static CatalogReward catalog(long tenantId, long campaignId) {
    return new CatalogReward(nextId(), tenantId, campaignId, "Item", null, 10, RewardType.CUSTOM_MESSAGE, 1L, true,
        T0);
  }

  long increment(long tenantId, long campaignId, long participantId, long campaignRewardId, int month) {
    return storage().inTransaction(tx -> tx.actions().increment(tenantId, campaignId, participantId, campaignRewardId,
        month, T0));
  }

  ActionIncrements incrementForAction(long tenantId, long campaignId, long participantId, long campaignRewardId,
      int month) {
    // The month before, as the engine computes it (these tests use no January).
    return tx(tx -> tx.actions().incrementForAction(tenantId, campaignId, participantId, campaignRewardId, month,
        month - 1, T0));
  }

  long count(long tenantId, long participantId, long campaignRewardId, int month) {
    return storage().inTransaction(tx -> tx.actions().count(tenantId, participantId, campaignRewardId, month));
  }

  private ActionCounts counts(long tenantId, long participantId, long campaignRewardId, int month,
      int previousMonth) {
    return storage().inTransaction(tx -> tx.actions().counts(tenantId, participantId, campaignRewardId, month,
        previousMonth));
  }

  EarnedReward find(long tenantId, long earnedRewardId) {
    return tx(tx -> tx.earnedRewards().find(tenantId, earnedRewardId)).orElseThrow();
  }

  List<EarnedReward> list(long tenantId, long participantId, Long beforeId, int limit) {
    return tx(tx -> tx.earnedRewards().listForParticipant(tenantId, participantId, beforeId, limit));
  }

  List<EarnedReward> campaignList(long tenantId, long campaignId, EarnedRewardStatus status, Long afterId,
      int limit) {
    return tx(tx -> tx.earnedRewards().listForCampaign(tenantId, campaignId, status, afterId, limit));
  }

  boolean transition(long tenantId, long earnedRewardId, EarnedRewardStatus from, EarnedRewardStatus to,
      Instant at) {
    return test(tx -> tx.earnedRewards().transition(tenantId, earnedRewardId, from, to, at).isPresent());
  }

  long countByStatus(long tenantId, long participantId, EarnedRewardStatus status) {
    return tx(tx -> tx.earnedRewards().countByStatus(tenantId, participantId, status));
  }

  /** Adds one free code. */
  static void insertCode(Transaction tx, long tenantId, long campaignId, long couponId, String code, Instant at) {
    tx.coupons().insertAll(tenantId, campaignId, List.of(new NewCode(couponId, code)), at);
  }

  Optional<String> assign(long tenantId, long campaignId, long earnedRewardId, long participantId, Instant at) {
    return tx(tx -> tx.coupons().assignNext(tenantId, campaignId, earnedRewardId, participantId, at));
  }

  List<CatalogReward> listCatalog(long tenantId, long campaignId, Boolean active, RewardType type) {
    return tx(tx -> tx.catalog().list(tenantId, campaignId, active, type));
  }

  boolean takeStock(long tenantId, long catalogRewardId) {
    return tx(tx -> tx.catalog().takeStock(tenantId, catalogRewardId)).isPresent();
  }

  Optional<CatalogReward> adjustStock(long tenantId, long catalogRewardId, long delta, long maxStock) {
    return tx(tx -> tx.catalog().adjustStock(tenantId, catalogRewardId, delta, maxStock));
  }

  static CatalogReward withStock(CatalogReward r, Long stock) {
    return new CatalogReward(r.id(), r.tenantId(), r.campaignId(), r.name(), r.description(), r.pointsCost(),
        r.type(), stock, r.active(), r.createdAt());
  }

  Long stock(long tenantId, long catalogRewardId) {
    return tx(tx -> tx.catalog().find(tenantId, catalogRewardId)).orElseThrow().stock();
  }
}
