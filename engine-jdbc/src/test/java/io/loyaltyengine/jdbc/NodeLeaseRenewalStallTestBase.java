package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.StoreFixture;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A unit of work that makes an id once the engine's node lease is near its end, while another thread is renewing the
 * lease, on one backend per subclass. The store runs the engine's transactions one at a time (H2's transaction gate,
 * the in-memory store's lock), so the other thread's renewal waits for the unit of work's turn: the unit of work must
 * not wait for that renewal in turn, or each waits for the other (on H2 until the gate gives up, 10 s per attempt
 * and six attempts; on the in-memory store for good). It goes on with the number it has, as a unit of work under way
 * may; the renewal runs once its turn ends.
 *
 * <p>The engine's storage is wrapped to pause the next unit of work inside its transaction, before its work, and to
 * record the threads that begin a transaction. No timing decides the outcome: the test waits until the renewing
 * thread has begun its transaction and waits for the turn, then until the paused unit of work either ends or
 * waits for a lock the renewing thread holds.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class NodeLeaseRenewalStallTestBase {
  private static final Instant START = Instant.parse("2025-06-01T08:00:00Z");
  /** Past the point where an id waits for a renewal: the lease's term (10 min) less a minute's margin. */
  private static final Duration PAST_AT_RISK = Duration.ofMinutes(9).plusSeconds(1);

  private StoreFixture fixture;
  private final SettableClock clock = SettableClock.at(START);
  private final AtomicBoolean pauseNext = new AtomicBoolean();
  private final Pause pause = new Pause();
  /** Threads that began a transaction on the wrapped storage. */
  private final Set<Thread> began = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private LoyaltyEngine engine;
  /** Set when the two threads wait for each other: the engine is then left as it is, its close would wait too. */
  private volatile boolean stalled;

  abstract StoreFixture createFixture();

  @BeforeEach
  final void open() {
    fixture = createFixture();
  }

  @AfterEach
  final void close() {
    pause.release();
    if (!stalled) {
      if (engine != null) {
        engine.close();
      }
      fixture.close();
    }
  }

  @Test
  void aUnitOfWorkMakingAnIdNearTheLeasesEndDoesNotWaitForARenewalThatWaitsForItsTurn() throws Exception {
    engine = LoyaltyEngine.builder()
        .storage(watched((Storage) fixture.openStorage()))
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().build())
        .build();
    GroupCommitTestBase.World world = new GroupCommitTestBase.World(engine, 1);

    // A: an award, which makes its ledger entry's id inside its unit of work; paused there, holding the turn.
    pauseNext.set(true);
    Background<PointsResult> award = new Background<>("award", () -> engine.forTenant(world.tenantId).points()
        .award(world.ref(0), PointsChange.of(10, "purchase")));
    pause.awaitReached("the award's unit of work paused inside its transaction");

    // B: the clock is now past the lease's renewal and its at-risk point; B's unit of work renews first, and the
    // renewal's transaction waits for A's turn.
    clock.advance(PAST_AT_RISK);
    Background<Tenant> read = new Background<>("read", () -> engine.tenants().get(world.tenantId));
    while (!began.contains(read.thread)) {
      Thread.onSpinWait();
    }
    awaitWaiting(read.thread);

    // A goes on and makes its id.
    pause.release();
    long renewer = read.thread.getId();
    while (!award.result.isDone()) {
      ThreadInfo info = ManagementFactory.getThreadMXBean().getThreadInfo(award.thread.getId());
      // Blocked on a monitor or parked on a lock, whichever the lease uses.
      if (info != null && info.getLockOwnerId() == renewer) {
        stalled = true;
        fail("the award's unit of work waits for the lock " + info.getLockName() + " held by the thread whose"
            + " renewal waits for the award's turn");
      }
      Thread.onSpinWait();
    }
    assertNull(award.failure.get(), "the award succeeded");
    assertEquals(10, award.result.get().balance());
    assertEquals(world.tenantId, read.result.get(30, TimeUnit.SECONDS).id(), "the read ran after the renewal");
    assertNull(read.failure.get());
  }

  /** Until {@code t} waits (for a lock, without or with a time limit), spinning. */
  private static void awaitWaiting(Thread t) {
    Thread.State state = t.getState();
    while (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) {
      if (state == Thread.State.TERMINATED) {
        fail(t.getName() + " ended instead of waiting for its turn");
      }
      Thread.onSpinWait();
      state = t.getState();
    }
  }

  /** {@code storage}, pausing the next unit of work inside its transaction and recording who begins one. */
  private Storage watched(Storage storage) {
    return new Storage() {
      @Override
      public Set<StorageCapability> capabilities() {
        return storage.capabilities();
      }

      @Override
      public <T> T inTransaction(TransactionWork<T> work) {
        began.add(Thread.currentThread());
        return storage.inTransaction(tx -> {
          if (pauseNext.compareAndSet(true, false)) {
            pause.here();
          }
          return work.run(tx);
        });
      }

      @Override
      public <T> T inHostTransaction(HostTransaction host, TransactionWork<T> work) {
        return storage.inHostTransaction(host, work);
      }

      @Override
      public void close() {
        storage.close();
      }
    };
  }

  /** A call on a daemon thread of its own (left behind should the two threads wait for each other for good). */
  private static final class Background<T> {
    final Thread thread;
    final CompletableFuture<T> result = new CompletableFuture<>();
    final AtomicReference<Throwable> failure = new AtomicReference<>();

    Background(String name, Supplier<T> call) {
      thread = new Thread(() -> {
        try {
          result.complete(call.get());
        } catch (Throwable e) {
          failure.set(e);
          result.completeExceptionally(e);
        }
      }, name);
      thread.setDaemon(true);
      thread.start();
    }
  }
}
