package io.loyaltyengine.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * {@link TimeOrderedIdGenerator}'s ids strictly increase, also while its node number switches (a lost lease): the
 * ids one thread makes one after another must increase. The node was read apart from the logical time, so a call
 * that took its time before a switch to a smaller number and read the number after it made an id of the old
 * millisecond with the new, smaller number: smaller than the id the same thread had made just before.
 *
 * <p>Two threads make ids while a third switches the number between 1023 and 0 as fast as it can; the clock stands
 * still, so only the switches and bursts move the millisecond. Before the fix, 3 runs of 3 failed (within half a
 * second each); after it, 6 of 6 passed.
 */
class TimeOrderedIdGeneratorSwitchRaceTest {
  private static final int CALLERS = 2;
  private static final int IDS_PER_CALLER = 2_000_000;

  @Test
  void eachThreadsIdsIncreaseWhileTheNodeSwitches() throws Exception {
    Instant now = Instant.parse("2026-11-21T12:00:00Z");
    TimeOrderedIdGenerator ids = new TimeOrderedIdGenerator(Clock.fixed(now, ZoneOffset.UTC), 1023);
    CountDownLatch start = new CountDownLatch(1);
    AtomicBoolean done = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(CALLERS + 1);
    try {
      Future<Integer> switches = pool.submit(() -> {
        assertTrue(start.await(10, TimeUnit.SECONDS));
        int n = 0;
        while (!done.get()) {
          ids.switchNode(n++ % 2 == 0 ? 0 : 1023, now);
        }
        return n;
      });
      List<Future<List<String>>> callers = new ArrayList<>();
      for (int c = 0; c < CALLERS; c++) {
        callers.add(pool.submit(() -> {
          assertTrue(start.await(10, TimeUnit.SECONDS));
          List<String> backwards = new ArrayList<>();
          long last = 0;
          for (int i = 0; i < IDS_PER_CALLER; i++) {
            long id = ids.nextId();
            if (id <= last && backwards.size() < 10) {
              backwards.add(Long.toHexString(last) + " then " + Long.toHexString(id));
            }
            last = Math.max(last, id);
          }
          return backwards;
        }));
      }
      start.countDown();
      List<String> backwards = new ArrayList<>();
      for (Future<List<String>> f : callers) {
        backwards.addAll(f.get(60, TimeUnit.SECONDS));
      }
      done.set(true);
      assertTrue(switches.get(10, TimeUnit.SECONDS) > 0);
      assertEquals(List.of(), backwards, "a thread's ids went backwards");
    } finally {
      done.set(true);
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }
  }
}
