package io.loyaltyengine.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.CampaignStatus;
import io.loyaltyengine.campaign.CampaignVisibility;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.tenant.TenantType;
import io.loyaltyengine.testkit.StoreFixture;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the port contract suites ({@link EventPortsContractTest}, {@link RewardPortsContractTest}) share: a fresh
 * fixture and one storage on it per test, units of work in one line, the rows every scenario starts from, and the
 * hook that shows a unit of work waiting for a lock another one holds.
 *
 * <p>The suites talk to the ports directly, below the engine, so they can set up what the engine never would
 * (a delivery leased to a dead instance, a counter of another tenant with the same ids) and check each port method
 * against its javadoc. Ids come from one counter, so no test depends on them.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method; the concurrent tests share only the storages.
 */
abstract class PortsContractSupport {
  private static final AtomicLong IDS = new AtomicLong(50_000);

  private StoreFixture fixture;
  private Storage storage;

  PortsContractSupport() {
  }

  /**
   * A fixture on a fresh, empty database of the backend under test; called before each test and closed after it.
   */
  protected abstract StoreFixture createFixture();

  /**
   * Returns once {@code waiter}, which has begun a unit of work on a storage of the fixture, is blocked waiting for
   * a lock that another, uncommitted, unit of work holds; fails if it is not within a minute. The tests call it to
   * show that a second unit of work waits for the first instead of passing it by, before they let the first one
   * commit.
   *
   * <p>Each backend looks where it can see the wait: a SQL store asks the database which of its sessions waits for
   * a lock (PostgreSQL {@code pg_stat_activity}, H2 {@code INFORMATION_SCHEMA.SESSIONS}); the in-memory store, whose
   * units of work take the database's one lock, finds {@code waiter} parked on it. Returning without having seen
   * the wait would let a store that passes rows by pass these tests.
   *
   * @param waiter the thread running the unit of work that must be waiting
   */
  protected abstract void awaitBlockedOnALock(Thread waiter) throws Exception;

  @BeforeEach
  final void openFixture() {
    fixture = Objects.requireNonNull(createFixture(), "createFixture() returned null");
    storage = fixture.openStorage();
  }

  @AfterEach
  final void closeFixture() {
    try {
      storage.close();
    } finally {
      fixture.close();
    }
  }

  /** The fixture of the running test. */
  protected final StoreFixture fixture() {
    return fixture;
  }

  /** What the backend under test can do, as its fixture declares. */
  protected final Set<StorageCapability> capabilities() {
    return fixture.capabilities();
  }

  /** The storage the running test works on; others on the same database come from {@code fixture().openStorage()}. */
  final Storage storage() {
    return storage;
  }

  static long nextId() {
    return IDS.incrementAndGet();
  }

  /** The first of {@code count} consecutive new ids. */
  static long nextIds(int count) {
    return IDS.addAndGet(count) - count + 1;
  }

  boolean test(Function<Transaction, Boolean> work) {
    return storage.inTransaction(work::apply);
  }

  <T> T tx(Function<Transaction, T> work) {
    return storage.inTransaction(work::apply);
  }

  void run(Consumer<Transaction> work) {
    storage.inTransaction(tx -> {
      work.accept(tx);
      return null;
    });
  }

  /** A new tenant, created at {@code at}. */
  long tenant(Instant at) {
    long id = nextId();
    run(tx -> tx.tenants().insert(new Tenant(id, "Acme", TenantType.BUSINESS, at)));
    return id;
  }

  /** A new running campaign (UTC) of a new brand of the tenant, both created at {@code at}. */
  Campaign campaign(long tenantId, Instant at) {
    Brand brand = new Brand(nextId(), tenantId, "Shop", "shop" + nextId() + ".example.com", at);
    Campaign campaign = new Campaign(nextId(), tenantId, brand.id(), "Spring", CampaignStatus.IN_PROGRESS,
        CampaignVisibility.PUBLIC, ZoneOffset.UTC, at);
    run(tx -> {
      tx.brands().insert(brand);
      tx.campaigns().insert(campaign);
    });
    return campaign;
  }

  /** Skips the running test, with the reason, unless the backend can open a second storage on the database. */
  final void assumeSharedDatabase() {
    org.junit.jupiter.api.Assumptions.assumeTrue(capabilities().contains(StorageCapability.SHARED_DATABASE),
        "the backend cannot open two storages on one database");
  }

