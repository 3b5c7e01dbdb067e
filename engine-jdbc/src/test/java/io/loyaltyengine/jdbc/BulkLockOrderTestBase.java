package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.answer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.LedgerPort;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsOperation;
import io.loyaltyengine.points.PointsOutcome;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A bulk chunk run again behind savepoints (its first run failed other than by a refusal) against a host transaction
 * that changes two of its participants in ascending id order, on one backend per subclass. The chunk's first run
 * locks its participants in ascending id order; run again, it locks them all again, in that order, before its
 * operations run one by one. Taking each operation's lock as it came, in the chunk's order, it held a participant
 * with a higher id while it waited for one with a lower id that the host held, and the host then waited for the
 * first: the store failed one side (the host's transaction, never retried, saw STORAGE_UNAVAILABLE). The chunk's
 * thread pauses before its rerun's award to the participant the host takes, so that who waits for whom is fixed with
 * no timing assumed.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class BulkLockOrderTestBase extends HostTransactionTestBase {
  /** The thread running the bulk call. */
  private volatile Thread bulk;
  /** The participant whose credit the bulk call's rerun pauses before (0: none). */
  private volatile long pauseBefore;
  private final CountDownLatch paused = new CountDownLatch(1);
  private final CountDownLatch resume = new CountDownLatch(1);

  /**
   * Asserts that the chunk's operations and the host's two awards all go through, but the one whose entry the store
   * refuses (what sends the chunk to its rerun), and that each balance counts them.
   */
  @Test
  void aChunkRunAgainBehindSavepointsLocksItsParticipantsInAscendingIdOrder() throws Exception {
    GroupCommitProbe probe = new GroupCommitProbe(fixture.openStorage());
    LoyaltyEngine engine = engines.build(engines.builder(pausingCredits(probe), 0));
    World w = new World(engine, 3);
    TenantScope scope = engine.forTenant(w.tenantId);
    ParticipantRef refused = w.ref(0);
    ParticipantRef low = w.ref(1);
    ParticipantRef high = w.ref(2);
    assertTrue(w.participants.get(1) < w.participants.get(2), "participants are numbered in creation order");
    probe.poisonEntries(entry -> "refused".equals(entry.idempotencyKey()),
        () -> new StorageException("the store refuses this entry", null));
    pauseBefore = w.participants.get(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    Object applied;
    Object hostAnswer;
    try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
      // The chunk names the higher id first: its rerun awards it, then pauses before the lower one's award.
      Future<Object> applying = pool.submit(answer(() -> {
        bulk = Thread.currentThread();
        return scope.points().applyAll(List.of(
            PointsOperation.award(high, PointsChange.of(10, "import")),
            PointsOperation.award(low, PointsChange.of(10, "import")),
            PointsOperation.award(refused, PointsChange.of(10, "import").withIdempotencyKey("refused"))));
      }));
      assertTrue(paused.await(60, TimeUnit.SECONDS), "the chunk's rerun reached the lower participant's award");
      TenantScope hosted = scope.joining(host.transaction());
      // The host changes both participants, the lower id first.
      Future<Object> hosting = pool.submit(answer(() -> {
        hosted.points().award(low, PointsChange.of(5, "purchase"));
        return hosted.points().award(high, PointsChange.of(5, "purchase"));
      }));
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      resume.countDown();
      hostAnswer = hosting.get(60, TimeUnit.SECONDS);
      finish(host, hostAnswer);
      applied = applying.get(60, TimeUnit.SECONDS);
    } finally {
      resume.countDown();
      pool.shutdownNow();
    }
    assertInstanceOf(PointsResult.class, hostAnswer, () -> "the host's awards: " + hostAnswer);
    List<?> outcomes = assertInstanceOf(List.class, applied, () -> "the bulk call: " + applied);
    assertTrue(((PointsOutcome) outcomes.get(0)).succeeded(), () -> "the higher id's award: " + outcomes.get(0));
    assertTrue(((PointsOutcome) outcomes.get(1)).succeeded(), () -> "the lower id's award: " + outcomes.get(1));
    PointsOutcome refusedOutcome = (PointsOutcome) outcomes.get(2);
    assertFalse(refusedOutcome.succeeded(), "the refused entry's award");
    assertEquals(ErrorCode.STORAGE_UNAVAILABLE, refusedOutcome.error().code(), refusedOutcome.error().toString());
    assertBalanceIsTheLedger(scope, low, 15);
    assertBalanceIsTheLedger(scope, high, 15);
    assertBalanceIsTheLedger(scope, refused, 0);
  }

  /**
   * The store under the engine: the bulk call's thread pauses once before a credit of {@link #pauseBefore} (an
   * award run alone, behind a savepoint: the chunk's first run writes every balance with one update instead).
   */
  private InterceptingStorage pausingCredits(GroupCommitProbe delegate) {
    return new InterceptingStorage(delegate, tx -> new ForwardingTransaction(tx) {
      @Override
      public LedgerPort ledger() {
        return InterceptingStorage.intercept(LedgerPort.class, tx.ledger(), (method, args, port) -> {
          if (method.getName().equals("credit") && Thread.currentThread() == bulk
              && (long) args[1] == pauseBefore && paused.getCount() > 0) {
            paused.countDown();
            assertTrue(resume.await(60, TimeUnit.SECONDS), "the test let the chunk go on");
          }
          return InterceptingStorage.invoke(method, port, args);
        });
      }
    });
  }
}
