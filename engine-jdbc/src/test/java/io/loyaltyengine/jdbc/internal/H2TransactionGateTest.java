package io.loyaltyengine.jdbc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.core.spi.TransientStorageException;
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
  private final CountDownLatch held = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void stop() {
    release.countDown();
    holder.shutdownNow();
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
    ExecutorService waiter = Executors.newSingleThreadExecutor();
    try {
      Future<Boolean> waiting = waiter.submit(() -> {
        boolean[] interrupted = {false};
        gate.enter(interrupted);
        gate.exit();
        return interrupted[0];
      });
      awaitWaiting(gate);
      assertFalse(waiting.isDone(), "it waits while the turn is held");
      release.countDown();
      holding.get(60, TimeUnit.SECONDS);
      assertFalse(waiting.get(60, TimeUnit.SECONDS));
      assertEquals(0, gate.waiting());
    } finally {
      waiter.shutdownNow();
    }
  }

  @Test
  void anInterruptWhileWaitingIsHeldBackAndTheCallerStillGetsItsTurn() throws Exception {
    H2TransactionGate gate = H2TransactionGate.withTimeout(60_000);
    Future<?> holding = holdOnAnotherThread(gate);
    ExecutorService waiter = Executors.newSingleThreadExecutor();
    try {
      CountDownLatch threadKnown = new CountDownLatch(1);
      Thread[] thread = new Thread[1];
      Future<boolean[]> waiting = waiter.submit(() -> {
        thread[0] = Thread.currentThread();
        threadKnown.countDown();
        boolean[] interrupted = {false};
        gate.enter(interrupted);
        boolean flagSetInside = Thread.currentThread().isInterrupted();
        gate.exit();
        return new boolean[] {interrupted[0], flagSetInside};
      });
      assertTrue(threadKnown.await(60, TimeUnit.SECONDS));
      awaitWaiting(gate);
      thread[0].interrupt();
      release.countDown();
      holding.get(60, TimeUnit.SECONDS);
      boolean[] outcome = waiting.get(60, TimeUnit.SECONDS);
      assertTrue(outcome[0], "the interrupt is reported to the caller");
      assertFalse(outcome[1], "and cleared while the turn is held, so that no write to H2's file meets it");
    } finally {
      waiter.shutdownNow();
    }
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
    String path = "/tmp/loyalty-gate-test-" + System.nanoTime() + "/db";
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

  /** Returns once a caller waits at {@code gate}; fails if none does within a minute. */
  private static void awaitWaiting(H2TransactionGate gate) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (gate.waiting() == 0) {
      assertTrue(System.nanoTime() < deadline, "no caller ever waited at the gate");
      Thread.sleep(1);
    }
  }
}
