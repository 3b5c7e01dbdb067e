package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.LedgerPort;
import io.loyaltyengine.core.spi.Storage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A store under the engine whose first credit of a chosen participant in one of the engine's own transactions (host
 * transactions pass through unchanged) pauses until the test lets it go on: the lock-order tests pause a batch or a
 * chunk run again behind savepoints there, run a host transaction meanwhile, and so fix who waits for whom with no
 * timing assumed. An award run in one go writes every balance with one update instead, so only an award behind a
 * savepoint or alone credits.
 *
 * <p>Thread-safe.
 */
final class PausingCredits {
  /** The participant whose first credit pauses (0: none yet). */
  private volatile long pauseBefore;
  private final CountDownLatch paused = new CountDownLatch(1);
  private final CountDownLatch resume = new CountDownLatch(1);

  /** {@code delegate}, with the pause. */
  Storage storage(Storage delegate) {
    return new InterceptingStorage(delegate, tx -> new ForwardingTransaction(tx) {
      @Override
      public LedgerPort ledger() {
        return InterceptingStorage.intercept(LedgerPort.class, tx.ledger(), (method, args, port) -> {
          if (method.getName().equals("credit") && (long) args[1] == pauseBefore && paused.getCount() > 0) {
            paused.countDown();
            assertTrue(resume.await(60, TimeUnit.SECONDS), "the test let the paused credit go on");
          }
          return InterceptingStorage.invoke(method, port, args);
        });
      }
    });
  }

  /** Pauses the next credit of {@code participantId} in one of the engine's own transactions, once. */
  void pauseBefore(long participantId) {
    pauseBefore = participantId;
  }

  /** Waits until the credit has paused. */
  void awaitPaused() throws InterruptedException {
    assertTrue(paused.await(60, TimeUnit.SECONDS), "the engine reached the paused credit");
  }

  /** Lets the paused credit go on (also one still to come: call it when the test ends). */
  void resume() {
    resume.countDown();
  }
}
