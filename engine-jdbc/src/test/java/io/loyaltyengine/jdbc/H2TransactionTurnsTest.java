package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.core.spi.Storage;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * On H2 the engine's own transactions on one database take turns, also across two storages of the JVM on the same
 * file (the work-around of the H2 defect {@link H2LostUpdateProbe} shows); the storages of the port contract suites,
 * built not to, run theirs beside each other.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class H2TransactionTurnsTest {
  private final ExecutorService threads = Executors.newFixedThreadPool(2);
  private final List<String> order = new CopyOnWriteArrayList<>();
  private final CountDownLatch firstInside = new CountDownLatch(1);
  private final CountDownLatch releaseFirst = new CountDownLatch(1);
  private H2FileFixture fixture;

  @AfterEach
  void close() {
    releaseFirst.countDown();
    threads.shutdownNow();
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aTransactionOfASecondStorageOnTheFileBeginsOnlyOnceTheFirstStoragesTransactionEnded() throws Exception {
    fixture = new H2FileFixture(true);
    Future<?> first = holdATransactionOpen(fixture.openStorage());
    Storage second = fixture.openStorage();
    Future<?> waiting = threads.submit(() -> second.inTransaction(tx -> order.add("second begins")));
    // Counts a transaction waiting for its turn at the database's gate as waiting for a lock.
    JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
    assertEquals(List.of(), order, "nothing of the second transaction ran while the first was open");
    releaseFirst.countDown();
    first.get(60, TimeUnit.SECONDS);
    waiting.get(60, TimeUnit.SECONDS);
    assertEquals(List.of("first ends", "second begins"), order);
  }

  @Test
  void storagesBuiltNotToTakeTurnsRunTheirTransactionsBesideEachOther() throws Exception {
    fixture = H2FileFixture.withoutTakingTurns(true);
    Future<?> first = holdATransactionOpen(fixture.openStorage());
    fixture.openStorage().inTransaction(tx -> order.add("second runs"));
    releaseFirst.countDown();
    first.get(60, TimeUnit.SECONDS);
    assertEquals(List.of("second runs", "first ends"), order);
  }

  /** Begins a transaction on {@code storage} on another thread, holding it open until {@link #releaseFirst}. */
  private Future<?> holdATransactionOpen(Storage storage) throws InterruptedException {
    Future<?> first = threads.submit(() -> storage.inTransaction(tx -> {
      firstInside.countDown();
      try {
        assertTrue(releaseFirst.await(60, TimeUnit.SECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return order.add("first ends");
    }));
    assertTrue(firstInside.await(60, TimeUnit.SECONDS), "the first transaction began");
    return first;
  }
}
