package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.LeaderboardPort;
import io.loyaltyengine.core.spi.LedgerPort;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.TransactionWork;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A store under the engine that pauses one of the engine's own transactions (host transactions pass through
 * unchanged) at a chosen point until the test lets it go on: before the first credit of a chosen participant,
 * before the nth unit of work it runs behind a savepoint, or on the first row a leaderboard scan hands over (its
 * snapshot taken). The lock-order tests pause a batch or a chunk there, run a host transaction meanwhile, and so fix
 * who waits for whom with no timing assumed; the leaderboard tests pause an index's build. It pauses once.
 *
 * <p>Thread-safe.
 */
final class PausingStore {
  /** The participant whose first credit pauses (0: none). */
  private volatile long beforeCreditOf;
  /** Which unit behind a savepoint, counted in each transaction from 1, pauses before it runs (0: none). */
  private volatile int beforeNestedUnit;
  /** Whether a leaderboard scan pauses on its first row. */
  private volatile boolean inBoardScan;
  private final CountDownLatch paused = new CountDownLatch(1);
  private final CountDownLatch resume = new CountDownLatch(1);

  /** {@code delegate}, with the pause. */
  Storage storage(Storage delegate) {
    return new InterceptingStorage(delegate, tx -> new ForwardingTransaction(tx) {
      private int nestedUnits;

      @Override
      public <T> T nested(TransactionWork<T> work) {
        if (++nestedUnits == beforeNestedUnit) {
          pauseOnce();
        }
        return super.nested(work);
      }

      @Override
      public LeaderboardPort leaderboards() {
        return InterceptingStorage.intercept(LeaderboardPort.class, tx.leaderboards(), (method, args, port) -> {
          if (method.getName().equals("scan") && inBoardScan) {
            LeaderboardPort.ScoreSink sink = (LeaderboardPort.ScoreSink) args[5];
            args[5] = (LeaderboardPort.ScoreSink) (participantId, score, createdAt) -> {
              pauseOnce();
              sink.accept(participantId, score, createdAt);
            };
          }
          return InterceptingStorage.invoke(method, port, args);
        });
      }

      @Override
      public LedgerPort ledger() {
        return InterceptingStorage.intercept(LedgerPort.class, tx.ledger(), (method, args, port) -> {
          if (method.getName().equals("credit") && (long) args[1] == beforeCreditOf) {
            pauseOnce();
          }
          return InterceptingStorage.invoke(method, port, args);
        });
      }
    });
  }

  /** Pauses before the next credit of {@code participantId} in one of the engine's own transactions. */
  void beforeCreditOf(long participantId) {
    beforeCreditOf = participantId;
  }

  /**
   * Pauses before the {@code n}th unit of work one of the engine's own transactions runs behind a savepoint: a
   * shared transaction of group commit, run behind savepoints, runs its units so.
   */
  void beforeNestedUnit(int n) {
    beforeNestedUnit = n;
  }

  /** Pauses on the first row the next leaderboard scan of one of the engine's own transactions hands over. */
  void inBoardScan() {
    inBoardScan = true;
  }

  /** Waits until the transaction has paused. */
  void awaitPaused() throws InterruptedException {
    assertTrue(paused.await(60, TimeUnit.SECONDS), "the engine reached the pause");
  }

  /** Lets the paused transaction go on (also one still to come: call it when the test ends). */
  void resume() {
    resume.countDown();
  }

  private void pauseOnce() {
    if (paused.getCount() == 0) {
      return;
    }
    paused.countDown();
    try {
      assertTrue(resume.await(60, TimeUnit.SECONDS), "the test let the paused transaction go on");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
