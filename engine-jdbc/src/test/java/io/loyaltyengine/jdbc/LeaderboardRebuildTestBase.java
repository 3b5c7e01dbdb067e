package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.answer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.leaderboard.LeaderboardSettings;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.testkit.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A campaign's index rebuilt once {@link LeaderboardSettings#rebuildInterval()} has passed, on one backend per
 * subclass: the read that finds the rebuild due builds a successor from storage, while the other reads of the
 * campaign go on with the index it replaces rather than wait for the scan, and this engine's writes committed during
 * the rebuild reach the successor although its scan's snapshot predates them. On H2 the scan, a read, runs outside
 * the turn the engine's transactions take, so neither the other read (due to catch up) nor the writes wait for it.
 * The rebuild's scan pauses on its first row, so who runs when is fixed with no timing assumed.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class LeaderboardRebuildTestBase {
  private static final Duration REBUILD = Duration.ofMinutes(5);

  private final JdbcFixture fixture = createFixture();
  private final TestEngines engines = new TestEngines();
  private final PausingStore pausing = new PausingStore();

  /** A fixture on a fresh, empty database. */
  abstract JdbcFixture createFixture();

  @AfterEach
  void close() {
    pausing.resume();
    engines.close();
    fixture.close();
  }

  @Test
  void otherReadsGoOnWithTheOldIndexWhileOneReadRebuildsAndWritesDuringTheRebuildReachTheNewOne() throws Exception {
    SettableClock clock = SettableClock.at(Instant.parse("2026-03-10T12:00:00Z"));
    LoyaltyEngine engine = engines.build(engines.builder(pausing.storage(fixture.openStorage()), 0).clock(clock)
        .leaderboards(LeaderboardSettings.builder().rebuildInterval(REBUILD).build()));
    World w = new World(engine, 2);
    TenantScope scope = engine.forTenant(w.tenantId);
    CampaignReward reward = scope.rewards().define(w.campaignId, NewCampaignReward.message("Thanks", "Thank you", 10));
    scope.rewards().recordAction(LoyaltyAction.of(w.ref(0), reward.id()));
    BoardRequest board = BoardRequest.of(w.campaignId, BoardPeriod.ALL_TIME).read(Consistency.INDEX);
    long ann = w.participants.get(0);
    long bob = w.participants.get(1);
    List<BoardEntry> before = List.of(new BoardEntry(ann, 1, 1), new BoardEntry(bob, 0, 2));
    assertEquals(before, scope.leaderboards().page(board).items(), "built");

    clock.advance(REBUILD);
    pausing.inBoardScan();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<Object> rebuilding = pool.submit(answer(() -> scope.leaderboards().page(board).items()));
      pausing.awaitPaused();

      // Another read while the scan is paused: answered by the index being replaced.
      CompletableFuture<Thread> readerThread = new CompletableFuture<>();
      Future<Object> reading = pool.submit(() -> {
        readerThread.complete(Thread.currentThread());
        return answer(() -> scope.leaderboards().page(board).items()).call();
      });
      awaitAnsweredNotParked(readerThread.get(60, TimeUnit.SECONDS), reading);
      assertEquals(before, reading.get(), "another read during the rebuild, from the index being replaced");

      // A write committed after the scan's snapshot: forwarded to the index being built.
      scope.rewards().recordAction(LoyaltyAction.of(w.ref(1), reward.id()));
      scope.rewards().recordAction(LoyaltyAction.of(w.ref(1), reward.id()));
      pausing.resume();
      List<BoardEntry> after = List.of(new BoardEntry(bob, 2, 1), new BoardEntry(ann, 1, 2));
      assertEquals(after, rebuilding.get(60, TimeUnit.SECONDS), "the rebuilding read, from the new index");
      assertEquals(after, scope.leaderboards().page(board).items(), "the next read, from the new index");
      assertEquals(after, scope.leaderboards().page(board.read(Consistency.STRONG)).items(), "storage");
    } finally {
      pausing.resume();
      pool.shutdownNow();
    }
  }

  /**
   * Waits until {@code reading} has answered, and fails at once if its thread parks on a lock meanwhile (a read
   * waiting for the rebuild, which would wait for as long as the scan is paused).
   */
  private static void awaitAnsweredNotParked(Thread reader, Future<?> reading) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!reading.isDone()) {
      Object blocker = LockSupport.getBlocker(reader);
      if (blocker != null && reader.getState() != Thread.State.RUNNABLE
          && blocker.getClass().getName().contains("ReentrantLock")) {
        fail("the read waits for the rebuild: " + List.of(reader.getStackTrace()));
      }
      if (System.nanoTime() > deadline) {
        fail("the read neither answered nor parked: " + List.of(reader.getStackTrace()));
      }
      LockSupport.parkNanos(100_000);
    }
  }
}
