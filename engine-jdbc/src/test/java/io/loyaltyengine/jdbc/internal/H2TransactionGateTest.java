package io.loyaltyengine.jdbc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.core.spi.TransientStorageException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The H2 transaction gate on its own: one turn at a time, reentrant, a bounded wait that ends in a transient failure,
 * an interrupt held back rather than acted on, one gate per database path.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class H2TransactionGateTest {
  private final ExecutorService holder = Executors.newSingleThreadExecutor();
  private final ExecutorService waiter = Executors.newSingleThreadExecutor();
  private final CountDownLatch held = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private volatile Thread waiterThread;

  @AfterEach
  void stop() {
    release.countDown();
    holder.shutdownNow();
    waiter.shutdownNow();
  }

  @Test
  void aCallerWaitsWhileAnotherHoldsTheTurnAndFailsTransientlyWhenItDoesNotCome() throws Exception {
    H2TransactionGate gate = H2TransactionGate.withTimeout(200);
    holdOnAnotherThread(gate);
    boolean[] interrupted = {false};
    TransientStorageException e = assertThrows(TransientStorageException.class, () -> gate.enter(interrupted));
    assertTrue(e.getMessage().contains("200 ms"), e::getMessage);
    assertFalse(interrupted[0]);
  }

  @Test
  void aWaitingCallerGetsTheTurnOnceItIsGivenUp() throws Exception {
    H2TransactionGate gate = H2TransactionGate.withTimeout(60_000);
    Future<?> holding = holdOnAnotherThread(gate);
    Future<Waited> waiting = waitOnAnotherThread(gate);
    assertFalse(waiting.isDone(), "it waits while the turn is held");
    release.countDown();
    holding.get(60, TimeUnit.SECONDS);
    assertEquals(new Waited(false, false), waiting.get(60, TimeUnit.SECONDS));
    assertEquals(0, gate.waiting());
  }

  @Test
  void anInterruptWhileWaitingIsHeldBackAndTheCallerStillGetsItsTurn() throws Exception {
    H2TransactionGate gate = H2TransactionGate.withTimeout(60_000);
    Future<?> holding = holdOnAnotherThread(gate);
    Future<Waited> waiting = waitOnAnotherThread(gate);
    waiterThread.interrupt();
    release.countDown();
    holding.get(60, TimeUnit.SECONDS);
    Waited outcome = waiting.get(60, TimeUnit.SECONDS);
    assertTrue(outcome.interrupted(), "the interrupt is reported to the caller");
    assertFalse(outcome.flagSetWhileHolding(),
        "and cleared while the turn is held, so that no write to H2's file meets it");
  }

  @Test
  void aThreadHoldingTheTurnGetsItAgainAtOnce() {
    H2TransactionGate gate = H2TransactionGate.withTimeout(200);
    boolean[] interrupted = {false};
    gate.enter(interrupted);
    try {
      gate.enter(interrupted);
      gate.exit();
    } finally {
      gate.exit();
    }
    assertFalse(interrupted[0]);
  }

  @Test
  void oneGatePerDatabasePath() {
    String path = "/loyalty/gate-test/db";
    assertSame(H2TransactionGate.of(path), H2TransactionGate.of(path));
    assertTrue(H2TransactionGate.of(path) != H2TransactionGate.of(path + "2"));
  }

  @Test
  void theOpenGateLetsEveryCallerThroughAtOnce() throws Exception {
    holdOnAnotherThread(H2TransactionGate.NONE);
    boolean[] interrupted = {false};
    H2TransactionGate.NONE.enter(interrupted);
    H2TransactionGate.NONE.exit();
    assertEquals(0, H2TransactionGate.NONE.waiting());
  }

  /** Takes the gate's turn on the holder thread, keeping it until {@link #release}; returns once it is taken. */
  private Future<?> holdOnAnotherThread(H2TransactionGate gate) throws InterruptedException {
    Future<?> holding = holder.submit(() -> {
      gate.enter(new boolean[1]);
      try {
        held.countDown();
        release.await();
      } finally {
        gate.exit();
      }
      return null;
    });
    assertTrue(held.await(60, TimeUnit.SECONDS), "the holder took its turn");
    return holding;
  }

  /**
   * Starts a caller of {@code gate} on the waiter thread ({@link #waiterThread}) and returns once it waits there;
   * the caller takes its turn and gives it up at once.
   */
  private Future<Waited> waitOnAnotherThread(H2TransactionGate gate) {
    Future<Waited> waiting = waiter.submit(() -> {
      waiterThread = Thread.currentThread();
      boolean[] interrupted = {false};
      gate.enter(interrupted);
      boolean flagSet = Thread.currentThread().isInterrupted();
      gate.exit();
      return new Waited(interrupted[0], flagSet);
    });
    awaitWaiting(gate);
    return waiting;
  }

  /** What a caller that waited saw: whether it was told of an interrupt, and whether its flag was set in its turn. */
  private record Waited(boolean interrupted, boolean flagSetWhileHolding) {
  }

  /** Returns once a caller waits at {@code gate}; fails if none does within a minute. */
  private static void awaitWaiting(H2TransactionGate gate) {
    // A guard against a hang, not a measurement: a caller that never waits fails the test instead.
    assertTimeoutPreemptively(Duration.ofMinutes(1), () -> {
      while (gate.waiting() == 0) {
        Thread.onSpinWait();
      }
    }, "no caller ever waited at the gate");
  }

}
