package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.core.spi.NodePort;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.StoreFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Engines built without a node id lease their node numbers from the storage, on one backend per subclass: engines
 * built at once on one database get distinct numbers and make ids that never collide; the lease is renewed by
 * dispatch rounds, so another instance cannot take the number while the engine runs; an engine whose lease ran out
 * and was taken moves to a new number; a closed engine's number is free again once the clock is past its last id;
 * an engine that takes a number over, when built or after losing its own, makes later ids than its previous holder
 * even if the clock steps back after the claim; a node id or an id generator set by the host leases nothing.
 *
 * <p>The engines dispatch manually and share a {@link SettableClock} that stands still unless a test moves it, so a
 * renewal happens exactly when a test calls {@code dispatch()} after moving the clock past the renewal time. The node
 * number an engine uses is read from its ids (bits 12..21 of the default layout). Other instances' leases are made
 * through the storage's {@link NodePort}.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class NodeLeaseTestBase {
  private static final Instant START = Instant.parse("2025-06-01T08:00:00Z");
  /** The engine's lease term and renewal interval, as {@code NodeLease} has them. */
  private static final Duration TERM = Duration.ofMinutes(10);
  private static final Duration RENEW_AFTER = Duration.ofMinutes(2);

  private StoreFixture fixture;
  private final SettableClock clock = SettableClock.at(START);
  private final List<LoyaltyEngine> engines = Collections.synchronizedList(new ArrayList<>());

  abstract StoreFixture createFixture();

  @BeforeEach
  final void open() {
    fixture = createFixture();
  }

  @AfterEach
  final void close() {
    List<LoyaltyEngine> open = new ArrayList<>(engines);
    Collections.reverse(open);
    open.forEach(LoyaltyEngine::close);
    fixture.close();
  }

  @Test
  void enginesBuiltAtOnceOnOneDatabaseGetDistinctNumbersAndTheirIdsNeverCollide() throws Exception {
    int instances = 6;
    ExecutorService threads = Executors.newFixedThreadPool(instances);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<LoyaltyEngine>> built = new ArrayList<>();
      for (int i = 0; i < instances; i++) {
        built.add(threads.submit(() -> {
          start.await();
          return engine();
        }));
      }
      start.countDown();
      List<LoyaltyEngine> all = new ArrayList<>();
      for (Future<LoyaltyEngine> engine : built) {
        all.add(engine.get(1, TimeUnit.MINUTES));
      }
      Set<Integer> nodes = new TreeSet<>();
      all.forEach(e -> nodes.add(nodeOf(e)));
      assertEquals(Set.of(0, 1, 2, 3, 4, 5), nodes, "the lowest numbers, each leased once");

      // The clock stands still: every id of every engine falls in one millisecond, told apart by the node only.
      CountDownLatch go = new CountDownLatch(1);
      List<Future<List<Long>>> made = new ArrayList<>();
      for (LoyaltyEngine engine : all) {
        made.add(threads.submit(() -> {
          go.await();
          List<Long> ids = new ArrayList<>();
          for (int i = 0; i < 50; i++) {
            ids.add(engine.tenants().create(NewTenant.business("Same millisecond")).id());
          }
          return ids;
        }));
      }
      go.countDown();
      Set<Long> ids = new HashSet<>();
      for (Future<List<Long>> f : made) {
        ids.addAll(f.get(1, TimeUnit.MINUTES));
      }
      assertEquals(instances * 50, ids.size(), "every tenant created, no id twice");
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void dispatchRoundsRenewTheLeaseSoThatNoOtherInstanceTakesTheNumber() {
    LoyaltyEngine engine = engine();
    assertEquals(0, nodeOf(engine));
    assertEquals(NodePort.NODES - 1, leaseEveryOtherNumber(START.plus(Duration.ofHours(1))).size());

    clock.advance(RENEW_AFTER.plusSeconds(1));
    engine.events().dispatch();
    clock.set(START.plus(TERM).plusSeconds(1)); // the first lease has run out; the renewed one has not

    IllegalStateException refused = assertThrows(IllegalStateException.class, this::engine);
    assertTrue(refused.getMessage().startsWith("all 1024 node numbers are leased by running engine instances on"
        + " this database"), refused.getMessage());
    assertEquals(0, nodeOf(engine));
  }

  @Test
  void aUnitOfWorkRenewsADueLeaseWithoutDispatch() {
    LoyaltyEngine engine = engine();
    assertEquals(0, nodeOf(engine));
    assertEquals(NodePort.NODES - 1, leaseEveryOtherNumber(START.plus(Duration.ofHours(1))).size());

    clock.advance(RENEW_AFTER.plusSeconds(1));
    engine.tenants().create(NewTenant.business("Renews first")); // manual dispatch, never called
    clock.set(START.plus(TERM).plusSeconds(1)); // the first lease has run out; the renewed one has not

    assertThrows(IllegalStateException.class, this::engine, "the number is still held");
  }

  @Test
  void anIdleEngineWhoseNumberWasTakenMovesToANewOneBeforeItsNextId() {
    LoyaltyEngine first = engine();
    LoyaltyEngine second = takeNumberZeroAfterTheTerm(first, 9);

    assertEquals(9, nodeOf(first), "its unit of work renewed first, found the number taken and took the free one");
    assertIdsApart(first, second);
  }

  @Test
  void anEngineWhoseLeaseRanOutAndWasTakenMovesToANewNumber() {
    LoyaltyEngine first = engine();
    LoyaltyEngine second = takeNumberZeroAfterTheTerm(first, 7);

    // The first engine has not noticed yet; its dispatch round does (its next unit of work would too, see
    // anIdleEngineWhoseNumberWasTakenMovesToANewOneBeforeItsNextId).
    first.events().dispatch();
    assertEquals(7, nodeOf(first), "its renewal found the number taken and claimed the free one");
    assertEquals(0, nodeOf(second));
    assertIdsApart(first, second);

    clock.advance(RENEW_AFTER.plusSeconds(1));
    first.events().dispatch();
    second.events().dispatch();
    clock.advance(TERM.minus(RENEW_AFTER));
    assertThrows(IllegalStateException.class, this::engine, "the new number's lease is renewed too");
    assertEquals(7, nodeOf(first));
  }

  @Test
  void aClosedEnginesNumberIsFreeOnceTheClockIsPastItsLastId() {
    LoyaltyEngine first = engine();
    long firstId = first.tenants().create(NewTenant.business("Before close")).id();
    assertEquals(0, node(firstId));
    leaseEveryOtherNumber(START.plus(Duration.ofHours(1)));
    first.close();

    assertThrows(IllegalStateException.class, this::engine,
        "in the millisecond of the closed engine's last id its number is not free yet");
    clock.advance(Duration.ofMillis(1));
    LoyaltyEngine next = engine();
    long nextId = next.tenants().create(NewTenant.business("After close")).id();
    assertEquals(0, node(nextId), "released long before its lease would have run out");
    assertTrue(nextId > firstId, "a later id than every id of the number's previous holder");
  }

  @Test
  void anEngineThatTookANumberOverMakesLaterIdsThanItsPreviousHolderEvenIfTheClockStepsBackAfterTheClaim() {
    LoyaltyEngine first = engine();
    long firstId = first.tenants().create(NewTenant.business("Before close")).id();
    assertEquals(0, node(firstId));
    leaseEveryOtherNumber(START.plus(Duration.ofHours(1)));
    first.close();
    clock.advance(Duration.ofMillis(1));
    LoyaltyEngine next = engine();

    // The clock steps back (a time sync) after the claim, into the millisecond of the previous holder's last id.
    clock.set(START);
    long nextId = next.tenants().create(NewTenant.business("After close")).id();
    assertEquals(0, node(nextId), "the number the closed engine released");
    assertTrue(nextId > firstId, "a later id than every id of the number's previous holder");
  }

  @Test
  void anEngineThatLostItsNumberAndSwitchedToAReleasedOneMakesLaterIdsThanItsPreviousHolderEvenIfTheClockStepsBack() {
    LoyaltyEngine first = engine();
    LoyaltyEngine third = engine();
    assertEquals(0, nodeOf(first));
    assertEquals(1, nodeOf(third));
    leaseEveryOtherNumber(START.plus(Duration.ofHours(1)));
    Instant late = clock.advance(TERM.plusMinutes(1));
    third.events().dispatch(); // renews: its lease ran out, but no one took the number
    long thirdId = third.tenants().create(NewTenant.business("Previous holder")).id();
    assertEquals(1, node(thirdId));
    third.close(); // number 1 is free from the millisecond after its last id
    LoyaltyEngine second = engine();
    assertEquals(0, nodeOf(second), "the first engine's number, whose lease ran out");
    clock.advance(Duration.ofMillis(1));
    first.events().dispatch();

    // The renewal found number 0 taken and switched to number 1; then the clock steps back after that claim.
    clock.set(late);
    long firstId = first.tenants().create(NewTenant.business("New holder")).id();
    assertEquals(1, node(firstId), "the number the closed engine released");
    assertTrue(firstId > thirdId, "a later id than every id of the number's previous holder");
  }

  @Test
  void aNodeIdOrAnIdGeneratorSetByTheHostLeasesNothing() {
    LoyaltyEngine withNode = build(builder().nodeId(0));
    assertEquals(0, nodeOf(withNode));
    AtomicLong next = new AtomicLong(1L << 40);
    LoyaltyEngine withGenerator = build(builder().idGenerator(next::incrementAndGet));
    assertTrue(withGenerator.tenants().create(NewTenant.business("Own ids")).id() > 1L << 40);
    try (Storage storage = fixture.openStorage()) {
      assertEquals(0, storage.inTransaction(tx -> tx.nodes().claim("probe", START, START.plus(TERM))).getAsInt(),
          "no number was leased");
    }
  }

  /**
   * Leases every number that is free now until {@code until}, as other instances would, each to a holder of its own.
   *
   * @return number -> holder
   */
  private Map<Integer, String> leaseEveryOtherNumber(Instant until) {
    try (Storage storage = fixture.openStorage()) {
      return storage.inTransaction(tx -> {
        Map<Integer, String> holders = new HashMap<>();
        for (int i = 0; ; i++) {
          String holder = "other-" + i;
          OptionalInt node = tx.nodes().claim(holder, clock.instant(), until);
          if (node.isEmpty()) {
            return holders;
          }
          holders.put(node.getAsInt(), holder);
        }
      });
    }
  }

  /**
   * With {@code first} on number 0 and every other number leased, lets the term pass without a renewal (idle with
   * manual dispatch never called, or paused), frees number {@code freed} as if its holder closed, and builds a
   * second engine, which takes number 0: the lease that ran out first.
   *
   * @return the second engine
   */
  private LoyaltyEngine takeNumberZeroAfterTheTerm(LoyaltyEngine first, int freed) {
    assertEquals(0, nodeOf(first));
    Map<Integer, String> others = leaseEveryOtherNumber(START.plus(Duration.ofHours(1)));
    Instant late = clock.advance(TERM.plusMinutes(1));
    try (Storage storage = fixture.openStorage()) {
      boolean released = storage.inTransaction(tx -> tx.nodes().release(freed, others.get(freed), late));
      assertTrue(released);
    }
    LoyaltyEngine second = engine();
    assertEquals(0, nodeOf(second), "the lease that ran out first");
    return second;
  }

  /** Ids the two engines make in one millisecond (the clock stands still) are never the same. */
  private static void assertIdsApart(LoyaltyEngine first, LoyaltyEngine second) {
    Set<Long> ids = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      ids.add(first.tenants().create(NewTenant.business("First")).id());
      ids.add(second.tenants().create(NewTenant.business("Second")).id());
    }
    assertEquals(40, ids.size(), "ids of one millisecond, never the same");
  }

  private LoyaltyEngine.Builder builder() {
    return LoyaltyEngine.builder()
        .storage(fixture.openStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().build());
  }

  /** A new engine that leases its node number; closed after the test. */
  private LoyaltyEngine engine() {
    return build(builder());
  }

  private LoyaltyEngine build(LoyaltyEngine.Builder builder) {
    LoyaltyEngine engine = builder.build();
    engines.add(engine);
    return engine;
  }

  /** The node number in the ids {@code engine} makes now. */
  private static int nodeOf(LoyaltyEngine engine) {
    return node(engine.tenants().create(NewTenant.business("Node probe")).id());
  }

  private static int node(long id) {
    return (int) ((id >>> 12) & 1023);
  }
}
