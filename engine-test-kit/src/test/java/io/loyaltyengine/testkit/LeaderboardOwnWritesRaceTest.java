package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.leaderboard.LeaderboardSettings;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.tenant.NewTenant;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An INDEX read sees this engine's own writes at once (the promise of {@code Consistency.INDEX}), also while other
 * threads read the same campaign's boards. An award's points are not returned by the store: the award marks the
 * participant, and the next read of the campaign resolves the marks. A read that found no mark left because another
 * thread had taken them, and was still reading their scores, answered without them: a thread could award and then
 * not see its own points on the board.
 *
 * <p>Threads award to a participant each and read its rank at once, in a loop, started together by a latch; the
 * in-memory store runs one transaction at a time, so a thread reading the marks' scores often waits behind the
 * others' awards. The clock stands still, so no catch-up ever reads storage and only the marks bring the points in.
 * Before the fix, each of four runs missed 21 to 117 of its 8,000 reads.
 */
class LeaderboardOwnWritesRaceTest {
  private static final int THREADS = 4;
  private static final int ROUNDS = 2_000;

  @Test
  void aThreadAlwaysSeesItsOwnAwardOnTheIndexedPointsBoardWhileOthersReadIt() throws Exception {
    SettableClock clock = SettableClock.at(Instant.parse("2025-06-15T12:00:00Z"));
    try (LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(new InMemoryStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().build())
        .leaderboards(LeaderboardSettings.builder().maxIndexedEntries(10_000).build())
        .nodeId(1)
        .build()) {
      TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business("Race shop")).id());
      Campaign campaign = scope.campaigns().create(NewCampaign.running(
          scope.brands().create(new NewBrand("Race shop", "https://race.example.com")).id(), "Race")
          .withTimeZone(ZoneOffset.UTC));
      long[] ids = new long[THREADS];
      for (int t = 0; t < THREADS; t++) {
        ids[t] = scope.participants().create(campaign.id(), NewParticipant.withEmail("p" + t + "@example.com")).id();
      }
      // Built before the awards, which must then reach it through the marks.
      scope.leaderboards().page(BoardRequest.of(campaign.id(), BoardPeriod.ALL_TIME).by(BoardMetric.POINTS));

      CountDownLatch start = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      try {
        List<Future<List<String>>> results = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          long id = ids[t];
          results.add(pool.submit(() -> {
            List<String> missed = new ArrayList<>();
            assertTrue(start.await(10, TimeUnit.SECONDS));
            for (int r = 1; r <= ROUNDS; r++) {
              scope.points().award(ParticipantRef.id(id), PointsChange.of(1, "purchase"));
              Optional<BoardEntry> row = scope.leaderboards().rank(campaign.id(), id, BoardPeriod.ALL_TIME,
                  BoardMetric.POINTS, Consistency.INDEX);
              long seen = row.map(BoardEntry::score).orElse(-1L);
              if (seen != r) {
                missed.add("participant " + id + " round " + r + " saw " + seen);
              }
            }
            return missed;
          }));
        }
        start.countDown();
        List<String> missed = new ArrayList<>();
        for (Future<List<String>> f : results) {
          missed.addAll(f.get(60, TimeUnit.SECONDS));
        }
        assertEquals(List.of(), missed.subList(0, Math.min(10, missed.size())),
            missed.size() + " reads of " + THREADS * ROUNDS + " missed the reader's own award");
      } finally {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
      }
    }
  }
}
