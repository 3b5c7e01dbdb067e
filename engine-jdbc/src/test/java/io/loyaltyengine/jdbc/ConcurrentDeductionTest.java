package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.PointsChange;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Many threads, and two engine instances, deduct from one balance at once through the public API: the conditional
 * update in the database lets exactly as many through as the balance covers, loses no update, and leaves the ledger
 * agreeing with the balance.
 */
class ConcurrentDeductionTest {
  private static final int BALANCE = 1_000;
  private static final int DEDUCTIONS = 1_000;
  private static final int AMOUNT = 7;
  private static final int THREADS_PER_ENGINE = 8;

  @Test
  void eightThreadsOnH2() throws Exception {
    try (H2FileFixture fixture = new H2FileFixture(true);
        LoyaltyEngine engine = LoyaltyEngine.builder()
            .storage(JdbcStorage.builder().url(fixture.url()).maximumPoolSize(THREADS_PER_ENGINE).build())
            .build()) {
      deductConcurrently(List.of(engine));
    }
  }

  @Test
  void eightThreadsOnEachOfTwoEnginesSharingOnePostgresDatabase() throws Exception {
    String database = EmbeddedPostgresServer.createDatabase();
    try (LoyaltyEngine first = postgresEngine(database, 1); LoyaltyEngine second = postgresEngine(database, 2)) {
      deductConcurrently(List.of(first, second));
    } finally {
      EmbeddedPostgresServer.dropDatabase(database);
    }
  }

  private static LoyaltyEngine postgresEngine(String database, int nodeId) {
    return LoyaltyEngine.builder()
        .storage(JdbcStorage.builder().url(EmbeddedPostgresServer.url(database))
            .maximumPoolSize(THREADS_PER_ENGINE).build())
        .nodeId(nodeId)
        .build();
  }

  private static void deductConcurrently(List<LoyaltyEngine> engines) throws Exception {
    EngineWorld world = EngineWorld.create(engines.get(0));
    world.scope(engines.get(0)).points().award(world.participant(), PointsChange.of(BALANCE, "welcome"));

    int threads = THREADS_PER_ENGINE * engines.size();
    AtomicInteger remaining = new AtomicInteger(DEDUCTIONS);
    AtomicInteger succeeded = new AtomicInteger();
    AtomicInteger insufficient = new AtomicInteger();
    ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        LoyaltyEngine engine = engines.get(t % engines.size());
        workers.add(pool.submit(() -> {
          start.await();
          while (remaining.getAndDecrement() > 0) {
            try {
              world.scope(engine).points().deduct(world.participant(), PointsChange.of(AMOUNT, "redemption"));
              succeeded.incrementAndGet();
            } catch (LoyaltyException e) {
              if (e.code() == ErrorCode.INSUFFICIENT_POINTS) {
                insufficient.incrementAndGet();
              } else {
                unexpected.add(e);
              }
            } catch (RuntimeException e) {
              unexpected.add(e);
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> worker : workers) {
        worker.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }

    assertEquals(List.of(), List.copyOf(unexpected));
    assertEquals(BALANCE / AMOUNT, succeeded.get());
    assertEquals(DEDUCTIONS - BALANCE / AMOUNT, insufficient.get());
    for (LoyaltyEngine engine : engines) {
      Participant after = world.scope(engine).participants().get(world.participant());
      assertEquals(BALANCE % AMOUNT, after.pointsBalance());
      assertEquals(BALANCE, after.lifetimePoints());
      List<LedgerEntry> ledger = world.ledger(engine);
      assertEquals(1 + BALANCE / AMOUNT, ledger.size());
      assertEquals(after.pointsBalance(), ledger.stream().mapToLong(LedgerEntry::signedAmount).sum());
      // Each entry records the balance right after it: applied one at a time, from the award down to the last.
      List<Long> applied = LongStream.rangeClosed(0, BALANCE / AMOUNT).mapToObj(k -> BALANCE - k * AMOUNT).toList();
      List<Long> balancesAfter = ledger.stream().map(LedgerEntry::balanceAfter).toList();
      assertEquals(applied, balancesAfter.stream().sorted(Comparator.reverseOrder()).toList());
      // One instance numbers its entries in the order they applied, so its entries newest first hold rising balances.
      // Instances sharing a database need not: their ids of one millisecond go by node (LedgerEntry.id; the node is
      // bits 12 to 21, TimeOrderedIdGenerator), so the highest id need not be the last applied.
      Map<Long, List<Long>> byNode = ledger.stream().collect(Collectors.groupingBy(entry -> (entry.id() >>> 12) & 1023,
          Collectors.mapping(LedgerEntry::balanceAfter, Collectors.toList())));
      byNode.forEach((node, newestFirst) ->
          assertEquals(newestFirst.stream().sorted().toList(), newestFirst, "node " + node + "'s entries"));
    }
  }
}
