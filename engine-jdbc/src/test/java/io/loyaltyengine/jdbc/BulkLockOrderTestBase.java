package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.answer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsOperation;
import io.loyaltyengine.points.PointsOutcome;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Awards run again behind savepoints after their first run in one go failed other than by a refusal, against a host
 * transaction that changes two of their participants in ascending id order, on one backend per subclass: a bulk
 * chunk, and a batch of single awards combined by group commit (on a store that runs one batch at a time, as H2).
 * The first run locks all of the participants in ascending id order. Run again, each award taking its
 * participant's lock as it came, the rerun held a higher id while it waited for a lower one that the host held, and
 * the host then waited for the first: the store failed one side (the host's transaction, never retried, saw
 * STORAGE_UNAVAILABLE). The rerun pauses before its award to the participant with the lower id, so that who waits
 * for whom is fixed with no timing assumed.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class BulkLockOrderTestBase extends HostTransactionTestBase {
  /** Pauses the rerun before its award to the participant with the lower id. */
  private final PausingStore pausing = new PausingStore();

  /**
   * A chunk of the bulk API run again behind savepoints locks all of its participants first, in ascending id order.
   * Asserts that the chunk's awards and the host's two awards all go through, but the one whose entry the store
   * refuses (what sends the chunk to its rerun), and that each balance counts them.
   */
  @Test
  void aChunkRunAgainBehindSavepointsLocksItsParticipantsInAscendingIdOrder() throws Exception {
    GroupCommitProbe probe = new GroupCommitProbe(fixture.openStorage());
    LoyaltyEngine engine = engines.build(engines.builder(pausing.storage(probe), 0));
    Setting s = new Setting(engine, probe);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      // The chunk names the higher id first: its rerun awards it, then pauses before the lower one's award.
      Future<Object> applying = pool.submit(answer(() -> s.scope.points().applyAll(List.of(
          PointsOperation.award(s.high, PointsChange.of(10, "import")),
          PointsOperation.award(s.low, PointsChange.of(10, "import")),
          PointsOperation.award(s.refused, PointsChange.of(10, "import").withIdempotencyKey("refused"))))));
      Object host = whileTheRerunPausesAHostAwardsBoth(s, pool);
      assertInstanceOf(PointsResult.class, host, () -> "the host's awards: " + host);
      Object applied = applying.get(60, TimeUnit.SECONDS);
      List<?> outcomes = assertInstanceOf(List.class, applied, () -> "the bulk call: " + applied);
      assertTrue(((PointsOutcome) outcomes.get(0)).succeeded(), () -> "the higher id's award: " + outcomes.get(0));
      assertTrue(((PointsOutcome) outcomes.get(1)).succeeded(), () -> "the lower id's award: " + outcomes.get(1));
      PointsOutcome refusedOutcome = (PointsOutcome) outcomes.get(2);
      assertFalse(refusedOutcome.succeeded(), "the refused entry's award");
      assertEquals(ErrorCode.STORAGE_UNAVAILABLE, refusedOutcome.error().code(), refusedOutcome.error().toString());
    } finally {
      pausing.resume();
      pool.shutdownNow();
    }
    s.assertBalances();
  }

  /**
   * A batch of single awards whose run in one go failed locks all of its participants again in ascending id order
   * ({@code LocksParticipants}, as every batch run behind savepoints does) before it runs each award behind a
   * savepoint, rather than taking them in arrival order. Asserts that the batch's awards and the host's two awards
   * all go through, but the one whose entry the store refuses, and that each balance counts them.
   */
  @Test
  void aBatchOfAwardsThatFailedInOneGoNeverTakesItsParticipantsInArrivalOrder() throws Exception {
    GroupCommitProbe probe = new GroupCommitProbe(fixture.openStorage(), true);
    LoyaltyEngine engine = engines.build(engines.builder(pausing.storage(probe), GroupCommitTestBase.COMBINING));
    Setting s = new Setting(engine, probe);
    ExecutorService pool = Executors.newFixedThreadPool(5);
    try {
      // The batch, in that order: the higher id's award, the lower id's, the refused one.
      GroupCommitProbe.QueuedBatch batch = probe.queueBehindAPlug(pool,
          () -> s.scope.points().award(s.refused, PointsChange.of(1, "plug")), List.of(
              () -> s.scope.points().award(s.high, PointsChange.of(10, "purchase")),
              () -> s.scope.points().award(s.low, PointsChange.of(10, "purchase")),
              () -> s.scope.points().award(s.refused, PointsChange.of(10, "purchase").withIdempotencyKey("refused"))));
      batch.gate().release();
      List<Future<Object>> queued = batch.queued();
      Object host = whileTheRerunPausesAHostAwardsBoth(s, pool);
      assertInstanceOf(PointsResult.class, host, () -> "the host's awards: " + host);
      Object plugged = batch.plug().get(60, TimeUnit.SECONDS);
      assertInstanceOf(PointsResult.class, plugged, () -> "the plug: " + plugged);
      for (int i = 0; i < 2; i++) {
        Object awarded = queued.get(i).get(60, TimeUnit.SECONDS);
        assertInstanceOf(PointsResult.class, awarded, () -> "a combined award: " + awarded);
      }
      Object refusedAnswer = queued.get(2).get(60, TimeUnit.SECONDS);
      LoyaltyException refused = assertInstanceOf(LoyaltyException.class, refusedAnswer,
          () -> "the refused entry's award: " + refusedAnswer);
      assertEquals(ErrorCode.STORAGE_UNAVAILABLE, refused.code(), refused.toString());
    } finally {
      pausing.resume();
      pool.shutdownNow();
    }
    s.assertBalances(1);
  }

  /**
   * Once the rerun paused before the lower id's award, a host awards the lower id and then the higher one, the
   * ascending order, and commits (rolls back, if it failed); the rerun goes on once a session waits for a lock, or
   * once the host is done without waiting. Returns the host's answer.
   */
  private Object whileTheRerunPausesAHostAwardsBoth(Setting s, ExecutorService pool) throws Exception {
    pausing.awaitPaused();
    try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
      TenantScope hosted = s.scope.joining(host.transaction());
      Future<Object> hosting = pool.submit(answer(() -> {
        hosted.points().award(s.low, PointsChange.of(5, "purchase"));
        return hosted.points().award(s.high, PointsChange.of(5, "purchase"));
      }));
      JdbcLockWaits.awaitASessionBlockedOnALockOr(fixture, hosting::isDone);
      pausing.resume();
      Object answer = hosting.get(60, TimeUnit.SECONDS);
      finish(host, answer);
      return answer;
    }
  }

  /**
   * Three participants with no points: one whose award's entry the store refuses (0), and two, ids ascending, that
   * both the rerun and the host award.
   */
  private final class Setting {
    final TenantScope scope;
    final ParticipantRef refused;
    final ParticipantRef low;
    final ParticipantRef high;

    Setting(LoyaltyEngine engine, GroupCommitProbe probe) {
      World w = new World(engine, 3);
      scope = engine.forTenant(w.tenantId);
      refused = w.ref(0);
      low = w.ref(1);
      high = w.ref(2);
      assertTrue(w.participants.get(1) < w.participants.get(2), "participants are numbered in creation order");
      probe.poisonEntries(entry -> "refused".equals(entry.idempotencyKey()),
          () -> new StorageException("the store refuses this entry", null));
      pausing.beforeCreditOf(w.participants.get(1));
    }

    /** Asserts each balance: 10 from the rerun and 5 from the host, {@code plug} for the refused one. */
    void assertBalances(long plug) {
      assertBalanceIsTheLedger(scope, low, 15);
      assertBalanceIsTheLedger(scope, high, 15);
      assertBalanceIsTheLedger(scope, refused, plug);
    }

    void assertBalances() {
      assertBalances(0);
    }
  }
}
