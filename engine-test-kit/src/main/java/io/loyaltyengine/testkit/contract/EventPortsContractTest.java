package io.loyaltyengine.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.core.spi.ClaimedDelivery;
import io.loyaltyengine.core.spi.DeliveryPort;
import io.loyaltyengine.core.spi.DeliveryRecord;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.core.spi.PruneCursor;
import io.loyaltyengine.core.spi.PruneStep;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.core.spi.WebhookEndpointRecord;
import io.loyaltyengine.events.DeliveryStatus;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.tenant.TenantType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The event ports' contract suite: {@code EventPort}, {@code DeliveryPort} and {@code WebhookEndpointPort} held to
 * their javadoc below the engine, on every storage backend: sequences, positions and the change feed, the claim rule
 * (order per participant, due time, leases, subscribers and their turns), compare-and-set after an attempt, parking
 * and replay, pruning, endpoints, the undo of every event write; and what only a shared database shows: concurrent
 * claimers never share a delivery, a claim never takes what an uncommitted claim holds, and the feed lock serializes
 * positioning.
 *
 * <p>A backend runs it with an (almost) empty subclass that supplies a fresh database per test and shows where a
 * unit of work waits for a lock:
 *
 * <pre>{@code
 * class H2EventPortsTest extends EventPortsContractTest {
 *   @Override
 *   protected StoreFixture createFixture() {
 *     return new H2FileFixture(true);
 *   }
 *
 *   @Override
 *   protected void awaitBlockedOnALock(Thread waiter) throws SQLException {
 *     JdbcLockWaits.awaitASessionBlockedOnALock((JdbcFixture) fixture());
 *   }
 * }
 * }</pre>
 *
 * <p>Where backends legitimately differ, the subclass says so through a hook rather than by weakening a test:
 * {@link #claimSkipsHeldDeliveries()} (whether a claim passes by the deliveries an uncommitted claim holds, or waits
 * for it) and {@link #eventTables()} (a view of the stored rows beside the ports, for the rules only rows show). Tests
 * of an ability the backend lacks ({@link StorageCapability#SHARED_DATABASE}, as the fixture declares, or the view of
 * its rows) are skipped with the reason, never reported as passed. Test methods are package-private so that a
 * subclass cannot override one away; each name states the rule it checks.
 *
 * <p>Every test starts from the empty database of a new fixture, which it closes at the end. No test depends on ids
 * or on the order tests run in; none sleeps or measures time: the concurrent tests start their threads behind
 * latches, and a test that needs one unit of work to wait for another sees the wait through
 * {@link #awaitBlockedOnALock(Thread)}.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
public abstract class EventPortsContractTest extends PortsContractSupport {
  private static final Instant T0 = Instant.parse("2025-03-30T00:59:59.123456Z");
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final String L = "ledger-sync";
  private static final String M = "crm";
  private static final String NO_TABLES = "the backend offers no view of its event tables beside the ports "
      + "(eventTables() is empty); what the ports show of the same rules is checked by the other tests";

  /** For subclasses. */
  protected EventPortsContractTest() {
  }

  /**
   * Whether a claim passes by the deliveries another, still uncommitted, claim holds, without waiting for it to end
   * ({@code FOR UPDATE SKIP LOCKED}, as on PostgreSQL); or waits for it and then takes what it left. Either keeps
   * the rule that two claims never share a delivery, and {@code aClaimDoesNotTakeWhatAnUncommittedClaimHolds} checks
   * the way the backend declares.
   *
   * <p>{@code false} by default: H2 (2.3 accepts {@code SKIP LOCKED}, but with {@code ORDER BY ... LIMIT} it returns
   * no row at all once any candidate is locked, so its claim is a plain {@code FOR UPDATE}) and the in-memory store
   * (whose units of work run one at a time) wait.
   */
  protected boolean claimSkipsHeldDeliveries() {
    return false;
  }

  /**
   * A view of the backend's stored event rows beside the ports, for the rules that only the rows show: that pruning
   * deletes an event's deliveries with it (rather than leaving them unreachable), and that a failed unit of work
   * leaves no feed row it created. Empty by default; the tests that need it are then skipped with the reason (the
   * ports' view of the same rules is checked on every backend). A SQL store reads its tables.
   */
  protected Optional<EventTables> eventTables() {
    return Optional.empty();
  }

  /**
   * The backend's stored event rows, read beside the ports (see {@link #eventTables()}).
   *
   * <p>Need not be thread-safe: a test reads it only on its own thread.
   */
  public interface EventTables {
    /** How many deliveries of the event are stored, whatever their status. */
    long deliveryRows(long tenantId, long eventId);

    /** The last position stored in the tenant's feed row; empty if the tenant has no feed row. */
    OptionalLong feedRow(long tenantId);
  }

  // ---------------------------------------------------------------- sequences

  @Test
  void nextSequenceNumbersEachParticipantsEventsFromOneAndIsZeroForAMissingParticipant() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    Participant ann = participant(campaign, "ann@example.com");
    Participant bob = participant(campaign, "bob@example.com");
    assertEquals(1L, nextSequence(t, ann.id()));
    assertEquals(2L, nextSequence(t, ann.id()));
    assertEquals(1L, nextSequence(t, bob.id()));
    assertEquals(0L, nextSequence(t, nextId()));
    assertEquals(0L, nextSequence(t + 1, ann.id()), "another tenant's participant");

    assertThrows(IllegalStateException.class, () -> storage().inTransaction(tx -> {
      tx.events().nextSequence(t, ann.id());
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(3L, nextSequence(t, ann.id()), "a rolled-back number is given again");
    assertEquals(ann.pointsBalance(), tx(tx -> tx.participants().find(t, ann.id())).orElseThrow().pointsBalance());

    assertThrows(IllegalStateException.class, () -> storage().inTransaction(tx -> {
      tx.participants().delete(t, ann.id());
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(4L, nextSequence(t, ann.id()), "the counter came back with its row");
    run(tx -> tx.participants().delete(t, ann.id()));
    assertEquals(0L, nextSequence(t, ann.id()), "the counter went with its row");
  }

  @Test
  void nextSequenceInCampaignNumbersOnlyAParticipantOfThatCampaignFromTheSameCounter() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    Participant ann = participant(campaign, "ann@example.com");
    Campaign other = campaign(t, T0);
    Participant eve = participant(other, "eve@example.com");
    assertEquals(1L, nextSequence(t, ann.id()));
    assertEquals(2L, inCampaign(t, ann.id(), campaign.id()), "the same counter");
    assertEquals(0L, inCampaign(t, ann.id(), other.id()), "another campaign");
    assertEquals(0L, inCampaign(t, eve.id(), campaign.id()), "and the other way");
    assertEquals(0L, inCampaign(t + 1, ann.id(), campaign.id()),
        "another tenant's participant");
    assertEquals(0L, inCampaign(t, nextId(), campaign.id()), "no participant");
    assertEquals(3L, nextSequence(t, ann.id()), "a participant of another campaign was left as it was");
    assertEquals(1L, nextSequence(t, eve.id()));
  }

  // ---------------------------------------------------------------- outbox, positions, feed

  /**
   * The tenants waiting for positions are walked from any cursor to the largest id: each tenant once however many
   * events it has, the cursor's own tenant not again, at most the limit, none after Long.MAX_VALUE, negative ids in
   * their order.
   */
  @Test
  void theTenantsWaitingForPositionsAreWalkedFromAnyCursorToTheLargestId() {
    long top = Long.MAX_VALUE;
    List<Long> ids = List.of(-7L, 5L, top - 1, top);
    for (long id : ids) {
      run(tx -> tx.tenants().insert(new Tenant(id, "Edge", TenantType.BUSINESS, T0)));
      append(event(id, EventType.POINTS_AWARDED, 1L, 1L, 1, "{}"), event(id, EventType.POINTS_AWARDED, 1L, 1L, 2,
          "{}"), event(id, EventType.POINTS_AWARDED, 1L, 2L, 1, "{}"));
    }
    assertEquals(ids, tx(tx -> tx.events().tenantsWithUnpositionedEvents(Long.MIN_VALUE, 10)));
    assertEquals(List.of(-7L, 5L), tx(tx -> tx.events().tenantsWithUnpositionedEvents(Long.MIN_VALUE, 2)));
    assertEquals(List.of(5L, top - 1, top), tx(tx -> tx.events().tenantsWithUnpositionedEvents(-7, 10)));
    assertEquals(List.of(top - 1, top), tx(tx -> tx.events().tenantsWithUnpositionedEvents(5, 10)));
    assertEquals(List.of(top - 1), tx(tx -> tx.events().tenantsWithUnpositionedEvents(6, 1)));
    assertEquals(List.of(top), tx(tx -> tx.events().tenantsWithUnpositionedEvents(top - 1, 10)));
    assertEquals(List.of(), tx(tx -> tx.events().tenantsWithUnpositionedEvents(top, 10)));
    assertEquals(List.of(), tx(tx -> tx.events().tenantsWithUnpositionedEvents(0, 0)));
  }

  @Test
  void positionsGrowPerTenantAndTheFeedReturnsPositionedEventsInOrderWithFilters() {
    long a = tenant();
    long b = tenant();
    String payload = "{\"name\" : \"Zoë \\u00e9 😀 'x' \\\"q\\\"\", \"amount\": 1.50, \"nested\": {\"a\": [1, 2]}}";
    EventRecord a1 = event(a, EventType.PARTICIPANT_CREATED, 100L, 1L, 1, payload);
    EventRecord a2 = event(a, EventType.POINTS_AWARDED, 100L, 1L, 2, "{}");
    EventRecord a3 = event(a, EventType.POINTS_DEDUCTED, 200L, 2L, 1, "{}");
    EventRecord a4 = event(a, EventType.PARTICIPANT_UPDATED, null, null, 0, "{}");
    EventRecord b1 = event(b, EventType.POINTS_AWARDED, 300L, 3L, 1, "{}");
    append(a1, a2, a3, a4, b1);

    assertEquals(List.of(Math.min(a, b), Math.max(a, b)), tx(tx -> tx.events().tenantsWithUnpositionedEvents(0, 10)));
    assertEquals(List.of(Math.min(a, b)), tx(tx -> tx.events().tenantsWithUnpositionedEvents(0, 1)));
    assertEquals(List.of(), feed(a, 0, Set.of(), null, 10), "unpositioned events are not in the feed");
    assertEquals(0L, (long) tx(tx -> tx.events().lastPosition(a)), "a feed never positioned ends at 0");
    assertEquals(Optional.of(a1), tx(tx -> tx.events().find(a, a1.eventId())), "read back verbatim");

    assertEquals(List.of(a1, a2), tx(tx -> {
      assertEquals(0L, tx.events().lockFeed(a));
      List<EventRecord> batch = tx.events().unpositioned(a, 2);
      tx.events().position(a, a1.eventId(), 1, T0);
      tx.events().position(a, a2.eventId(), 2, T0);
      tx.events().advanceFeed(a, 2);
      return batch;
    }));
    assertEquals(List.of(a3, a4), tx(tx -> {
      assertEquals(2L, tx.events().lockFeed(a));
      List<EventRecord> batch = tx.events().unpositioned(a, 10);
      tx.events().positionAll(a, List.of(), 3, T0);
      tx.events().positionAll(a, List.of(a3.eventId(), a4.eventId()), 3, T0);
      tx.events().advanceFeed(a, 4);
      return batch;
    }));
    assertEquals(List.of(b), tx(tx -> tx.events().tenantsWithUnpositionedEvents(0, 10)));
    run(tx -> {
      assertEquals(0L, tx.events().lockFeed(b), "each tenant has its own feed");
      tx.events().position(b, b1.eventId(), 1, T0);
      tx.events().advanceFeed(b, 1);
    });
    assertEquals(List.of(), tx(tx -> tx.events().tenantsWithUnpositionedEvents(0, 10)));
    assertEquals(4L, (long) tx(tx -> tx.events().lastPosition(a)));
    assertEquals(1L, (long) tx(tx -> tx.events().lastPosition(b)), "each tenant has its own last position");
    assertEquals(4L, (long) tx(tx -> tx.events().lockFeed(a)));

    List<EventRecord> all = List.of(a1.withPosition(1), a2.withPosition(2), a3.withPosition(3), a4.withPosition(4));
    assertEquals(all, feed(a, 0, Set.of(), null, 10));
    assertEquals(all, feed(a, -5, Set.of(), null, 10));
    assertEquals(all.subList(2, 4), feed(a, 2, Set.of(), null, 10));
    assertEquals(all.subList(0, 3), feed(a, 0, Set.of(), null, 3));
    assertEquals(List.of(), feed(a, 4, Set.of(), null, 10));
    assertEquals(all.subList(1, 3), feed(a, 0, EnumSet.of(EventType.POINTS_AWARDED, EventType.POINTS_DEDUCTED),
        null, 10));
    assertEquals(all.subList(0, 2), feed(a, 0, Set.of(), 100L, 10));
    assertEquals(List.of(all.get(1)), feed(a, 0, Set.of(EventType.POINTS_AWARDED), 100L, 10));
    assertEquals(List.of(), feed(a, 0, Set.of(EventType.POINTS_AWARDED), 200L, 10));
    assertEquals(List.of(b1.withPosition(1)), feed(b, 0, Set.of(), null, 10));
    assertEquals(Optional.of(a3.withPosition(3)), tx(tx -> tx.events().find(a, a3.eventId())));
    assertEquals(Optional.empty(), tx(tx -> tx.events().find(b, a3.eventId())), "another tenant's event");
  }

  @Test
  void appendingAnEventWhoseIdExistsFails() {
    long t = tenant();
    EventRecord e = event(t, EventType.POINTS_AWARDED, 1L, 1L, 1, "{}");
    append(e);
    assertThrows(StorageException.class, () -> append(event(e.eventId(), t, 1L, 2, 0)));
    assertEquals(Optional.of(e), tx(tx -> tx.events().find(t, e.eventId())));
  }

  // ---------------------------------------------------------------- claiming

  @Test
  void aParticipantsLaterEventWaitsWhileAnEarlierOneIsPendingEvenWhileItWaitsForARetry() {
    long t = tenant();
    EventRecord p1s1 = positioned(t, 1L, 1, 1);
    EventRecord p1s2 = positioned(t, 1L, 2, 2);
    EventRecord p2s1 = positioned(t, 2L, 1, 3);
    EventRecord n1 = positioned(t, null, 0, 4);
    EventRecord p1s3 = positioned(t, 1L, 3, 5);
    EventRecord n2 = positioned(t, null, 0, 6);
    for (EventRecord e : List.of(p1s1, p1s2, p2s1, n1, p1s3, n2)) {
      create(pending(e, L));
    }
    create(pending(p1s2, M));

    assertEquals(ids(p1s1, p2s1, n1, n2), ids(claim("a", T0, 10, L)), "null participants never block");
    assertEquals(ids(p1s2), ids(claim("a", T0, 10, M)), "another subscriber is independent");

    assertTrue(test(tx -> tx.deliveries().reschedule(t, p1s1.eventId(), L, "a", 1, T0.plusSeconds(60), "timeout",
        T0)));
    assertEquals(List.of(), claim("b", T0, 10, L), "seq 2 waits while seq 1 waits for its retry");
    for (EventRecord e : List.of(p2s1, n1, n2)) {
      delivered(e, L, T0);
    }
    List<ClaimedDelivery> retry = claim("b", T0.plusSeconds(60), 10, L);
    assertEquals(ids(p1s1), ids(retry));
    assertEquals(1, retry.get(0).delivery().attempts());
    assertEquals("timeout", retry.get(0).delivery().lastError());

    delivered(p1s1, L, T0.plusSeconds(61));
    assertEquals(ids(p1s2), ids(claim("b", T0.plusSeconds(61), 10, L)));
    assertTrue(test(tx -> tx.deliveries().park(t, p1s2.eventId(), L, "b", 10, "gave up", T0.plusSeconds(62))));
    assertEquals(ids(p1s3), ids(claim("b", T0.plusSeconds(62), 10, L)), "a parked delivery holds nothing back");
  }

  /**
   * Claims take the oldest events first (ids are time-ordered), whatever their tenant: positions are numbered per
   * tenant, so in position order a tenant with a long feed would wait behind every younger tenant's deliveries.
   */
  @Test
  void aClaimTakesTheOldestEventsFirstWhateverTheirTenantsPositions() {
    long older = tenant();
    long younger = tenant();
    EventRecord longFeed = positioned(older, null, 0, 1_000_000);
    EventRecord first = positioned(younger, null, 0, 1);
    EventRecord second = positioned(younger, null, 0, 2);
    for (EventRecord e : List.of(second, first, longFeed)) {
      create(pending(e, L));
    }

    assertEquals(ids(longFeed), ids(claim("a", T0, 1, L)), "the oldest event, though its position is high");
    assertEquals(ids(first, second), ids(claim("a", T0, 10, L)));
  }

  /**
   * A claim takes the subscribers' claimable deliveries turn by turn: each subscriber's (of each tenant) oldest
   * before any subscriber's second, and so on; oldest event first within a turn. Otherwise a subscriber with a
   * backlog of older deliveries (an endpoint that does not answer, whose claimed deliveries are left leased round
   * after round) fills every batch, and every other subscriber, another tenant's too, waits until the whole backlog
   * is leased. A subscriber alone still gets the whole batch.
   */
  @Test
  void aClaimTakesEachSubscribersOldestDeliveryBeforeAnySubscribersNextOne() {
    long busy = tenant();
    long quiet = tenant();
    String dead = "webhook:1";
    String live = "webhook:2";
    List<EventRecord> backlog = new ArrayList<>();
    for (long p = 1; p <= 6; p++) {
      backlog.add(positioned(busy, p, 1, p));
    }
    EventRecord quietFirst = positioned(quiet, 1L, 1, 1);
    EventRecord quietSecond = positioned(quiet, 2L, 1, 2);
    EventRecord busyListener = positioned(busy, 7L, 1, 7);
    for (EventRecord e : backlog) {
      create(pending(e, dead));
    }
    create(pending(quietFirst, live));
    create(pending(quietSecond, live));
    create(pending(busyListener, L));

    List<ClaimedDelivery> first = tx(tx -> tx.deliveries().claim(Set.of(L), true, Set.of(), T0, "a",
        T0.plus(LEASE), 4));
    assertEquals(List.of(backlog.get(0).eventId(), quietFirst.eventId(), busyListener.eventId(),
        backlog.get(1).eventId()), ids(first), "first turn: each subscriber's oldest, oldest event first");
    assertEquals(List.of(dead, live, L, dead), first.stream().map(c -> c.delivery().subscriber()).toList());

    List<ClaimedDelivery> second = tx(tx -> tx.deliveries().claim(Set.of(L), true, Set.of(), T0, "b",
        T0.plus(LEASE), 3));
    assertEquals(List.of(backlog.get(2).eventId(), quietSecond.eventId(), backlog.get(3).eventId()), ids(second),
        "what the first claim leased is not claimable; the rest go turn by turn again");

    List<ClaimedDelivery> alone = tx(tx -> tx.deliveries().claim(Set.of(L), true, Set.of(), T0, "c",
        T0.plus(LEASE), 10));
    assertEquals(ids(backlog.get(4), backlog.get(5)), ids(alone), "a subscriber alone gets the whole batch");
  }

  /**
   * A claim leaves the subscribers it skips alone (the dispatcher skips the endpoints its instance has paused): their
   * deliveries are neither leased nor counted in the turns, so the other subscribers fill the batch turn by turn as if
   * they were not stored, each participant's order kept; a claim that does not skip them then finds them all, as
   * claimable as before. Not skipped, the paused endpoint's older backlog would take the first places of the batch.
   */
  @Test
  void aClaimLeavesTheSubscribersItSkipsUnleasedAndTheOthersTakeTheBatchTurnByTurn() {
    long busy = tenant();
    long quiet = tenant();
    String paused = "webhook:1";
    String live = "webhook:2";
    EventRecord b1 = positioned(busy, 1L, 1, 1);
    EventRecord b2 = positioned(busy, 2L, 1, 2);
    EventRecord b3 = positioned(busy, 3L, 1, 3);
    EventRecord b4 = positioned(busy, 1L, 2, 4);
    EventRecord q1 = positioned(quiet, 10L, 1, 1);
    EventRecord q2 = positioned(quiet, 10L, 2, 2);
    EventRecord q3 = positioned(quiet, 11L, 1, 3);
    for (EventRecord e : List.of(b1, b2, b3, b4)) {
      create(pending(e, paused));
    }
    create(pending(b1, L));
    create(pending(b4, L));
    for (EventRecord e : List.of(q1, q2, q3)) {
      create(pending(e, live));
    }

    List<ClaimedDelivery> claimed = tx(tx -> tx.deliveries().claim(Set.of(L), true, Set.of(paused, "webhook:99"), T0,
        "a", T0.plus(LEASE), 3));
    assertEquals(List.of(List.of(b1.eventId(), L), List.of(q1.eventId(), live), List.of(q3.eventId(), live)),
        keys(claimed), "turn 1: the listener's and the live endpoint's oldest; turn 2: the live endpoint's next, "
            + "its participant's second event waiting behind the first, as the listener's does");

    List<ClaimedDelivery> unskipped = tx(tx -> tx.deliveries().claim(Set.of(L), true, Set.of(), T0, "b",
        T0.plus(LEASE), 10));
    assertEquals(List.of(List.of(b1.eventId(), paused), List.of(b2.eventId(), paused),
        List.of(b3.eventId(), paused)), keys(unskipped),
        "the skipped endpoint's deliveries were not leased; its participant 1's second event waits behind the first");
  }

  /**
   * A claim skips any subscriber named, a listener too, up to {@code MAX_SKIPPED_SUBSCRIBERS} of them (most naming
   * no delivery here, as a dispatcher's paused endpoints may), and refuses to skip more, leasing nothing.
   */
  @Test
  void aClaimSkipsUpToTheMostSubscribersItTakesAndRefusesMore() {
    long t = tenant();
    EventRecord e1 = positioned(t, null, 0, 1);
    EventRecord e2 = positioned(t, null, 0, 2);
    for (String subscriber : List.of(L, M, "webhook:7")) {
      create(pending(e1, subscriber));
    }
    create(pending(e2, L));
    create(pending(e2, M));
    Set<String> skipped = new HashSet<>(Set.of(M, "webhook:7"));
    for (int i = 0; skipped.size() < DeliveryPort.MAX_SKIPPED_SUBSCRIBERS; i++) {
      skipped.add("webhook:" + (1_000_000 + i));
    }
    Set<String> tooMany = new HashSet<>(skipped);
    tooMany.add("webhook:999");
    assertThrows(IllegalArgumentException.class, () -> tx(tx -> tx.deliveries().claim(Set.of(L, M), true, tooMany,
        T0, "a", T0.plus(LEASE), 10)));

    assertEquals(List.of(List.of(e1.eventId(), L), List.of(e2.eventId(), L)), keys(tx(tx -> tx.deliveries()
        .claim(Set.of(L, M), true, skipped, T0, "a", T0.plus(LEASE), 10))));
    assertEquals(List.of(List.of(e1.eventId(), M), List.of(e1.eventId(), "webhook:7"), List.of(e2.eventId(), M)),
        keys(tx(tx -> tx.deliveries().claim(Set.of(L, M), true, Set.of(L), T0, "b", T0.plus(LEASE), 10))),
        "neither the claim refused nor the one that skipped them leased them");
  }

  /**
   * Turns go on past the second: a subscriber's third delivery waits until every subscriber's second is taken, not
   * only its first.
   */
  @Test
  void aClaimTakesEverySubscribersSecondDeliveryBeforeAnySubscribersThird() {
    long t = tenant();
    String busy = "webhook:1";
    String quiet = "webhook:2";
    List<EventRecord> older = new ArrayList<>();
    for (long p = 1; p <= 3; p++) {
      older.add(positioned(t, p, 1, p));
    }
    EventRecord newer1 = positioned(t, 4L, 1, 4);
    EventRecord newer2 = positioned(t, 5L, 1, 5);
    for (EventRecord e : older) {
      create(pending(e, busy));
    }
    create(pending(newer1, quiet));
    create(pending(newer2, quiet));

    List<ClaimedDelivery> claimed = tx(tx -> tx.deliveries().claim(Set.of(), true, Set.of(), T0, "a",
        T0.plus(LEASE), 4));
    assertEquals(ids(older.get(0), newer1, older.get(1), newer2), ids(claimed),
        "turns 1 and 2 of both subscribers; the busy one's third waits");
  }

  /**
   * Turns are per tenant and subscriber: a listener, one name in every tenant, takes its turns in each tenant apart,
   * so that one tenant's backlog for it does not keep another tenant's deliveries to it out of the batch.
   */
  @Test
  void aListenersTurnsAreTakenPerTenantSoOneTenantsBacklogDoesNotFillTheBatch() {
    long busy = tenant();
    long quiet = tenant();
    List<EventRecord> backlog = new ArrayList<>();
    for (long p = 1; p <= 3; p++) {
      backlog.add(positioned(busy, p, 1, p));
    }
    EventRecord quietOne = positioned(quiet, 1L, 1, 1);
    for (EventRecord e : backlog) {
      create(pending(e, L));
    }
    create(pending(quietOne, L));

    assertEquals(ids(backlog.get(0), quietOne), ids(claim("a", T0, 2, L)),
        "first turn: the listener's oldest delivery in each tenant");
    assertEquals(ids(backlog.get(1), backlog.get(2)), ids(claim("b", T0, 10, L)));
  }

  /**
   * The subscribers of one event are claimed in one order on every store: by their names' characters (code points),
   * as the in-memory store and H2 compare text, not by the database's collation, which on PostgreSQL is usually a
   * language's (en_US: {@code a} before {@code B}, punctuation ignored) and differs between databases. Otherwise
   * which listener of an event a round with a small batch serves first, and which it leaves for the next round,
   * depends on the store and on how its database was created.
   */
  @Test
  void theSubscribersOfOneEventAreClaimedInTheOrderOfTheirNamesCharactersWhateverTheCollation() {
    long t = tenant();
    EventRecord e = positioned(t, null, 0, 1);
    List<String> inCodePointOrder = List.of("B", "Z-y", "_x", "a", "a.b", "ab", "webhook:5", "x");
    for (String subscriber : List.of("x", "a.b", "_x", "webhook:5", "a", "Z-y", "ab", "B")) {
      create(pending(e, subscriber));
    }
    Set<String> listeners = Set.of("B", "Z-y", "_x", "a", "a.b", "ab", "x");

    List<String> oneAtATime = new ArrayList<>();
    for (int i = 0; i < inCodePointOrder.size(); i++) {
      List<ClaimedDelivery> claimed = tx(tx -> tx.deliveries().claim(listeners, true, Set.of(), T0, "a",
          T0.plus(LEASE), 1));
      assertEquals(1, claimed.size());
      oneAtATime.add(claimed.get(0).delivery().subscriber());
    }
    assertEquals(inCodePointOrder, oneAtATime);
    List<ClaimedDelivery> again = tx(tx -> tx.deliveries().claim(listeners, true, Set.of(), T0.plus(LEASE), "b",
        T0.plus(LEASE).plus(LEASE), 10));
    assertEquals(inCodePointOrder, again.stream().map(c -> c.delivery().subscriber()).toList(), "one claim");
  }

  @Test
  void claimTakesTheNamedListenersAndWebhookSubscribersOnlyWhenAsked() {
    long t = tenant();
    EventRecord e = positioned(t, null, 0, 1);
    for (String subscriber : List.of(L, M, "webhook:17", "webhookish", "webhook_17")) {
      create(pending(e, subscriber));
    }
    assertEquals(List.of(), tx(tx -> tx.deliveries().claim(Set.of(), false, Set.of(), T0, "a", T0.plus(LEASE),
        10)));
    assertEquals(List.of(), tx(tx -> tx.deliveries().claim(Set.of(L), true, Set.of(), T0, "a", T0.plus(LEASE),
        0)));
    assertEquals(Set.of(L), subscribers(tx(tx -> tx.deliveries().claim(Set.of(L), false, Set.of(), T0, "a",
        T0.plus(LEASE), 10))));
    assertEquals(Set.of("webhook:17"), subscribers(tx(tx -> tx.deliveries().claim(Set.of(), true, Set.of(), T0, "a",
        T0.plus(LEASE), 10))));
    assertEquals(Set.of(M, "webhookish", "webhook_17"), subscribers(tx(tx -> tx.deliveries().claim(
        Set.of(M, "webhookish", "webhook_17"), true, Set.of(), T0, "a", T0.plus(LEASE), 10))));
  }

  @Test
  void claimsLeaseOldestEventsFirstAndAnExpiredLeaseHandsTheDeliveryOverForGood() {
    long t = tenant();
    EventRecord e4 = positioned(t, null, 0, 1);
    EventRecord e3 = positioned(t, null, 0, 2);
    EventRecord e2 = positioned(t, null, 0, 3);
    EventRecord e1 = positioned(t, null, 0, 4);
    create(pending(e1, L));
    create(pending(e2, L));
    create(pending(e3, L));
    create(new DeliveryRecord(t, e4.eventId(), L, null, 0, 1, DeliveryStatus.PENDING, 0, T0.plusSeconds(10), null,
        null, null, T0));

    List<ClaimedDelivery> first = claim("a", T0, 2, L);
    assertEquals(ids(e3, e2), ids(first));
    ClaimedDelivery c = first.get(0);
    assertEquals(new DeliveryRecord(t, e3.eventId(), L, null, 0, 2, DeliveryStatus.PENDING, 0, T0, "a",
        T0.plus(LEASE), null, T0), c.delivery());
    assertEquals(e3, c.event());
    assertEquals(ids(e1), ids(claim("b", T0, 10, L)), "leased and not yet due deliveries are left");
    assertEquals(ids(e4), ids(claim("b", T0.plusSeconds(10), 10, L)), "due now");
    assertEquals(List.of(), claim("b", T0.plus(LEASE).minusNanos(1000), 10, L));

    // a's leases (e3, e2) and b's first one (e1) run out at T0 + 30 s: a lease holds until, not at, its end.
    assertEquals(ids(e3, e2, e1), ids(claim("b", T0.plus(LEASE), 10, L)));
    Instant later = T0.plusSeconds(31);
    assertFalse(test(tx -> tx.deliveries().reschedule(t, e3.eventId(), L, "a", 1, later, "late", later)));
    assertFalse(test(tx -> tx.deliveries().park(t, e2.eventId(), L, "a", 1, "late", later)));
    assertTrue(test(tx -> tx.deliveries().reschedule(t, e3.eventId(), L, "b", 1, T0.plusSeconds(90), "timeout",
        later)));
    // A success is recorded whoever reports it (a's lease on e2 was taken over by b).
    delivered(e2, L, later);
    assertFalse(test(tx -> tx.deliveries().park(t, e2.eventId(), L, null, 1, "x", later)), "DELIVERED stays");
    assertFalse(test(tx -> tx.deliveries().reschedule(t, e2.eventId(), L, "b", 1, later, "x", later)));
    delivered(e1, L, later);
    assertEquals(ids(e4), ids(claim("c", T0.plusSeconds(89), 10, L)), "e4's lease ran out; e3 is not due yet");
    List<ClaimedDelivery> retried = claim("c", T0.plusSeconds(90), 10, L);
    assertEquals(ids(e3), ids(retried));
    assertEquals(1, retried.get(0).delivery().attempts());
    assertEquals("timeout", retried.get(0).delivery().lastError());
  }

  @Test
  void lastErrorAndLeaseAreClearedOrKeptAsDocumented() {
    long t = tenant();
    EventRecord e = positioned(t, 9L, 1, 1);
    create(pending(e, L));
    claim("a", T0, 1, L);
    assertTrue(test(tx -> tx.deliveries().reschedule(t, e.eventId(), L, "a", 1, T0, "first failure", T0)));
    ClaimedDelivery again = claim("b", T0, 1, L).get(0);
    assertEquals("first failure", again.delivery().lastError());
    assertEquals("b", again.delivery().leaseOwner());
    assertTrue(test(tx -> tx.deliveries().park(t, e.eventId(), L, "b", 2, "second failure", T0.plusSeconds(1))));
    ClaimedDelivery parked = parked(L, t, null, 1).get(0);
    assertNull(parked.delivery().leaseOwner());
    assertNull(parked.delivery().leaseUntil());
    assertEquals(2, parked.delivery().attempts());
    assertEquals(T0, parked.delivery().nextAttemptAt());
    assertEquals(T0.plusSeconds(1), parked.delivery().updatedAt());
  }

  @Test
  void parkedDeliveriesPageByEventIdAndReplayMakesThemPendingWithNoAttempts() {
    long a = tenant();
    long b = tenant();
    EventRecord a1 = positioned(a, 1L, 1, 1);
    EventRecord a2 = positioned(a, 2L, 1, 2);
    EventRecord b1 = positioned(b, 3L, 1, 1);
    EventRecord a3 = positioned(a, 1L, 2, 3);
    for (EventRecord e : List.of(a1, a2, b1, a3)) {
      create(pending(e, L));
      assertTrue(test(tx -> tx.deliveries().park(e.tenantId(), e.eventId(), L, null, 3, "boom", T0)));
    }
    create(pending(a1, M));
    assertFalse(test(tx -> tx.deliveries().park(a, a1.eventId(), L, null, 4, "again", T0)), "parked already");
    assertFalse(test(tx -> tx.deliveries().park(a, a1.eventId(), M, "x", 1, "not leased to x", T0)));

    List<ClaimedDelivery> all = parked(L, null, null, 10);
    assertEquals(ids(a1, a2, b1, a3), ids(all));
    assertEquals(new DeliveryRecord(b, b1.eventId(), L, 3L, 1, 1, DeliveryStatus.PARKED, 3, T0, null, null, "boom",
        T0), all.get(2).delivery());
    assertEquals(b1, all.get(2).event());
    assertEquals(ids(a1, a2, a3), ids(parked(L, a, null, 10)));
    assertEquals(ids(b1, a3), ids(parked(L, null, a2.eventId(), 2)));
    assertEquals(ids(a3), ids(parked(L, a, a2.eventId(), 10)));
    assertEquals(List.of(), parked(M, null, null, 10));

    Instant later = T0.plusSeconds(300);
    assertTrue(test(tx -> tx.deliveries().replay(a, a2.eventId(), L, later)));
    assertFalse(test(tx -> tx.deliveries().replay(a, a2.eventId(), L, later)), "no longer parked");
    assertFalse(test(tx -> tx.deliveries().replay(a, a1.eventId(), M, later)), "pending, not parked");
    assertFalse(test(tx -> tx.deliveries().replay(b, a2.eventId(), L, later)), "another tenant");
    assertEquals(ids(a1, a3), ids(parked(L, a, null, 10)));
    List<ClaimedDelivery> replayed = claim("a", later, 10, L);
    assertEquals(ids(a2), ids(replayed));
    assertEquals(new DeliveryRecord(a, a2.eventId(), L, 2L, 1, 2, DeliveryStatus.PENDING, 0, later, "a",
        later.plus(LEASE), null, later), replayed.get(0).delivery());
  }

  /**
   * A subscriber's deliveries (a webhook endpoint's delivery log) are listed as they stand, newest event first, in
   * every status or in one, a page before each cursor: delivered at the first attempt or after a failure (its
   * attempts and last error kept), parked, pending leased, pending held back behind the participant's earlier one,
   * pending waiting for a retry. Another subscriber's (an endpoint, a listener) and another tenant's are never listed.
   */
  @Test
  void aSubscribersDeliveriesAreListedAsTheyStandNewestEventFirstInEveryStatusOrInOne() {
    long t = tenant();
    long other = tenant();
    String w = "webhook:7";
    EventRecord e1 = positioned(t, 1L, 1, 1);
    EventRecord e2 = positioned(t, 1L, 2, 2);
    EventRecord e3 = positioned(t, 2L, 1, 3);
    EventRecord e4 = positioned(t, 2L, 2, 4);
    EventRecord e5 = positioned(t, 2L, 3, 5);
    EventRecord e6 = positioned(t, null, 0, 6);
    for (EventRecord e : List.of(e1, e2, e3, e4, e5, e6)) {
      create(pending(e, w));
    }
    // e5 waits behind e4, and e2 and e4 behind e1 and e3, so the first claim takes e1, e3 and e6.
    assertEquals(ids(e1, e3, e6), ids(claimWebhooks("a", T0)));
    delivered(e1, w, T0.plusSeconds(1));
    assertTrue(test(tx -> tx.deliveries().park(t, e3.eventId(), w, "a", 10, "HTTP 503", T0.plusSeconds(2))));
    assertTrue(test(tx -> tx.deliveries().reschedule(t, e6.eventId(), w, "a", 1, T0.plusSeconds(60), "timed out",
        T0.plusSeconds(3))));
    assertEquals(ids(e2, e4), ids(claimWebhooks("b", T0.plusSeconds(4))));
    assertTrue(test(tx -> tx.deliveries().reschedule(t, e2.eventId(), w, "b", 1, T0.plusSeconds(10), "HTTP 500",
        T0.plusSeconds(5))));
    assertEquals(ids(e2), ids(claimWebhooks("c", T0.plusSeconds(10))));
    delivered(e2, w, T0.plusSeconds(11));
    // Beside them: another endpoint's and a listener's deliveries of the same events, in every status, and another
    // tenant's endpoint of the same subscriber name.
    for (EventRecord e : List.of(e1, e2, e3, e4, e5, e6)) {
      create(pending(e, "webhook:8"));
      create(pending(e, L));
    }
    delivered(e5, "webhook:8", T0);
    assertTrue(test(tx -> tx.deliveries().park(t, e6.eventId(), L, null, 3, "listener failed", T0)));
    EventRecord theirs = positioned(other, 1L, 1, 1);
    EventRecord theirsLater = positioned(other, 2L, 1, 2);
    create(pending(theirs, w));
    create(pending(theirsLater, w));
    delivered(theirsLater, w, T0);

    List<ClaimedDelivery> all = listed(t, w, null, null, 10);
    assertEquals(ids(e6, e5, e4, e3, e2, e1), ids(all));
    assertEquals(List.of(
        new DeliveryRecord(t, e6.eventId(), w, null, 0, 6, DeliveryStatus.PENDING, 1, T0.plusSeconds(60), null, null,
            "timed out", T0.plusSeconds(3)),
        new DeliveryRecord(t, e5.eventId(), w, 2L, 3, 5, DeliveryStatus.PENDING, 0, T0, null, null, null, T0),
        new DeliveryRecord(t, e4.eventId(), w, 2L, 2, 4, DeliveryStatus.PENDING, 0, T0, "b",
            T0.plusSeconds(4).plus(LEASE), null, T0.plusSeconds(4)),
        new DeliveryRecord(t, e3.eventId(), w, 2L, 1, 3, DeliveryStatus.PARKED, 10, T0, null, null, "HTTP 503",
            T0.plusSeconds(2)),
        new DeliveryRecord(t, e2.eventId(), w, 1L, 2, 2, DeliveryStatus.DELIVERED, 1, T0.plusSeconds(10), null, null,
            "HTTP 500", T0.plusSeconds(11)),
        new DeliveryRecord(t, e1.eventId(), w, 1L, 1, 1, DeliveryStatus.DELIVERED, 0, T0, null, null, null,
            T0.plusSeconds(1))), all.stream().map(ClaimedDelivery::delivery).toList());
    assertEquals(List.of(e6, e5, e4, e3, e2, e1), all.stream().map(ClaimedDelivery::event).toList());

    assertEquals(ids(e6, e5, e4), ids(listed(t, w, DeliveryStatus.PENDING, null, 10)));
    assertEquals(ids(e3), ids(listed(t, w, DeliveryStatus.PARKED, null, 10)));
    assertEquals(ids(e2, e1), ids(listed(t, w, DeliveryStatus.DELIVERED, null, 10)));
    assertEquals(ids(e4), ids(listed(t, w, DeliveryStatus.PENDING, e5.eventId(), 10)), "before the cursor");
    assertEquals(List.of(), listed(t, w, DeliveryStatus.PARKED, e3.eventId(), 10));
    // Pages of two before each cursor, one not on the list too: none twice, none left out.
    assertEquals(ids(e6, e5), ids(listed(t, w, null, null, 2)));
    assertEquals(ids(e4, e3), ids(listed(t, w, null, e5.eventId(), 2)));
    assertEquals(ids(e2, e1), ids(listed(t, w, null, e3.eventId(), 2)));
    assertEquals(List.of(), listed(t, w, null, e1.eventId(), 2));
    assertEquals(ids(e3, e2, e1), ids(listed(t, w, null, e3.eventId() + 1, 10)), "a cursor no page returned");
    assertEquals(ids(e6, e5, e4, e3, e2, e1), ids(listed(t, w, null, Long.MAX_VALUE, 10)));
    assertEquals(List.of(), listed(t, w, null, null, 0));

    assertEquals(ids(theirsLater, theirs), ids(listed(other, w, null, null, 10)), "the other tenant's own");
    assertEquals(ids(e6, e5, e4, e3, e2, e1), ids(listed(t, L, null, null, 10)), "the listener's, by its name");
    assertEquals(ids(e6), ids(listed(t, L, DeliveryStatus.PARKED, null, 10)));
    assertEquals(ids(e5), ids(listed(t, "webhook:8", DeliveryStatus.DELIVERED, null, 10)));
    assertEquals(List.of(), listed(t, "webhook:9", null, null, 10));
    assertEquals(List.of(), listed(tenant(), w, null, null, 10), "a tenant without deliveries");
    assertThrows(IllegalArgumentException.class, () -> listed(t, w, null, null, -1));
  }

  /**
   * A replayed delivery comes before the participant's later ones again, but not beside one of them that an instance
   * holds: claimed now, the subscriber would get two of the participant's events at once, from two instances.
   */
  @Test
  void aReplayedDeliveryWaitsWhileALaterOneOfItsParticipantIsLeased() {
    long t = tenant();
    EventRecord s1 = positioned(t, 1L, 1, 1);
    EventRecord s2 = positioned(t, 1L, 2, 2);
    EventRecord other = positioned(t, 2L, 1, 3);
    for (EventRecord e : List.of(s1, s2, other)) {
      create(pending(e, L));
    }
    create(pending(s2, M));
    assertEquals(ids(s1, other), ids(claim("a", T0, 10, L)));
    assertTrue(test(tx -> tx.deliveries().park(t, s1.eventId(), L, "a", 10, "gave up", T0)));
    delivered(other, L, T0);
    assertEquals(ids(s2), ids(claim("b", T0, 10, L)), "a parked delivery holds nothing back");

    Instant later = T0.plusSeconds(1);
    assertTrue(test(tx -> tx.deliveries().replay(t, s1.eventId(), L, later)));
    assertEquals(List.of(), claim("c", later, 10, L), "seq 2 is leased to b: seq 1 waits for it");
    assertEquals(ids(s2), ids(claim("c", later, 10, M)), "another subscriber is independent");

    delivered(s2, L, later);
    assertEquals(ids(s1), ids(claim("c", later, 10, L)), "claimable once seq 2 is no longer leased");
  }

  /**
   * As above, when the later delivery's holder stops: the replayed one is claimable once that lease has run out.
   */
  @Test
  void aReplayedDeliveryIsClaimableOnceTheLaterOnesLeaseRanOut() {
    long t = tenant();
    EventRecord s1 = positioned(t, 1L, 1, 1);
    EventRecord s2 = positioned(t, 1L, 2, 2);
    create(pending(s1, L));
    create(pending(s2, L));
    assertEquals(ids(s1), ids(claim("a", T0, 10, L)));
    assertTrue(test(tx -> tx.deliveries().park(t, s1.eventId(), L, "a", 10, "gave up", T0)));
    assertEquals(ids(s2), ids(claim("b", T0, 10, L)));
    assertTrue(test(tx -> tx.deliveries().replay(t, s1.eventId(), L, T0)));
    assertEquals(List.of(), claim("c", T0.plus(LEASE).minusNanos(1_000), 10, L), "b's lease is live");
    assertEquals(ids(s1), ids(claim("c", T0.plus(LEASE), 10, L)),
        "b's lease ran out: seq 1 first, seq 2 after it as before the park");
  }

  /**
   * Parking overdue webhook deliveries: only PENDING deliveries of {@code webhook:} subscribers due strictly before the
   * cutoff, in every tenant, not leased (an expired lease is no lease), at most the limit per call, those due first
   * first; they keep their attempts and due time, carry the reason, and are listed and replayed as any parked one;
   * and a participant's later delivery is claimable once its earlier ones are parked. Each endpoint here has the
   * evidence the port needs (a delivery PARKED, none DELIVERED, since the overdue ones were due; the next test
   * covers its absence).
   */
  @Test
  void parkOverdueWebhooksParksUnleasedPendingWebhookDeliveriesDueBeforeTheCutoffInBoundedBatches() {
    long t = tenant();
    long other = tenant();
    String w = "webhook:7";
    String leasedHook = "webhook:8";
    Instant cutoff = T0.plusSeconds(1);
    Instant now = T0.plusSeconds(10);
    EventRecord p1s1 = positioned(t, 1L, 1, 1);
    EventRecord p1s2 = positioned(t, 1L, 2, 2);
    EventRecord p1s3 = positioned(t, 1L, 3, 3);
    EventRecord p1s4 = positioned(t, 1L, 4, 4);
    EventRecord held = positioned(t, null, 0, 5);
    EventRecord ranOut = positioned(t, null, 0, 6);
    EventRecord done = positioned(t, null, 0, 7);
    EventRecord gaveUp = positioned(t, null, 0, 8);
    EventRecord elsewhere = positioned(other, 2L, 1, 1);
    EventRecord elsewhereGaveUp = positioned(other, null, 0, 2);
    EventRecord hookGaveUp = positioned(t, null, 0, 9);
    create(dueAt(elsewhere, w, T0.minusSeconds(4), 0));
    // Each endpoint's evidence of failure: a delivery parked (its schedule ran out) at T0, after the overdue ones were
    // due, and none delivered since (done was delivered before).
    create(new DeliveryRecord(other, elsewhereGaveUp.eventId(), w, null, 0, 2, DeliveryStatus.PARKED, 10,
        T0.minusSeconds(6), null, null, "gave up", T0));
    create(new DeliveryRecord(t, hookGaveUp.eventId(), leasedHook, null, 0, 9, DeliveryStatus.PARKED, 10,
        T0.minusSeconds(6), null, null, "gave up", T0));
    create(dueAt(p1s1, w, T0.minusSeconds(3), 0));
    create(new DeliveryRecord(t, ranOut.eventId(), leasedHook, null, 0, 6, DeliveryStatus.PENDING, 0,
        T0.minusSeconds(2), "gone", now, null, T0));
    create(new DeliveryRecord(t, p1s2.eventId(), w, 1L, 2, 2, DeliveryStatus.PENDING, 3, T0.minusSeconds(1), null,
        null, "timeout", T0));
    create(dueAt(p1s3, w, T0, 0));
    create(dueAt(p1s4, w, cutoff, 0));
    create(new DeliveryRecord(t, held.eventId(), leasedHook, null, 0, 5, DeliveryStatus.PENDING, 0,
        T0.minusSeconds(5), "live", now.plusNanos(1000), null, T0));
    create(new DeliveryRecord(t, done.eventId(), w, null, 0, 7, DeliveryStatus.DELIVERED, 1, T0.minusSeconds(6),
        null, null, null, T0.minusSeconds(5)));
    create(new DeliveryRecord(t, gaveUp.eventId(), w, null, 0, 8, DeliveryStatus.PARKED, 10, T0.minusSeconds(6),
        null, null, "gave up", T0));
    create(dueAt(p1s1, L, T0.minusSeconds(6), 0));
    String reason = "not delivered within the retry window";

    assertEquals(2, parkOverdue(cutoff, reason, now, 2));
    assertEquals(ids(p1s1, gaveUp), ids(parked(w, t, null, 10)), "the two due first, one in each tenant");
    assertEquals(ids(elsewhere, elsewhereGaveUp), ids(parked(w, other, null, 10)));
    assertEquals(2, parkOverdue(cutoff, reason, now, 2));
    assertEquals(1, parkOverdue(cutoff, reason, now, 2));
    assertEquals(0, parkOverdue(cutoff, reason, now, 2));
    assertEquals(0, parkOverdue(cutoff, reason, now, 0));
    assertThrows(IllegalArgumentException.class, () -> parkOverdue(cutoff, reason, now, -1));

    assertEquals(ids(p1s1, p1s2, p1s3, gaveUp), ids(parked(w, t, null, 10)), "due at the cutoff is not overdue");
    assertEquals(new DeliveryRecord(t, p1s2.eventId(), w, 1L, 2, 2, DeliveryStatus.PARKED, 3, T0.minusSeconds(1),
        null, null, reason, now), parked(w, t, null, 10).get(1).delivery(), "attempts and due time kept");
    assertEquals(new DeliveryRecord(t, gaveUp.eventId(), w, null, 0, 8, DeliveryStatus.PARKED, 10,
        T0.minusSeconds(6), null, null, "gave up", T0), parked(w, t, null, 10).get(3).delivery(), "parked before");
    assertEquals(ids(ranOut, hookGaveUp), ids(parked(leasedHook, t, null, 10)), "a lease that ran out holds nothing");
    assertEquals(List.of(), parked(L, null, null, 10), "a listener's deliveries are not the port's to park");

    List<ClaimedDelivery> later = tx(tx -> tx.deliveries().claim(Set.of(L), true, Set.of(), now, "a",
        now.plus(LEASE), 10));
    assertEquals(List.of(List.of(p1s1.eventId(), L), List.of(p1s4.eventId(), w)), keys(later),
        "the participant's later delivery is no longer held back; the live lease holds");
    List<ClaimedDelivery> afterLease = tx(tx -> tx.deliveries().claim(Set.of(), true, Set.of(),
        now.plusNanos(1000), "b", now.plus(LEASE), 10));
    assertEquals(List.of(List.of(held.eventId(), leasedHook)), keys(afterLease), "the leased one stayed PENDING");
    assertEquals(0, afterLease.get(0).delivery().attempts());

    // Delivered first: while "a" held p1s4, the replayed p1s2 would wait (the participant's two at once).
    delivered(p1s4, w, now);
    assertTrue(test(tx -> tx.deliveries().replay(t, p1s2.eventId(), w, now)));
    List<ClaimedDelivery> replayed = tx(tx -> tx.deliveries().claim(Set.of(), true, Set.of(), now, "c",
        now.plus(LEASE), 10));
    assertEquals(ids(p1s2), ids(replayed), "replayed, and not held back by the earlier parked one");
    assertEquals(new DeliveryRecord(t, p1s2.eventId(), w, 1L, 2, 2, DeliveryStatus.PENDING, 0, now, "c",
        now.plus(LEASE), null, now), replayed.get(0).delivery());
  }

  /**
   * Age alone parks nothing: an overdue webhook delivery is parked only with evidence that its endpoint failed for the
   * whole window since it was due, that is no delivery of the same tenant and subscriber DELIVERED since it was due
   * ({@code updatedAt >= nextAttemptAt}), and one PARKED since (its schedule ran out while this one waited). Not an
   * endpoint that took another participant's event since (a refused event's successors, held back behind it), nor
   * one nothing was attempted for since (a dispatcher stopped for longer than the window; a delivery parked before
   * does not count), nor one whose parked delivery was replayed (PENDING again); the dead endpoint's are parked, and
   * a delivery just before the due time is no evidence against it.
   */
  @Test
  void parkOverdueWebhooksParksOnlyWithEvidenceThatTheEndpointFailedSinceTheDeliveryWasDue() {
    long t = tenant();
    String refusing = "webhook:21";
    String dead = "webhook:22";
    String idle = "webhook:23";
    String replayed = "webhook:24";
    Instant due = T0.minusSeconds(100);
    Instant now = T0.plusSeconds(10);
    EventRecord a1 = positioned(t, 1L, 1, 1);
    EventRecord a2 = positioned(t, 1L, 2, 2);
    EventRecord b1 = positioned(t, 2L, 1, 3);
    EventRecord before = positioned(t, null, 0, 4);
    for (String w : List.of(refusing, dead, replayed)) {
      // a1 refused ten times, parked at T0 - 5 s: a2, due since before then, was held back behind it.
      create(new DeliveryRecord(t, a1.eventId(), w, 1L, 1, 1, DeliveryStatus.PARKED, 10, due.minusSeconds(50), null,
          null, "HTTP 500", T0.minusSeconds(5)));
      create(dueAt(a2, w, due, 0));
    }
    // The refusing endpoint took participant 2's event since a2 was due, at that very time.
    create(new DeliveryRecord(t, b1.eventId(), refusing, 2L, 1, 3, DeliveryStatus.DELIVERED, 1, due, null, null,
        null, due));
    // The dead one delivered an event just before, and participant 2's waits too.
    create(new DeliveryRecord(t, before.eventId(), dead, null, 0, 4, DeliveryStatus.DELIVERED, 1,
        due.minusSeconds(60), null, null, null, due.minusNanos(1000)));
    create(dueAt(b1, dead, due, 0));
    // Nothing was attempted for the idle one since a2 was due: a1 was parked before.
    create(new DeliveryRecord(t, a1.eventId(), idle, 1L, 1, 1, DeliveryStatus.PARKED, 10, due.minusSeconds(50), null,
        null, "HTTP 500", due.minusNanos(1000)));
    create(dueAt(a2, idle, due, 0));
    assertTrue(test(tx -> tx.deliveries().replay(t, a1.eventId(), replayed, T0)));

    assertEquals(2, parkOverdue(T0, "late", now, 10));
    assertEquals(ids(a1, a2, b1), ids(parked(dead, t, null, 10)), "the dead endpoint's backlog is parked");
    assertEquals(ids(a1), ids(parked(refusing, t, null, 10)), "the endpoint took another participant's event");
    assertEquals(ids(a1), ids(parked(idle, t, null, 10)), "nothing was attempted since a2 was due");
    assertEquals(List.of(), parked(replayed, t, null, 10), "a replayed delivery is no evidence");
    assertEquals(0, parkOverdue(T0, "late", now, 10));

    List<ClaimedDelivery> claimed = tx(tx -> tx.deliveries().claim(Set.of(), true, Set.of(), now, "a",
        now.plus(LEASE), 10));
    assertEquals(Set.of(List.of(a2.eventId(), refusing), List.of(a2.eventId(), idle), List.of(a1.eventId(), replayed)),
        new HashSet<>(keys(claimed)), "left to be attempted");
  }

  int parkOverdue(Instant dueBefore, String reason, Instant now, int limit) {
    return tx(tx -> tx.deliveries().parkOverdueWebhooks(dueBefore, reason, now, limit));
  }

  static DeliveryRecord dueAt(EventRecord e, String subscriber, Instant due, int attempts) {
    return new DeliveryRecord(e.tenantId(), e.eventId(), subscriber, e.participantId(), e.sequence(), e.position(),
        DeliveryStatus.PENDING, attempts, due, null, null, null, T0);
  }

  @Test
  void creatingADeliveryThatExistsKeepsTheFirstAndADeliveryNeedsItsEvent() {
    long t = tenant();
    EventRecord e = positioned(t, 5L, 1, 1);
    create(pending(e, L));
    create(new DeliveryRecord(t, e.eventId(), L, 5L, 1, 1, DeliveryStatus.PENDING, 7, T0.plusSeconds(3600), null,
        null, "other", T0));
    List<ClaimedDelivery> claimed = claim("a", T0, 10, L);
    assertEquals(ids(e), ids(claimed));
    assertEquals(0, claimed.get(0).delivery().attempts());
    assertThrows(StorageException.class, () -> create(new DeliveryRecord(t, nextId(), L, null, 0, 1,
        DeliveryStatus.PENDING, 0, T0, null, null, null, T0)));
    assertThrows(StorageException.class, () -> create(new DeliveryRecord(t + 1, e.eventId(), L, null, 0, 1,
        DeliveryStatus.PENDING, 0, T0, null, null, null, T0)), "the event of another tenant");
  }

  @Test
  void creatingDeliveriesAllAtOnceCreatesEachAsGivenAndKeepsOnesThatExist() {
    long t = tenant();
    EventRecord e1 = positioned(t, 5L, 1, 1);
    EventRecord e2 = positioned(t, 6L, 1, 2);
    create(pending(e1, L));
    run(tx -> tx.deliveries().createAll(List.of()));
    run(tx -> tx.deliveries().createAll(List.of(
        new DeliveryRecord(t, e1.eventId(), L, 5L, 1, 1, DeliveryStatus.PENDING, 7, T0, null, null, "other", T0),
        pending(e1, M), pending(e2, L), pending(e2, M))));
    List<ClaimedDelivery> claimed = claim("a", T0, 10, L);
    assertEquals(ids(e1, e2), ids(claimed));
    assertEquals(0, claimed.get(0).delivery().attempts(), "the delivery that existed is kept");
    assertEquals(ids(e1, e2), ids(claim("a", T0, 10, M)));
    assertThrows(StorageException.class, () -> run(tx -> tx.deliveries().createAll(List.of(pending(e2, "x"),
        new DeliveryRecord(t, nextId(), L, null, 0, 1, DeliveryStatus.PENDING, 0, T0, null, null, null, T0)))),
        "a delivery needs its event");
    assertEquals(List.of(), claim("a", T0, 10, "x"), "nothing of a failed unit of work");
  }

  @Test
  void deleteAllRemovesOneSubscribersDeliveriesInOneTenant() {
    long a = tenant();
    long b = tenant();
    EventRecord ea = positioned(a, null, 0, 1);
    EventRecord eb = positioned(b, null, 0, 1);
    create(pending(ea, "webhook:1"));
    create(pending(ea, L));
    create(pending(eb, "webhook:1"));
    run(tx -> tx.deliveries().deleteAll(a, "webhook:1"));
    List<ClaimedDelivery> left = tx(tx -> tx.deliveries().claim(Set.of(L), true, Set.of(), T0, "a",
        T0.plus(LEASE), 10));
    assertEquals(Set.of(List.of(a, ea.eventId(), L), List.of(b, eb.eventId(), "webhook:1")), left.stream()
        .map(d -> List.<Object>of(d.delivery().tenantId(), d.delivery().eventId(), d.delivery().subscriber()))
        .collect(Collectors.toSet()));
  }

  // ---------------------------------------------------------------- pruning

  @Test
  void pruneDeletesOldPositionedEventsWhoseDeliveriesAreAllDeliveredAndKeepsTheRest() {
    PruneScene s = pruneScene();
    long t = s.tenantId();
    EventRecord delivered = s.delivered();
    EventRecord pending = s.pending();
    EventRecord parked = s.parked();
    EventRecord recent = s.recent();
    Instant now = s.now();

    assertEquals(2, prune(s.cutoff(), 1), "a walk in steps of one");
    assertEquals(0, prune(s.cutoff(), 10));
    assertEquals(Optional.empty(), tx(tx -> tx.events().find(t, delivered.eventId())));
    assertEquals(Optional.empty(), tx(tx -> tx.events().find(t, s.unsubscribed().eventId())));
    for (EventRecord kept : List.of(pending, parked, s.unpositioned(), recent)) {
      assertTrue(tx(tx -> tx.events().find(t, kept.eventId())).isPresent(), kept.toString());
    }
    create(pending(pending, L));
    assertEquals(List.of(), claim("a", now, 10, L),
        "a kept event keeps its DELIVERED deliveries: creating one again does nothing");
    assertThrows(StorageException.class, () -> create(pending(delivered, L)), "the event is gone");
    // The event written again: had its DELIVERED deliveries stayed, creating one would do nothing.
    append(new EventRecord(delivered.eventId(), t, delivered.type(), delivered.campaignId(),
        delivered.participantId(), delivered.sequence(), delivered.occurredAt(), 1, 0, delivered.payload()));
    run(tx -> tx.events().position(t, delivered.eventId(), 1, T0));
    create(pending(delivered, L));
    assertEquals(ids(delivered), ids(claim("a", now, 10, L)), "the delivered deliveries went with their event");
    assertEquals(ids(pending), ids(claim("a", now, 10, M)));
    assertEquals(ids(parked), ids(parked(M, t, null, 10)));
    assertEquals(1, prune(T0.plus(Duration.ofDays(30)), 10), "the recent event, later");
    assertEquals(Optional.empty(), tx(tx -> tx.events().find(t, recent.eventId())));
    for (EventRecord kept : List.of(pending, parked, s.unpositioned())) {
      assertTrue(tx(tx -> tx.events().find(t, kept.eventId())).isPresent(), kept.toString());
    }
  }

  @Test
  void pruneCountsFromWhenAnEventWasPositionedNotFromWhenItOccurred() {
    long t = tenant();
    Instant cutoff = T0.plus(Duration.ofDays(7));
    // Occurred at T0, positioned only at the cutoff (a dispatcher that stood still): a feed reader has had no chance
    // to read it yet, however long ago it occurred.
    EventRecord late = event(t, EventType.POINTS_AWARDED, 1L, 1L, 1, "{}");
    append(late);
    run(tx -> tx.events().position(t, late.eventId(), 1, cutoff));
    assertEquals(0, prune(cutoff, 10), "positioned at the cutoff, not before it");
    assertTrue(tx(tx -> tx.events().find(t, late.eventId())).isPresent());
    assertEquals(1, prune(cutoff.plusMillis(1), 10), "positioned before this cutoff");
    assertEquals(Optional.empty(), tx(tx -> tx.events().find(t, late.eventId())));
  }

  /**
   * A walk of pruning goes in steps: each examines at most its limit of the events positioned before the cutoff, in
   * the order of when they were positioned, then tenant, then id, from just after the last one the step before
   * examined, deletes the free ones among them, and says which it examined last; held and free events at one time in
   * two tenants are each examined once, none skipped, the held ones kept.
   */
  @Test
  void aPruneStepExaminesItsLimitInOrderAndTheNextGoesOnAfterTheLastItExamined() {
    long a = tenant();
    long b = tenant();
    long first = Math.min(a, b);
    long second = Math.max(a, b);
    Instant cutoff = T0.plus(Duration.ofDays(7));
    Instant tied = T0.plusSeconds(5);
    // Expected walk: T0's event of the second tenant, then at the tied time the first tenant's two, then the
    // second's two, then a held one at T0 + 9 s; one positioned at the cutoff is not examined. The second tenant's
    // tied events are made first, so that their ids are lower: by id before tenant they would come first.
    List<PruneCursor> order = new ArrayList<>();
    List<EventRecord> held = new ArrayList<>();
    EventRecord early = positionedAt(second, 1, T0);
    order.add(new PruneCursor(T0, second, early.eventId()));
    for (long tenant : List.of(second, first)) {
      for (int i = 0; i < 2; i++) {
        EventRecord e = positionedAt(tenant, 2 + i, tied);
        order.add(new PruneCursor(tied, tenant, e.eventId()));
        if (i == 1) {
          held.add(e);
        }
      }
    }
    EventRecord late = positionedAt(first, 9, T0.plusSeconds(9));
    order.add(new PruneCursor(T0.plusSeconds(9), first, late.eventId()));
    held.add(late);
    EventRecord atCutoff = positionedAt(first, 10, cutoff);
    for (EventRecord e : held) {
      create(pending(e, L));
    }
    // Held by two undelivered deliveries: the step's probe of its deliveries answers one row for it.
    create(pending(late, "webhook:7"));
    order.sort(Comparator.comparing(PruneCursor::positionedAt).thenComparingLong(PruneCursor::tenantId)
        .thenComparingLong(PruneCursor::eventId));

    PruneStep one = storage().inTransaction(tx -> tx.events().prune(cutoff, null, 2));
    assertEquals(new PruneStep(2, 2, order.get(1)), one, "the first two, both free");
    PruneStep two = storage().inTransaction(tx -> tx.events().prune(cutoff, one.last(), 2));
    assertEquals(new PruneStep(2, 1, order.get(3)), two, "the next two, one held");
    PruneStep three = storage().inTransaction(tx -> tx.events().prune(cutoff, two.last(), 2));
    assertEquals(new PruneStep(2, 0, order.get(5)), three, "the next two, both held");
    PruneStep four = storage().inTransaction(tx -> tx.events().prune(cutoff, three.last(), 2));
    assertEquals(new PruneStep(0, 0, null), four, "past the last event before the cutoff: the walk is over");
    for (EventRecord e : held) {
      assertTrue(tx(tx -> tx.events().find(e.tenantId(), e.eventId())).isPresent(), "held " + e);
    }
    assertTrue(tx(tx -> tx.events().find(first, atCutoff.eventId())).isPresent(), "positioned at the cutoff");
    assertEquals(0, prune(cutoff, 2), "a walk from the first event again finds only held events");
    PruneStep again = storage().inTransaction(tx -> tx.events().prune(cutoff, null, 10));
    assertEquals(new PruneStep(3, 0, order.get(5)), again, "the three held ones");
  }

  /** An event of the tenant and participant 1, positioned (position {@code sequence}) at {@code at}. */
  private EventRecord positionedAt(long tenantId, long sequence, Instant at) {
    EventRecord e = event(nextId(), tenantId, 1L, sequence, 0);
    append(e);
    run(tx -> tx.events().position(tenantId, e.eventId(), sequence, at));
    return e.withPosition(sequence);
  }

  /** The events of the pruning tests, one of each kind, of one participant (1), with their deliveries. */
  private record PruneScene(long tenantId, Instant cutoff, Instant now, EventRecord delivered,
      EventRecord unsubscribed, EventRecord pending, EventRecord parked, EventRecord unpositioned,
      EventRecord recent) {
  }

  /**
   * Before {@code cutoff}: an event delivered to both its subscribers, one nobody subscribed to, one still pending
   * for one subscriber, one parked for one, one not yet positioned; and one delivered to both but at the cutoff.
   */
  private PruneScene pruneScene() {
    long t = tenant();
    Instant cutoff = T0.plus(Duration.ofDays(7));
    EventRecord delivered = positioned(t, 1L, 1, 1);
    EventRecord unsubscribed = positioned(t, 1L, 2, 2);
    EventRecord pending = positioned(t, 1L, 3, 3);
    EventRecord parked = positioned(t, 1L, 4, 4);
    EventRecord unpositioned = event(t, EventType.POINTS_AWARDED, 1L, 1L, 5, "{}");
    append(unpositioned);
    EventRecord recent = new EventRecord(nextId(), t, EventType.POINTS_AWARDED, 1L, 1L, 6, cutoff, 1, 0, "{}");
    append(recent);
    run(tx -> tx.events().position(t, recent.eventId(), 5, cutoff));
    for (EventRecord e : List.of(delivered, pending, parked, recent)) {
      create(pending(e, L));
      create(pending(e, M));
    }
    Instant now = T0.plusSeconds(1);
    for (EventRecord e : List.of(delivered, pending, recent)) {
      delivered(e, L, now);
    }
    delivered(delivered, M, now);
    delivered(parked, L, now);
    delivered(recent, M, now);
    assertTrue(test(tx -> tx.deliveries().park(t, parked.eventId(), M, null, 10, "boom", now)));
    return new PruneScene(t, cutoff, now, delivered, unsubscribed, pending, parked, unpositioned, recent);
  }

  // ---------------------------------------------------------------- webhook endpoints

  @Test
  void webhookEndpointsRoundTripAndUpdateEverythingButTheirCreationTime() {
    long t = tenant();
    WebhookEndpointRecord all = endpoint(t, nextId(), Set.of(), null, true, null, null);
    WebhookEndpointRecord some = endpoint(t, nextId(), EnumSet.of(EventType.POINTS_AWARDED,
        EventType.PARTICIPANT_CREATED), 42L, false, "whsec_previousAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        T0.plusSeconds(86_400));
    run(tx -> tx.webhookEndpoints().insert(some));
    run(tx -> tx.webhookEndpoints().insert(all));
    WebhookEndpointRecord other = endpoint(t + 1, nextId(), Set.of(EventType.POINTS_DEDUCTED), null, true, null,
        null);
    run(tx -> tx.webhookEndpoints().insert(other));

    assertEquals(Optional.of(some), tx(tx -> tx.webhookEndpoints().find(t, some.endpointId())));
    assertEquals(Optional.of(all), tx(tx -> tx.webhookEndpoints().find(t, all.endpointId())));
    assertEquals(Optional.empty(), tx(tx -> tx.webhookEndpoints().find(t + 1, all.endpointId())));
    assertEquals(List.of(all, some), tx(tx -> tx.webhookEndpoints().list(t)), "in id order");
    assertEquals(List.of(all), tx(tx -> tx.webhookEndpoints().listEnabled(t)));
    assertEquals(List.of(other), tx(tx -> tx.webhookEndpoints().list(t + 1)));

    Instant later = T0.plusSeconds(600);
    WebhookEndpointRecord rotated = new WebhookEndpointRecord(t, some.endpointId(), "https://hooks.example.com/v2",
        Set.of(EventType.POINTS_DEDUCTED), null, true, null, "whsec_rotatedBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
        some.secret(), later.plusSeconds(86_400), later, later);
    assertTrue(test(tx -> tx.webhookEndpoints().update(rotated)));
    WebhookEndpointRecord expected = new WebhookEndpointRecord(t, some.endpointId(), rotated.url(), rotated.types(),
        null, true, null, rotated.secret(), rotated.previousSecret(), rotated.previousSecretUntil(),
        some.createdAt(), later);
    assertEquals(Optional.of(expected), tx(tx -> tx.webhookEndpoints().find(t, some.endpointId())));
    assertEquals(List.of(all, expected), tx(tx -> tx.webhookEndpoints().listEnabled(t)));
    assertFalse(test(tx -> tx.webhookEndpoints().update(endpoint(t, nextId(), Set.of(), null, true, null, null))));

    StorageException duplicate = assertThrows(StorageException.class,
        () -> run(tx -> tx.webhookEndpoints().insert(all)));
    assertFalse(duplicate.getMessage().contains(all.secret()), duplicate.getMessage());
    assertFalse(duplicate.getMessage().contains("hooks.example.com"), duplicate.getMessage());

    assertTrue(test(tx -> tx.webhookEndpoints().delete(t, all.endpointId())));
    assertFalse(test(tx -> tx.webhookEndpoints().delete(t, all.endpointId())));
    assertFalse(test(tx -> tx.webhookEndpoints().delete(t, other.endpointId())), "another tenant's endpoint");
    assertEquals(List.of(expected), tx(tx -> tx.webhookEndpoints().list(t)));
  }

  @Test
  void aLockedWebhookEndpointIsHeldUntilTheUnitOfWorkCommits() throws Exception {
    assertAWebhookEndpointLockIsHeld(true);
  }

  @Test
  void aLockedWebhookEndpointIsHeldUntilTheUnitOfWorkRollsBack() throws Exception {
    assertAWebhookEndpointLockIsHeld(false);
  }

  /**
   * An endpoint's read-merge-write (an update through the API, the dispatcher disabling it) rests on its lock: a unit
   * of work locking it waits for another that holds it, and then reads what that one left; another tenant's id
   * finds nothing.
   */
  private void assertAWebhookEndpointLockIsHeld(boolean firstCommits) throws Exception {
    long t = tenant();
    WebhookEndpointRecord endpoint = endpoint(t, nextId(), Set.of(), null, true, null, null);
    run(tx -> tx.webhookEndpoints().insert(endpoint));
    assertEquals(Optional.empty(), tx(tx -> tx.webhookEndpoints().lock(t + 1, endpoint.endpointId())));
    Instant later = T0.plusSeconds(60);
    WebhookEndpointRecord disabled = new WebhookEndpointRecord(t, endpoint.endpointId(), endpoint.url(),
        endpoint.types(), null, false, "410 Gone", endpoint.secret(), null, null, endpoint.createdAt(), later);
    Optional<WebhookEndpointRecord> seen = secondWaitingForFirst(tx -> {
      assertEquals(Optional.of(endpoint), tx.webhookEndpoints().lock(t, endpoint.endpointId()));
      return tx.webhookEndpoints().update(disabled);
    }, firstCommits, tx -> tx.webhookEndpoints().lock(t, endpoint.endpointId()));
    assertEquals(Optional.of(firstCommits ? disabled : endpoint), seen,
        "the lock orders the read after the other's update");
  }

  // ---------------------------------------------------------------- atomicity

  @Test
  void aFailedUnitOfWorkLeavesNoTraceOfItsEventWrites() {
    AtomicityScene s = atomicityScene();
    long t = s.tenantId();
    EventRecord kept = s.kept();
    List<Object> before = observe(t, kept);

    failAfterEveryEventWrite(s);

    assertEquals(before, observe(t, kept));
    assertEquals(2L, nextSequence(t, s.participant().id()));
    assertEquals(1L, (long) tx(tx -> tx.events().lockFeed(t)), "the feed's position was restored");
    assertEquals(0L, (long) tx(tx -> tx.events().lockFeed(t + 1)));
    List<ClaimedDelivery> claimable = tx(tx -> tx.deliveries().claim(Set.of(L, M), false, Set.of(), T0, "z",
        T0.plus(LEASE), 10));
    assertEquals(Set.of(L, M), subscribers(claimable), "both deliveries are back, PENDING and not leased");
    for (ClaimedDelivery c : claimable) {
      assertEquals(pending(kept, c.delivery().subscriber()).attempts(), c.delivery().attempts());
    }
  }

  /** What the failed unit of work could have changed, read through the ports (changing nothing). */
  private List<Object> observe(long t, EventRecord kept) {
    return tx(tx -> List.of(tx.events().feed(t, 0, Set.of(), null, 100), tx.events().unpositioned(t, 100),
        tx.events().tenantsWithUnpositionedEvents(0, 100), tx.events().find(t, kept.eventId()),
        tx.deliveries().parked(L, null, null, 100), tx.deliveries().parked(M, null, null, 100),
        tx.webhookEndpoints().list(t)));
  }

  /** The state the atomicity tests start from. */
  private record AtomicityScene(Campaign campaign, Participant participant, EventRecord kept,
      WebhookEndpointRecord endpoint) {
    long tenantId() {
      return campaign.tenantId();
    }
  }

  /**
   * A participant whose first sequence number is taken, its event positioned at 1 in the tenant's feed (advanced to
   * 1) with a PENDING delivery to each of two listeners, and a webhook endpoint.
   */
  private AtomicityScene atomicityScene() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    Participant p = participant(campaign, "p@example.com");
    assertEquals(1L, nextSequence(t, p.id()));
    EventRecord kept = positioned(t, p.id(), 1, 1);
    run(tx -> {
      tx.events().lockFeed(t);
      tx.events().advanceFeed(t, 1);
    });
    create(pending(kept, L));
    create(pending(kept, M));
    WebhookEndpointRecord endpoint = endpoint(t, nextId(), Set.of(), null, true, null, null);
    run(tx -> tx.webhookEndpoints().insert(endpoint));
    return new AtomicityScene(campaign, p, kept, endpoint);
  }

  /** Runs a unit of work that calls every writing method of the event ports and then throws. */
  private void failAfterEveryEventWrite(AtomicityScene s) {
    long t = s.tenantId();
    EventRecord kept = s.kept();
    IllegalStateException boom = new IllegalStateException("boom");
    assertSame(boom, assertThrows(IllegalStateException.class, () -> storage().inTransaction(tx -> {
      tx.events().nextSequence(t, s.participant().id());
      EventRecord added = event(t, EventType.POINTS_AWARDED, s.campaign().id(), s.participant().id(), 2, "{}");
      tx.events().append(added);
      tx.events().lockFeed(t);
      tx.events().lockFeed(t + 1);
      tx.events().position(t, added.eventId(), 2, T0);
      tx.events().position(t, kept.eventId(), 9, T0);
      tx.events().advanceFeed(t, 9);
      tx.deliveries().create(pending(added.withPosition(2), L));
      tx.events().positionAll(t, List.of(added.eventId()), 3, T0);
      tx.deliveries().createAll(List.of(pending(added.withPosition(3), M)));
      tx.deliveries().claim(Set.of(L, M), true, Set.of(), T0, "a", T0.plus(LEASE), 10);
      tx.deliveries().delivered(t, kept.eventId(), L, T0);
      tx.deliveries().park(t, kept.eventId(), M, "a", 1, "x", T0);
      tx.deliveries().replay(t, kept.eventId(), M, T0);
      tx.deliveries().deleteAll(t, M);
      tx.webhookEndpoints().insert(endpoint(t, nextId(), Set.of(), null, true, null, null));
      tx.webhookEndpoints().update(endpoint(t, s.endpoint().endpointId(), Set.of(EventType.POINTS_AWARDED), 1L,
          false, null, null));
      tx.events().prune(T0.plus(Duration.ofDays(3650)), null, 100);
      tx.webhookEndpoints().delete(t, s.endpoint().endpointId());
      throw boom;
    })));
  }

  // ---------------------------------------------------------------- shared database

  @Test
  void twoInstancesClaimingAtOnceNeverShareADeliveryAndKeepEachParticipantsOrder() throws Exception {
    assumeSharedDatabase();
    int events = 2_000;
    long t = tenant();
    Map<Long, Long> participantOf = new HashMap<>();
    Map<Long, Long> sequenceOf = new HashMap<>();
    run(tx -> {
      for (int i = 0; i < events; i++) {
        // Half without a participant; the rest in pairs: participant k's events 1 and 2, two positions apart.
        Long participant = i % 2 == 0 ? null : 1_000_000L + i / 4;
        long sequence = participant == null ? 0 : i % 4 == 1 ? 1 : 2;
        EventRecord e = event(t, EventType.POINTS_AWARDED, 1L, participant, sequence, "{}");
        tx.events().append(e);
        tx.events().position(t, e.eventId(), i + 1, T0);
        tx.deliveries().create(pending(e.withPosition(i + 1), L));
        participantOf.put(e.eventId(), participant);
        sequenceOf.put(e.eventId(), sequence);
      }
    });
    Storage second = fixture().openStorage();
    AtomicLong clock = new AtomicLong();
    Map<Long, Long> claimedAt = new ConcurrentHashMap<>();
    Map<Long, Long> deliveredAt = new ConcurrentHashMap<>();
    List<Long> claimedTwice = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      List<Future<Integer>> workers = new ArrayList<>();
      for (Storage instance : List.of(storage(), second)) {
        String owner = "instance-" + workers.size();
        workers.add(threads.submit(() -> {
          start.await();
          int rounds = 0;
          while (true) {
            List<ClaimedDelivery> claimed = instance.inTransaction(tx -> tx.deliveries().claim(Set.of(L), false,
                Set.of(), T0, owner, T0.plus(Duration.ofHours(1)), 50));
            if (claimed.isEmpty()) {
              return rounds;
            }
            rounds++;
            for (ClaimedDelivery c : claimed) {
              if (claimedAt.putIfAbsent(c.event().eventId(), clock.incrementAndGet()) != null) {
                claimedTwice.add(c.event().eventId());
              }
            }
            instance.inTransaction(tx -> {
              for (ClaimedDelivery c : claimed) {
                tx.deliveries().delivered(t, c.event().eventId(), L, T0);
                // Ticked before the commit: a claim that saw this delivery DELIVERED ticks later.
                deliveredAt.put(c.event().eventId(), clock.incrementAndGet());
              }
              return null;
            });
          }
        }));
      }
      start.countDown();
      for (Future<Integer> worker : workers) {
        worker.get(5, TimeUnit.MINUTES);
      }
    } finally {
      threads.shutdownNow();
      second.close();
    }
    assertEquals(List.of(), claimedTwice);
    assertEquals(events, claimedAt.size());
    Map<Long, Long> firstEventOf = new HashMap<>();
    sequenceOf.forEach((eventId, sequence) -> {
      if (sequence == 1) {
        firstEventOf.put(participantOf.get(eventId), eventId);
      }
    });
    sequenceOf.forEach((eventId, sequence) -> {
      if (sequence == 2) {
        long first = firstEventOf.get(participantOf.get(eventId));
        assertTrue(deliveredAt.get(first) < claimedAt.get(eventId), "event 2 claimed before event 1 was delivered");
      }
    });
    assertEquals(List.of(), claim("late", T0.plus(Duration.ofHours(2)), 10, L), "every one was delivered");
  }

  @Test
  void aClaimDoesNotTakeWhatAnUncommittedClaimHolds() throws Exception {
    assumeSharedDatabase();
    long t = tenant();
    List<EventRecord> events = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      EventRecord e = positioned(t, null, 0, i);
      create(pending(e, L));
      events.add(e);
    }
    Storage second = fixture().openStorage();
    CountDownLatch claimed = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      Future<List<ClaimedDelivery>> holder = threads.submit(() -> storage().inTransaction(tx -> {
        List<ClaimedDelivery> c = tx.deliveries().claim(Set.of(L), false, Set.of(), T0, "first", T0.plus(LEASE), 3);
        claimed.countDown();
        await(release);
        return c;
      }));
      await(claimed);
      Started<List<ClaimedDelivery>> other = start(threads, () -> second.inTransaction(tx ->
          tx.deliveries().claim(Set.of(L), false, Set.of(), T0, "second", T0.plus(LEASE), 3)));
      List<ClaimedDelivery> secondClaim;
      if (claimSkipsHeldDeliveries()) {
        // SKIP LOCKED: the second claim passes the held rows by without waiting for the first to commit.
        try {
          secondClaim = other.outcome().get(30, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          throw new AssertionError("the second claim waits for the uncommitted first one, though "
              + "claimSkipsHeldDeliveries() says it passes held deliveries by", e);
        }
        release.countDown();
      } else {
        // The second claim waits for the first to commit, then reads past what it leased.
        awaitBlockedOnALock(other.thread());
        release.countDown();
        secondClaim = other.get();
      }
      assertEquals(ids(events.get(0), events.get(1), events.get(2)), ids(holder.get(60, TimeUnit.SECONDS)));
      assertEquals(ids(events.get(3), events.get(4), events.get(5)), ids(secondClaim));
    } finally {
      release.countDown();
      threads.shutdownNow();
      second.close();
    }
  }

  /**
   * Parking overdue webhook deliveries never takes one that an uncommitted claim of another instance holds (it
   * passes it by, or waits and re-checks it, finding it leased), and two instances parking at once park each
   * overdue delivery once between them.
   */
  @Test
  void parkingOverdueWebhooksLeavesWhatAnUncommittedClaimHoldsAndTwoInstancesParkEachOnce() throws Exception {
    assumeSharedDatabase();
    long t = tenant();
    String w = "webhook:3";
    int total = 60;
    List<EventRecord> events = new ArrayList<>();
    run(tx -> {
      for (int i = 1; i <= total; i++) {
        EventRecord e = event(t, EventType.POINTS_AWARDED, 1L, null, 0, "{}");
        tx.events().append(e);
        tx.events().position(t, e.eventId(), i, T0);
        tx.deliveries().create(pending(e.withPosition(i), w));
        events.add(e);
      }
    });
    Instant now = T0.plusSeconds(60);
    Instant cutoff = T0.plusSeconds(1);
    // The endpoint's evidence of failure since they were due: an earlier delivery parked at T0.
    EventRecord gaveUp = positioned(t, null, 0, total + 1);
    create(new DeliveryRecord(t, gaveUp.eventId(), w, null, 0, total + 1, DeliveryStatus.PARKED, 10,
        T0.minusSeconds(60), null, null, "gave up", T0));
    Storage second = fixture().openStorage();
    Storage third = fixture().openStorage();
    CountDownLatch claimed = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(3);
    try {
      Future<List<ClaimedDelivery>> holder = threads.submit(() -> storage().inTransaction(tx -> {
        List<ClaimedDelivery> c = tx.deliveries().claim(Set.of(), true, Set.of(), now, "first", now.plus(LEASE), 3);
        claimed.countDown();
        await(release);
        return c;
      }));
      await(claimed);
      CountDownLatch go = new CountDownLatch(1);
      List<Started<Integer>> parkers = new ArrayList<>();
      for (Storage instance : List.of(second, third)) {
        parkers.add(start(threads, () -> {
          await(go);
          int parked = 0;
          while (true) {
            int n = instance.inTransaction(tx -> tx.deliveries().parkOverdueWebhooks(cutoff, "late", now, 7));
            parked += n;
            if (n == 0) {
              return parked;
            }
          }
        }));
      }
      go.countDown();
      if (!claimSkipsHeldDeliveries()) {
        // The update waits for the uncommitted claim, then re-reads the rows it leased.
        awaitBlockedOnALock(parkers.get(0).thread());
      }
      release.countDown();
      int parked = 0;
      for (Started<Integer> p : parkers) {
        parked += p.get();
      }
      List<ClaimedDelivery> held = holder.get(60, TimeUnit.SECONDS);
      assertEquals(3, held.size());
      assertEquals(total - 3, parked, "each unleased overdue delivery parked once, by one of the two");
      Set<Long> parkedIds = new HashSet<>(ids(parked(w, t, null, 100)));
      parkedIds.remove(gaveUp.eventId());
      assertEquals(total - 3, parkedIds.size());
      for (ClaimedDelivery c : held) {
        assertFalse(parkedIds.contains(c.event().eventId()), "a delivery leased by a live claim was parked");
      }
    } finally {
      release.countDown();
      threads.shutdownNow();
      second.close();
      third.close();
    }
  }

  @Test
  void theFeedLockSerializesPositioningAlsoWhenTwoInstancesCreateATenantsFeed() throws Exception {
    assumeSharedDatabase();
    long t = tenant();
    Storage second = fixture().openStorage();
    CountDownLatch locked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      Future<Long> first = threads.submit(() -> storage().inTransaction(tx -> {
        long last = tx.events().lockFeed(t);
        locked.countDown();
        await(release);
        tx.events().advanceFeed(t, last + 5);
        return last;
      }));
      await(locked);
      Started<Long> other = start(threads, () -> second.inTransaction(tx -> tx.events().lockFeed(t)));
      // The second instance must be waiting for the first one's (uncommitted) feed row, not past it.
      awaitBlockedOnALock(other.thread());
      release.countDown();
      assertEquals(0L, first.get(60, TimeUnit.SECONDS));
      assertEquals(5L, other.get(), "it read the feed after the first one's positions");
    } finally {
      release.countDown();
      threads.shutdownNow();
      second.close();
    }
  }

  // ---------------------------------------------------------------- the stored rows beside the ports

  @Test
  void prunedEventsLeaveNoDeliveryRowsAndKeptOnesKeepAll() {
    EventTables rows = eventTables().orElse(null);
    assumeTrue(rows != null, NO_TABLES);
    PruneScene s = pruneScene();
    long t = s.tenantId();
    assertEquals(2, prune(s.cutoff(), 10));
    assertEquals(0, rows.deliveryRows(t, s.delivered().eventId()), "the delivered deliveries went with their event");
    assertEquals(2, rows.deliveryRows(t, s.pending().eventId()));
    assertEquals(2, rows.deliveryRows(t, s.parked().eventId()));
    assertEquals(2, rows.deliveryRows(t, s.recent().eventId()));
  }

  @Test
  void aFailedUnitOfWorkLeavesNoDeliveryOrFeedRowChanged() {
    EventTables rows = eventTables().orElse(null);
    assumeTrue(rows != null, NO_TABLES);
    AtomicityScene s = atomicityScene();
    long t = s.tenantId();
    long kept = s.kept().eventId();
    assertEquals(List.of(2L, OptionalLong.of(1), OptionalLong.empty()),
        List.of(rows.deliveryRows(t, kept), rows.feedRow(t), rows.feedRow(t + 1)));

    failAfterEveryEventWrite(s);

    assertEquals(2, rows.deliveryRows(t, kept), "the deliveries it marked, parked, replayed and deleted");
    assertEquals(OptionalLong.of(1), rows.feedRow(t), "the feed it advanced");
    assertEquals(OptionalLong.empty(), rows.feedRow(t + 1), "the feed row it created");
  }

  // ---------------------------------------------------------------- helpers

  long tenant() {
    return tenant(T0);
  }

  Campaign campaign() {
    return campaign(tenant(), T0);
  }

  long nextSequence(long tenantId, long participantId) {
    return storage().inTransaction(tx -> tx.events().nextSequence(tenantId, participantId));
  }

  long inCampaign(long tenantId, long participantId, long campaignId) {
    return storage().inTransaction(tx -> tx.events().nextSequenceInCampaign(tenantId, participantId, campaignId));
  }

  /** A whole walk of pruning from the first event, in steps of {@code limit}: how many events it deleted. */
  int prune(Instant before, int limit) {
    int deleted = 0;
    PruneCursor after = null;
    for (int steps = 0; steps < 1_000; steps++) {
      PruneCursor from = after;
      PruneStep step = storage().inTransaction(tx -> tx.events().prune(before, from, limit));
      deleted += step.deleted();
      if (step.examined() < limit) {
        return deleted;
      }
      after = step.last();
    }
    throw new AssertionError("the walk never ended");
  }

  Participant participant(Campaign campaign, String email) {
    Participant p = new Participant(nextId(), campaign.tenantId(), campaign.id(), email, email, null, null, null,
        null, Map.of(), 5, 5, T0, T0, null, null);
    run(tx -> tx.participants().insert(p));
    return p;
  }

  static EventRecord event(long tenantId, EventType type, Long campaignId, Long participantId, long sequence,
      String payload) {
    return new EventRecord(nextId(), tenantId, type, campaignId, participantId, sequence, T0, 1, 0, payload);
  }

  static EventRecord event(long eventId, long tenantId, Long participantId, long sequence, long position) {
    return new EventRecord(eventId, tenantId, EventType.POINTS_AWARDED, 1L, participantId, sequence, T0, 1,
        position, "{\"n\":" + eventId + "}");
  }

  void append(EventRecord... events) {
    run(tx -> {
      for (EventRecord e : events) {
        tx.events().append(e);
      }
    });
  }

  /** Appends an event and gives it a position. */
  EventRecord positioned(long tenantId, Long participantId, long sequence, long position) {
    EventRecord e = event(nextId(), tenantId, participantId, sequence, 0);
    append(e);
    run(tx -> tx.events().position(tenantId, e.eventId(), position, T0));
    return e.withPosition(position);
  }

  static DeliveryRecord pending(EventRecord e, String subscriber) {
    return new DeliveryRecord(e.tenantId(), e.eventId(), subscriber, e.participantId(), e.sequence(), e.position(),
        DeliveryStatus.PENDING, 0, T0, null, null, null, T0);
  }

  void create(DeliveryRecord d) {
    run(tx -> tx.deliveries().create(d));
  }

  List<ClaimedDelivery> claim(String owner, Instant now, int limit, String listener) {
    return tx(tx -> tx.deliveries().claim(Set.of(listener), false, Set.of(), now, owner, now.plus(LEASE), limit));
  }

  void delivered(EventRecord e, String subscriber, Instant now) {
    run(tx -> tx.deliveries().delivered(e.tenantId(), e.eventId(), subscriber, now));
  }

  List<ClaimedDelivery> parked(String subscriber, Long tenantId, Long afterEventId, int limit) {
    return tx(tx -> tx.deliveries().parked(subscriber, tenantId, afterEventId, limit));
  }

  List<ClaimedDelivery> listed(long tenantId, String subscriber, DeliveryStatus status, Long beforeEventId,
      int limit) {
    return tx(tx -> tx.deliveries().listForSubscriber(tenantId, subscriber, status, beforeEventId, limit));
  }

  /** Claims every claimable webhook delivery, up to ten, for {@code owner} at {@code now}. */
  List<ClaimedDelivery> claimWebhooks(String owner, Instant now) {
    return tx(tx -> tx.deliveries().claim(Set.of(), true, Set.of(), now, owner, now.plus(LEASE), 10));
  }

  List<EventRecord> feed(long tenantId, long after, Set<EventType> types, Long campaignId, int limit) {
    return tx(tx -> tx.events().feed(tenantId, after, types, campaignId, limit));
  }

  static List<Long> ids(EventRecord... events) {
    List<Long> ids = new ArrayList<>();
    for (EventRecord e : events) {
      ids.add(e.eventId());
    }
    return ids;
  }

  static List<Long> ids(List<ClaimedDelivery> claimed) {
    for (ClaimedDelivery c : claimed) {
      assertEquals(c.delivery().eventId(), c.event().eventId());
      assertEquals(c.delivery().tenantId(), c.event().tenantId());
    }
    return claimed.stream().map(c -> c.event().eventId()).toList();
  }

  /** Each claimed delivery's event id and subscriber, in claim order. */
  static List<List<Object>> keys(List<ClaimedDelivery> claimed) {
    ids(claimed);
    return claimed.stream().map(c -> List.<Object>of(c.delivery().eventId(), c.delivery().subscriber())).toList();
  }

  static Set<String> subscribers(List<ClaimedDelivery> claimed) {
    Set<String> subscribers = new HashSet<>();
    for (ClaimedDelivery c : claimed) {
      assertTrue(subscribers.add(c.delivery().subscriber()), "claimed twice: " + c.delivery().subscriber());
    }
    return subscribers;
  }

  static WebhookEndpointRecord endpoint(long tenantId, long endpointId, Set<EventType> types, Long campaignId,
      boolean enabled, String previousSecret, Instant previousSecretUntil) {
    return new WebhookEndpointRecord(tenantId, endpointId, "https://hooks.example.com/loyalty?x=1", types,
        campaignId, enabled, enabled ? null : "410 Gone", "whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0" + endpointId,
        previousSecret, previousSecretUntil, T0, T0.plusSeconds(1));
  }

}
