package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.core.event.EventDispatcher;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.WebhookReceiver;
import io.loyaltyengine.webhooks.NewWebhookEndpoint;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Closing an engine while an operation of it runs on another thread, on one backend per subclass: {@code close()}
 * refuses new operations at once, waits for the unit of work in progress to end (here, one paused after its work and
 * before its commit), and only then releases the node number and closes the storage, so the operation succeeds. A
 * close called inside one of the engine's own units of work is refused at once and changes nothing (it would wait
 * for that unit of work); one called by a listener does not wait for the delivery that called it; a webhook delivery
 * in flight at close is not recorded, and is delivered again once its lease runs out. A new engine opened on the
 * database meanwhile waits for the unit of work in progress where the store's units take turns, and loses nothing.
 *
 * <p>The engine's storage is wrapped to count the units of work in progress, to pause one, and to record whether any
 * was in progress when the storage was closed.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class EngineCloseTestBase {
  private StoreFixture fixture;
  /** The threads alive before the test's fixture was created. */
  private Set<Thread> threadsBefore;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  /** Set to pause the next unit of work after its work, before its commit. */
  private final AtomicBoolean pauseNext = new AtomicBoolean();
  private final Pause pause = new Pause();
  private final AtomicInteger running = new AtomicInteger();
  /** Units of work in progress when the storage was closed; -1 until it is. */
  private final AtomicInteger runningAtClose = new AtomicInteger(-1);
  /** Set to have the next unit of work close this engine after its work, before its commit. */
  private final AtomicReference<LoyaltyEngine> closeInsideNext = new AtomicReference<>();
  /** What that close did: the engine's answer (null when it returned) or what it threw. */
  private final CompletableFuture<Throwable> closedInside = new CompletableFuture<>();

  abstract StoreFixture createFixture();

  /**
   * Whether the engine leases its node number (released by {@code close()} in a unit of work of its own) or is
   * given one. The in-memory store runs one unit of work at a time, so a release there waits for the paused one.
   */
  abstract boolean leasesItsNodeNumber();

  /**
   * Checks, once every storage of the test is closed and its units of work have ended, that none left a thread (of
   * those not in {@code threadsBefore}) or a connection keeping the database open; nothing to check for a store in
   * memory.
   */
  void assertNothingLeftOpen(StoreFixture fixture, Set<Thread> threadsBefore) throws Exception {
  }

  @BeforeEach
  final void open() {
    threadsBefore = Set.copyOf(Thread.getAllStackTraces().keySet());
    fixture = createFixture();
  }

  @AfterEach
  final void close() {
    pause.release();
    threads.shutdownNow();
    fixture.close();
  }

  @Test
  void closeWaitsForTheUnitOfWorkInProgressBeforeClosingTheStorageAndRefusesNewOperations() throws Exception {
    LoyaltyEngine engine = engine();
    Tenant first = engine.tenants().create(NewTenant.business("First"));

    Future<Tenant> inProgress = pauseAUnitOfWork(engine);
    Thread closer = startClosing(engine, "closer");
    IllegalStateException refused = assertThrows(IllegalStateException.class,
        () -> engine.tenants().get(first.id()));
    assertEquals("the engine is closed", refused.getMessage());

    pause.release();
    Tenant created = inProgress.get(30, TimeUnit.SECONDS);
    closer.join();
    assertEquals(0, runningAtClose.get(), "the storage was closed only after the unit of work in progress ended");
    LoyaltyEngine reopened = LoyaltyEngine.builder()
        .storage(fixture.openStorage())
        .events(EventSettings.builder().manualDispatch().build())
        .nodeId(8)
        .build();
    try {
      assertEquals(created, reopened.tenants().get(created.id()), "the operation committed");
    } finally {
      reopened.close();
    }
  }

  @Test
  void aSecondCloseReturnsAtOnceWhileTheFirstWaitsForTheUnitOfWorkInProgress() throws Exception {
    LoyaltyEngine engine = engine();
    Future<Tenant> inProgress = pauseAUnitOfWork(engine);
    Thread first = startClosing(engine, "first closer");
    Thread second = new Thread(engine::close, "second closer");
    second.start();
    second.join(TimeUnit.SECONDS.toMillis(20));
    assertFalse(second.isAlive(), "the second close returned without waiting for the first");
    assertTrue(first.isAlive(), "the first close still waits for the unit of work");
    assertEquals(-1, runningAtClose.get(), "the storage is still open");

    pause.release();
    inProgress.get(30, TimeUnit.SECONDS);
    first.join();
    assertEquals(0, runningAtClose.get(), "closed once the unit of work ended");
  }

  /**
   * A close that stops waiting for a unit of work (its bound is up, or here its thread was interrupted, which ends
   * the wait at once and is kept) goes on at once and closes the storage under the unit of work. It does not release
   * the node number: the unit of work may still make ids with it, and the release, a transaction, would wait for the
   * unit's turn on a store whose transactions take turns (on H2 10 s per attempt, six attempts; in memory for good).
   * What becomes of the unit of work is the storage's affair: both stores here let it commit once its thread goes on
   * (the in-memory store checks for a close only when a unit of work begins; {@code JdbcStorage} on H2 leaves its
   * pool open until the unit ends, and then closes it, so that no connection of it keeps the database open).
   */
  @Test
  void aCloseThatStopsWaitingForAUnitOfWorkGoesOnAtOnceWithoutReleasingTheNodeNumber() throws Exception {
    LoyaltyEngine engine = engine();
    Future<Tenant> inProgress = pauseAUnitOfWork(engine);
    AtomicBoolean interruptKept = new AtomicBoolean();
    Thread closer = new Thread(() -> {
      Thread.currentThread().interrupt();
      engine.close();
      interruptKept.set(Thread.currentThread().isInterrupted());
    }, "closer");
    closer.start();
    Thread.State state = closer.getState();
    while (state != Thread.State.TERMINATED) {
      if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) {
        String waitingIn = java.util.Arrays.toString(closer.getStackTrace());
        if (waitingIn.contains("NodeLease.release")) {
          pause.release();
          fail("the close waits for the unit of work's turn to release the node number: " + waitingIn);
        }
      }
      Thread.onSpinWait();
      state = closer.getState();
    }
    assertTrue(interruptKept.get(), "the close kept its thread's interrupt");
    assertEquals(1, runningAtClose.get(), "the storage was closed under the unit of work");
    pause.release();
    try {
      inProgress.get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      // Either outcome is the storage's.
    }
    if (leasesItsNodeNumber()) {
      // Once the unit of work ended: on H2 this transaction too takes its turn after the unit's.
      try (Storage storage = fixture.openStorage()) {
        Instant now = Instant.now();
        assertEquals(1, storage.inTransaction(tx -> tx.nodes().claim("probe", now, now.plusSeconds(60)))
            .getAsInt(), "number 0, the engine's, is still leased");
      }
    }
    assertNothingLeftOpen(fixture, threadsBefore);
  }

  /**
   * A new engine opened on the database while a closed engine's close still waits for its unit of work in progress:
   * the new engine waits for that unit where the store has its units take turns (H2's transaction gate, shared by
   * every storage of the JVM on the file; the in-memory database's lock), or goes on beside it (PostgreSQL), and
   * nothing is lost or stuck: the paused unit commits, the close ends, the new engine starts and works, and a third
   * engine opened after both were closed finds every commit.
   */
  @Test
  void aNewEngineOpenedWhileAClosedEnginesUnitOfWorkIsInProgressWaitsForItsTurnAndLosesNothing() throws Exception {
    LoyaltyEngine engine = engine();
    Tenant first = engine.tenants().create(NewTenant.business("First"));
    Future<Tenant> inProgress = pauseAUnitOfWork(engine);
    Thread closer = startClosing(engine, "closer");
    assertTrue(closer.isAlive(), "the close waits for the unit of work in progress");

    CompletableFuture<LoyaltyEngine> newEngine = new CompletableFuture<>();
    CompletableFuture<Tenant> createdByNew = new CompletableFuture<>();
    Thread opener = new Thread(() -> {
      try {
        LoyaltyEngine next = newEngine(8);
        newEngine.complete(next);
        createdByNew.complete(next.tenants().create(NewTenant.business("New")));
      } catch (RuntimeException | Error e) {
        newEngine.completeExceptionally(e);
        createdByNew.completeExceptionally(e);
      }
    }, "opener");
    opener.start();
    try {
      awaitTheNewEngineAtTheUnitInProgress(fixture, opener);
      assertTrue(closer.isAlive(), "the close still waits");
      assertEquals(-1, runningAtClose.get(), "the closed engine's storage is still open");
    } finally {
      pause.release();
    }
    Tenant created = inProgress.get(30, TimeUnit.SECONDS);
    closer.join(TimeUnit.SECONDS.toMillis(30));
    assertFalse(closer.isAlive(), "the close ended once the unit of work did");
    assertEquals(0, runningAtClose.get(), "the storage was closed only after the unit of work in progress ended");
    LoyaltyEngine next = newEngine.get(60, TimeUnit.SECONDS);
    Tenant createdNext;
    try {
      createdNext = createdByNew.get(60, TimeUnit.SECONDS);
      assertEquals(created, next.tenants().get(created.id()), "the new engine sees the closed engine's commit");
    } finally {
      next.close();
    }
    LoyaltyEngine third = newEngine(9);
    try {
      for (Tenant tenant : List.of(first, created, createdNext)) {
        assertEquals(tenant, third.tenants().get(tenant.id()), "every commit is kept");
      }
    } finally {
      third.close();
    }
    assertNothingLeftOpen(fixture, threadsBefore);
  }

  /**
   * Until {@code opener}, opening a new engine on the database while another engine's unit of work is paused, waits
   * for that unit (a store whose units take turns) or has opened it (one whose units run beside each other); fails
   * if neither happens in time.
   */
  abstract void awaitTheNewEngineAtTheUnitInProgress(StoreFixture fixture, Thread opener) throws Exception;

  /** A new engine on the fixture's database, unwatched, leasing its node number or given {@code nodeId}. */
  private LoyaltyEngine newEngine(int nodeId) {
    LoyaltyEngine.Builder builder = LoyaltyEngine.builder()
        .storage(fixture.openStorage())
        .events(EventSettings.builder().manualDispatch().build());
    return (leasesItsNodeNumber() ? builder : builder.nodeId(nodeId)).build();
  }

  @Test
  void aCloseFromInsideOneOfTheEnginesUnitsOfWorkIsRefusedAtOnceAndLeavesTheEngineOpen() throws Exception {
    LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(watched((Storage) fixture.openStorage()))
        .events(EventSettings.builder().manualDispatch().build())
        .nodeId(7)
        .build();
    closeInsideNext.set(engine);
    Tenant created = engine.tenants().create(NewTenant.business("Closing inside"));
    Throwable inside = closedInside.getNow(null);
    assertTrue(inside instanceof IllegalStateException, "the close inside the unit of work was refused: " + inside);
    assertEquals(-1, runningAtClose.get(), "the storage is still open");
    assertEquals(created, engine.tenants().get(created.id()), "the engine is still open, and the unit committed");
    engine.close();
    assertEquals(0, runningAtClose.get(), "closed from outside once the operation returned");
  }

  @Test
  void aListenerClosingTheEngineDoesNotWaitForItsOwnDelivery() throws Exception {
    CompletableFuture<Throwable> closedByListener = new CompletableFuture<>();
    AtomicReference<LoyaltyEngine> self = new AtomicReference<>();
    AtomicReference<Thread> dispatcher = new AtomicReference<>();
    List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    Logger dispatcherLog = Logger.getLogger(EventDispatcher.class.getName());
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
          warnings.add(record);
        }
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };
    dispatcherLog.addHandler(capture);
    // A long lease: a close waiting for the delivery that called it would wait that long.
    LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(watched((Storage) fixture.openStorage()))
        .events(EventSettings.builder().pollInterval(Duration.ofMillis(10)).lease(Duration.ofHours(1)).build())
        .nodeId(7)
        .listener("closer", EventFilter.all(), event -> {
          if (closedByListener.isDone()) {
            return;
          }
          try {
            dispatcher.set(Thread.currentThread());
            self.get().close();
            closedByListener.complete(null);
          } catch (RuntimeException e) {
            closedByListener.complete(e);
          }
        })
        .build();
    self.set(engine);
    // The participant's enrolment is an event for the listener.
    new GroupCommitTestBase.World(engine, 1);
    assertEquals(null, closedByListener.get(30, TimeUnit.SECONDS), "the listener's close returned");
    assertEquals(0, runningAtClose.get(), "the storage was closed");
    assertThrows(IllegalStateException.class, () -> engine.tenants().create(NewTenant.business("After")));
    // The round goes on after the listener returns, and the closed engine refuses its last writes: that is the
    // close, not a failed round to warn about.
    try {
      dispatcher.get().join(TimeUnit.SECONDS.toMillis(30));
      assertFalse(dispatcher.get().isAlive(), "the dispatcher's thread ended after the close");
      assertEquals(List.of(), warnings.stream().map(LogRecord::getMessage).toList());
    } finally {
      dispatcherLog.removeHandler(capture);
    }
  }

  /**
   * A webhook delivery in flight when the close begins: the close waits for it (the endpoint answers 200 meanwhile),
   * but the closing engine refuses the unit of work that would record it, so it is neither marked delivered nor
   * failed. It stays leased to the closed engine until its lease runs out, and then another instance (here the next
   * engine on the database) delivers it again, with the same {@code webhook-id}: at least once.
   */
  @Test
  void aWebhookDeliveryInFlightAtCloseIsNotRecordedAndIsDeliveredAgainOnceItsLeaseRunsOut() throws Exception {
    SettableClock clock = SettableClock.at(Instant.parse("2025-06-01T09:00:00Z"));
    Duration lease = Duration.ofSeconds(6);
    WebhookSettings webhooks = WebhookSettings.DEFAULTS.withAddressPolicy(WebhookAddressPolicy.ALLOW_LOOPBACK)
        .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(2));
    try (WebhookReceiver receiver = WebhookReceiver.start()) {
      LoyaltyEngine engine = LoyaltyEngine.builder()
          .storage(fixture.openStorage())
          .clock(clock)
          .events(EventSettings.builder().pollInterval(Duration.ofMillis(10)).lease(lease).build())
          .webhooks(webhooks)
          .nodeId(7)
          .build();
      GroupCommitTestBase.World world = new GroupCommitTestBase.World(engine, 0);
      CountDownLatch arrived = new CountDownLatch(1);
      CountDownLatch answer = new CountDownLatch(1);
      receiver.next("/hook", receiver.blockUntil(arrived, answer));
      engine.forTenant(world.tenantId).webhooks().create(new NewWebhookEndpoint(receiver.url("/hook"),
          EventFilter.types(EventType.PARTICIPANT_CREATED)));
      engine.forTenant(world.tenantId).participants().create(world.campaignId,
          NewParticipant.withEmail("in-flight@example.com"));
      assertTrue(arrived.await(30, TimeUnit.SECONDS), "the background dispatcher posted the event");

      Thread closer = new Thread(engine::close, "closer");
      closer.start();
      awaitTimedWaitOrEnd(closer);
      answer.countDown();
      closer.join(TimeUnit.SECONDS.toMillis(30));
      assertFalse(closer.isAlive(), "the close returned once the delivery in flight ended");
      assertEquals(1, receiver.requests("/hook").size());

      LoyaltyEngine next = LoyaltyEngine.builder()
          .storage(fixture.openStorage())
          .clock(clock)
          .events(EventSettings.builder().manualDispatch().lease(lease).build())
          .webhooks(webhooks)
          .nodeId(8)
          .build();
      try {
        next.events().dispatch();
        assertEquals(1, receiver.requests("/hook").size(), "still leased to the closed engine");
        clock.advance(lease.plusSeconds(1));
        next.events().dispatch();
        List<WebhookReceiver.Request> received = receiver.requests("/hook");
        assertEquals(2, received.size(), "delivered again once the lease ran out");
        assertEquals(received.get(0).webhookId(), received.get(1).webhookId(), "the same delivery");
        next.events().dispatch();
        assertEquals(2, receiver.requests("/hook").size(), "the second delivery was recorded");
      } finally {
        next.close();
      }
    }
  }

  /**
   * Under manual dispatch, a close while a host thread is inside {@code events().dispatch()}, in a listener: the close
   * does not wait for the listener (no unit of work is in progress), the dispatch ends with the closed engine's
   * IllegalStateException once the listener returns, and the delivery, not recorded, is made again by the next engine
   * on the database once its lease runs out, and then no more: at least once.
   */
  @Test
  void aCloseWhileAHostThreadDispatchesInAListenerEndsThatDispatchAndTheDeliveryIsMadeAgainOnce() throws Exception {
    SettableClock clock = SettableClock.at(Instant.parse("2025-06-01T09:00:00Z"));
    Duration lease = EventSettings.DEFAULTS.lease();
    List<String> delivered = new CopyOnWriteArrayList<>();
    CountDownLatch inListener = new CountDownLatch(1);
    CountDownLatch letGo = new CountDownLatch(1);
    LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(watched((Storage) fixture.openStorage()))
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().lease(lease).build())
        .nodeId(7)
        .listener("crm", EventFilter.types(EventType.PARTICIPANT_CREATED), event -> {
          delivered.add(event.id());
          inListener.countDown();
          try {
            letGo.await(60, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        })
        .build();
    new GroupCommitTestBase.World(engine, 1);
    Future<Object> dispatch = threads.submit(() -> {
      try {
        return engine.events().dispatch();
      } catch (RuntimeException e) {
        return e;
      }
    });
    assertTrue(inListener.await(30, TimeUnit.SECONDS), "the host's dispatch called the listener");
    Future<?> closed = threads.submit(engine::close);
    closed.get(30, TimeUnit.SECONDS);
    assertEquals(0, runningAtClose.get(), "no unit of work was in progress when the storage closed");
    letGo.countDown();
    Object ended = dispatch.get(30, TimeUnit.SECONDS);
    assertTrue(ended instanceof IllegalStateException, "the dispatch ends with the closed engine's refusal: " + ended);
    assertEquals(1, delivered.size());

    LoyaltyEngine next = LoyaltyEngine.builder()
        .storage(fixture.openStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().lease(lease).build())
        .nodeId(8)
        .listener("crm", EventFilter.types(EventType.PARTICIPANT_CREATED), event -> delivered.add(event.id()))
        .build();
    try {
      next.events().dispatch();
      assertEquals(1, delivered.size(), "still leased to the closed engine");
      clock.advance(lease.plusSeconds(1));
      next.events().dispatch();
      assertEquals(2, delivered.size(), "delivered again once the lease ran out");
      assertEquals(delivered.get(0), delivered.get(1), "the same event");
      clock.advance(lease.plusSeconds(1));
      next.events().dispatch();
      assertEquals(2, delivered.size(), "the second delivery was recorded");
    } finally {
      next.close();
    }
  }

  /** An engine on the watched storage, leasing its node number where {@link #leasesItsNodeNumber()} says. */
  private LoyaltyEngine engine() {
    LoyaltyEngine.Builder builder = LoyaltyEngine.builder()
        .storage(watched((Storage) fixture.openStorage()))
        .events(EventSettings.builder().manualDispatch().build());
    return (leasesItsNodeNumber() ? builder : builder.nodeId(7)).build();
  }

  /** Starts a unit of work on {@code engine} (a tenant's creation) and returns once it is paused before its commit. */
  private Future<Tenant> pauseAUnitOfWork(LoyaltyEngine engine) throws InterruptedException {
    pauseNext.set(true);
    Future<Tenant> inProgress = threads.submit(() -> engine.tenants().create(NewTenant.business("In progress")));
    pause.awaitReached("the unit of work paused");
    return inProgress;
  }

  /** Closes {@code engine} on a new thread of that name, and returns it once the close waits or has ended. */
  private static Thread startClosing(LoyaltyEngine engine, String name) {
    Thread closer = new Thread(engine::close, name);
    closer.start();
    awaitTimedWaitOrEnd(closer);
    return closer;
  }

  /**
   * Until {@code closer} waits with a time limit (for the unit of work in progress) or has ended (it did not wait).
   * Either way the pause may then end: a close that waits is waiting, one that does not has closed the storage.
   */
  private static void awaitTimedWaitOrEnd(Thread closer) {
    Thread.State state = closer.getState();
    while (state != Thread.State.TIMED_WAITING && state != Thread.State.TERMINATED) {
      Thread.onSpinWait();
      state = closer.getState();
    }
  }

  /** {@code storage}, counting its units of work, pausing one when asked, and recording the count at close. */
  private Storage watched(Storage storage) {
    return new Storage() {
      @Override
      public Set<StorageCapability> capabilities() {
        return storage.capabilities();
      }

      @Override
      public <T> T inTransaction(TransactionWork<T> work) {
        running.incrementAndGet();
        try {
          return storage.inTransaction(tx -> {
            T result = work.run(tx);
            LoyaltyEngine closing = closeInsideNext.getAndSet(null);
            if (closing != null) {
              try {
                closing.close();
                closedInside.complete(null);
              } catch (RuntimeException e) {
                closedInside.complete(e);
              }
            }
            if (pauseNext.compareAndSet(true, false)) {
              pause.here();
            }
            return result;
          });
        } finally {
          running.decrementAndGet();
        }
      }

      @Override
      public <T> T inHostTransaction(HostTransaction host, TransactionWork<T> work) {
        return storage.inHostTransaction(host, work);
      }

      @Override
      public void close() {
        runningAtClose.set(running.get());
        storage.close();
      }
    };
  }
}