  /** A unit of work running on a thread of its own: the thread, for {@link #awaitBlockedOnALock}, and its outcome. */
  record Started<T>(Thread thread, Future<T> outcome) {
    T get() throws Exception {
      return outcome.get(60, TimeUnit.SECONDS);
    }
  }

  /** Starts {@code work} on a thread of {@code threads}, returning once that thread is known. */
  static <T> Started<T> start(ExecutorService threads, Callable<T> work) throws Exception {
    CompletableFuture<Thread> thread = new CompletableFuture<>();
    Future<T> outcome = threads.submit(() -> {
      thread.complete(Thread.currentThread());
      return work.call();
    });
    return new Started<>(thread.get(60, TimeUnit.SECONDS), outcome);
  }

  /**
   * Runs {@code first} in a unit of work that it holds open, then {@code second} in a unit of work of its own on
   * another storage of the database, which must wait for a lock the first holds (as a unique key or a row lock
   * makes it), not pass it by; then lets the first commit ({@code firstCommits}) or roll back, and returns what the
   * second returned. Skips the test, with the reason, if the backend cannot open a second storage on the database.
   */
  final <T> T secondWaitingForFirst(Function<Transaction, ?> first, boolean firstCommits,
      Function<Transaction, T> second) throws Exception {
    assumeSharedDatabase();
    Storage other = fixture.openStorage();
    ExecutorService threads = Executors.newFixedThreadPool(2);
    CountDownLatch done = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try {
      Future<Object> held = threads.submit(() -> storage.inTransaction(tx -> {
        Object result = first.apply(tx);
        done.countDown();
        await(release);
        if (!firstCommits) {
          throw new RolledBack();
        }
        return result;
      }));
      await(done);
      Started<T> waiting = start(threads, () -> other.inTransaction(second::apply));
      try {
        awaitBlockedOnALock(waiting.thread());
      } catch (AssertionError e) {
        throw new AssertionError("the second unit of work did not wait for the first", e);
      }
      release.countDown();
      if (firstCommits) {
        held.get(60, TimeUnit.SECONDS);
      } else {
        ExecutionException e = assertThrows(ExecutionException.class, () -> held.get(60, TimeUnit.SECONDS));
        assertInstanceOf(RolledBack.class, e.getCause(), "the first unit of work rolled back");
      }
      return waiting.get();
    } finally {
      release.countDown();
      threads.shutdownNow();
      other.close();
    }
  }

  /** Thrown to roll a unit of work back. */
  static final class RolledBack extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RolledBack() {
      super("rolled back", null, false, false);
    }
  }

  static void await(CountDownLatch latch) {
    try {
      assertTrue(latch.await(60, TimeUnit.SECONDS), "a latch was never released");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Racers of {@link #race} and {@link #raceEach}. */
  static final int RACERS = 8;

  /** The work each racer runs in one unit of work. */
  interface RacerWork {
    Function<Transaction, Boolean> of(int i);
  }

  /** What each racer does on its storage: racer {@code i}'s own sequence of units of work. */
  interface Racer {
    boolean run(Storage instance, int i) throws Exception;
  }

  /**
   * Runs {@value #RACERS} racers at once, released together, alternately on two storages sharing the database, each
   * running its one unit of work; returns their outcomes in racer order. Skips the test, with the reason, if the
   * backend cannot open a second storage on the database.
   */
  final List<Boolean> race(RacerWork work) throws Exception {
    return raceEach((instance, i) -> instance.inTransaction(tx -> work.of(i).apply(tx)));
  }

  /** As {@link #race(RacerWork)}, with each racer running {@code racer} on its storage. */
  final List<Boolean> raceEach(Racer racer) throws Exception {
    assumeSharedDatabase();
    Storage second = fixture().openStorage();
    List<Storage> instances = List.of(storage(), second);
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(RACERS);
    try {
      List<Future<Boolean>> racers = new ArrayList<>();
      for (int i = 0; i < RACERS; i++) {
        int index = i;
        Storage instance = instances.get(i % instances.size());
        Callable<Boolean> call = () -> {
          start.await();
          return racer.run(instance, index);
        };
        racers.add(pool.submit(call));
      }
      start.countDown();
      List<Boolean> outcomes = new ArrayList<>();
      for (Future<Boolean> f : racers) {
        outcomes.add(f.get(5, TimeUnit.MINUTES));
      }
      return outcomes;
    } finally {
      pool.shutdownNow();
      second.close();
    }
  }
}
