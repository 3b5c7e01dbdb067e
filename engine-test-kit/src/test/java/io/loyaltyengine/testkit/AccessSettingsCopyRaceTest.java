package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.access.AccessSettings;
import io.loyaltyengine.access.AccessSettings.RateLimit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * {@link AccessSettings} is immutable and validated: the plans it holds are the ones it checked, whatever the caller
 * does to its map afterwards or meanwhile. It checked the caller's map and then copied it, so a plan put into the map
 * by another thread between the two was kept unchecked: a settings object holding a plan name it refuses.
 *
 * <p>One thread puts an invalid plan into the caller's (concurrent) map and takes it out again, over and over, while
 * another builds settings from that map; every settings object built must hold valid plan names only. Before the
 * fix, 3 runs of 3 failed (the first kept plan within 27,421 builds at most); after it, 3 of 3 passed.
 */
class AccessSettingsCopyRaceTest {
  private static final int BUILDS = 300_000;
  private static final String INVALID = "Not A Plan Name";

  @Test
  void settingsNeverHoldAPlanTheyWouldRefuseWhileTheCallersMapChanges() throws Exception {
    RateLimit rate = new RateLimit(60, Duration.ofMinutes(1));
    Map<String, RateLimit> plans = new ConcurrentHashMap<>(Map.of("free", rate));
    CountDownLatch start = new CountDownLatch(1);
    AtomicBoolean done = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<?> mutator = pool.submit(() -> {
        assertTrue(start.await(10, TimeUnit.SECONDS));
        while (!done.get()) {
          plans.put(INVALID, rate);
          plans.remove(INVALID);
        }
        return null;
      });
      Future<List<String>> builder = pool.submit(() -> {
        assertTrue(start.await(10, TimeUnit.SECONDS));
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < BUILDS && kept.size() < 10; i++) {
          AccessSettings settings;
          try {
            settings = new AccessSettings(plans, "free", Duration.ofSeconds(30));
          } catch (IllegalArgumentException refused) {
            continue; // the invalid plan was there when checked: refused, as it should be
          }
          for (String name : settings.plans().keySet()) {
            if (!AccessSettings.isPlanName(name)) {
              kept.add("build " + i + " kept \"" + name + "\"");
            }
          }
        }
        return kept;
      });
      start.countDown();
      List<String> kept = builder.get(60, TimeUnit.SECONDS);
      done.set(true);
      mutator.get(10, TimeUnit.SECONDS);
      assertEquals(List.of(), kept, "settings kept a plan they did not check");
    } finally {
      done.set(true);
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }
  }
}
