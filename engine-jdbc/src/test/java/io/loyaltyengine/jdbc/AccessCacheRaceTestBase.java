package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.access.AccessSettings;
import io.loyaltyengine.access.ApiKeys;
import io.loyaltyengine.access.ApiScope;
import io.loyaltyengine.access.IssuedApiKey;
import io.loyaltyengine.access.NewApiKey;
import io.loyaltyengine.core.spi.CommitOutcomeUnknownException;
import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.TenantPort;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The key cache against changes made while a key is being read, so that the read saw the key as it was and is cached
 * after the change:
 * <ul>
 *   <li>a plan change made through the same engine while an authentication is reading the key's tenant: the engine
 *       that changed the plan must hold the tenant to the new plan at once, as documented, not cache the old one for
 *       the TTL;</li>
 *   <li>a revocation or deletion through the same engine while another thread's authentication has read the key
 *       live and not yet cached it: the revoking thread's next request, and every later one, must be refused;</li>
 *   <li>the same on another engine: it trusts what it read for the TTL ({@link AccessSettings#keyCacheTtl}: "how
 *       long an instance trusts a key it has read"), so it refuses the key one TTL after the revocation at the
 *       latest, however long its read took to reach its cache;</li>
 *   <li>a revocation, deletion or plan change whose commit's answer was lost (it may have committed): the engine
 *       that made it must not go on trusting a cached copy of the key, or its plan, for the TTL.</li>
 * </ul>
 * Requests are probed with a scope the keys lack: FORBIDDEN means the key was taken as live, UNAUTHENTICATED as
 * revoked or gone, and no probe is counted by the rate limiter. The clock stands still unless a test moves it.
 * Needs two transactions at once for the first race, so it runs on the SQL stores (the in-memory store runs one at a
 * time).
 */
abstract class AccessCacheRaceTestBase {
  /** Free: 1 an hour; pro: 3 an hour; the default plan is free. The clock stands still: nothing refills. */
  private static final AccessSettings PLANS = AccessSettings.builder()
      .plan("free", 1, Duration.ofHours(1))
      .plan("pro", 3, Duration.ofHours(1))
      .defaultPlan("free")
      .build();
  private static final Duration TTL = PLANS.keyCacheTtl();

  private JdbcFixture fixture;
  private final SettableClock clock = SettableClock.at(Instant.parse("2025-03-01T10:15:30Z"));
  private LoyaltyEngine engine;
  /** A second engine on the same database, built by the tests that need it. */
  private LoyaltyEngine other;
  /** The thread whose next tenant read pauses, and the latches of that pause. */
  private volatile Thread pauseAfterRead;
  private final Pause afterRead = new Pause();
  /** The thread whose next transaction pauses once it has committed, before its result is used. */
  private volatile Thread pauseAfterCommit;
  private final Pause afterCommit = new Pause();
  /** The thread whose next commit is announced by {@link #committed}. */
  private volatile Thread announceCommit;
  private final CountDownLatch committed = new CountDownLatch(1);
  /** The thread whose next transaction commits and then reports the commit's outcome unknown. */
  private volatile Thread loseCommitAnswer;

  abstract JdbcFixture createFixture();

  @BeforeEach
  void open() {
    fixture = createFixture();
    engine = build(1);
  }

  @AfterEach
  void close() throws Exception {
    if (other != null) {
      other.close();
    }
    engine.close();
    fixture.close();
  }

  private LoyaltyEngine build(int nodeId) {
    return LoyaltyEngine.builder()
        .storage(intercepted((Storage) fixture.openStorage()))
        .clock(clock)
        .nodeId(nodeId)
        .events(EventSettings.builder().manualDispatch().build())
        .access(PLANS)
        .build();
  }

  @Test
  void aPlanChangedWhileAKeyIsReadHoldsTheTenantToTheNewPlanAtOnce() throws Exception {
    long t = engine.tenants().create(NewTenant.business("Race")).id();
    String key = engine.forTenant(t).apiKeys().issue(NewApiKey.of("k", ApiScope.READ)).secret();

    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      // Without the scope: the key is read (and cached) but the request is refused before it is counted, so that
      // the requests below alone are counted.
      Future<?> authenticating = pool.submit(() -> {
        pauseAfterRead = Thread.currentThread();
        return engine.access().authenticate(key, ApiScope.WRITE);
      });
      afterRead.awaitReached("the authentication read the key's tenant");
      engine.tenants().changePlan(t, "pro");
      afterRead.release();
      ExecutionException refused = assertThrows(ExecutionException.class,
          () -> authenticating.get(30, TimeUnit.SECONDS));
      assertEquals(ErrorCode.FORBIDDEN, assertInstanceOf(LoyaltyException.class, refused.getCause()).code());
    } finally {
      pool.shutdownNow();
    }

    assertEquals(3, passes(key, 10), "the engine that changed the plan holds the tenant to it at once");
  }

  @Test
  void aKeyRevokedWhileAnotherThreadReadsItIsRefusedAtOnceByTheThreadThatRevokedIt() throws Exception {
    droppedWhileAnotherThreadReadsIt(false);
  }

  @Test
  void aKeyDeletedWhileAnotherThreadReadsItIsRefusedAtOnceByTheThreadThatDeletedIt() throws Exception {
    droppedWhileAnotherThreadReadsIt(true);
  }

  /**
   * A reader has read the key live and its transaction has ended, but the key is not cached yet; another thread
   * revokes (or deletes) it, and the reader is let go only once the revoking thread has committed and then either
   * returned (and waits to make its next request after the reader's) or blocked (on the reader's load, which the
   * cache's invalidation waits for). Had the reader cached the key after the revoking thread dropped it, the revoking
   * thread's next request would pass.
   */
  private void droppedWhileAnotherThreadReadsIt(boolean delete) throws Exception {
    long t = engine.tenants().create(NewTenant.business("Race")).id();
    ApiKeys keys = engine.forTenant(t).apiKeys();
    IssuedApiKey issued = keys.issue(NewApiKey.of("k", ApiScope.READ));
    String key = issued.secret();

    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<ErrorCode> reading = pool.submit(() -> {
        pauseAfterCommit = Thread.currentThread();
        return probe(engine, key);
      });
      afterCommit.awaitReached("the reader read the key and its transaction ended");
      Thread[] dropper = new Thread[1];
      CountDownLatch readerDone = new CountDownLatch(1);
      Future<ErrorCode> dropping = pool.submit(() -> {
        dropper[0] = Thread.currentThread();
        announceCommit = Thread.currentThread();
        if (delete) {
          keys.delete(issued.key().id());
        } else {
          keys.revoke(issued.key().id());
        }
        assertTrue(readerDone.await(30, TimeUnit.SECONDS));
        return probe(engine, key); // the dropping thread's own next request, after the reader's
      });
      assertTrue(committed.await(30, TimeUnit.SECONDS), "the revocation committed");
      awaitBlockedOrDone(dropper[0], dropping);
      afterCommit.release();
      assertEquals(ErrorCode.FORBIDDEN, reading.get(30, TimeUnit.SECONDS), "the reader read the key before");
      readerDone.countDown();
      assertEquals(ErrorCode.UNAUTHENTICATED, dropping.get(30, TimeUnit.SECONDS),
          "the thread that revoked the key refuses it at once");
    } finally {
      afterCommit.release();
      pool.shutdownNow();
    }
    assertEquals(ErrorCode.UNAUTHENTICATED, probe(engine, key), "and so does every other thread of the engine");
  }

  @Test
  void anotherEngineRefusesAKeyOneTtlAfterItsRevocationThoughItsReadOfItWasCachedLater() throws Exception {
    droppedWhileAnotherEngineReadsIt(false);
  }

  @Test
  void anotherEngineRefusesAKeyOneTtlAfterItsDeletionThoughItsReadOfItWasCachedLater() throws Exception {
    droppedWhileAnotherEngineReadsIt(true);
  }

  /**
   * The other engine reads the key live; before that read reaches its cache the key is revoked here and half a TTL
   * passes. One TTL after the revocation the other engine must refuse the key: it trusts what it read for one TTL.
   */
  private void droppedWhileAnotherEngineReadsIt(boolean delete) throws Exception {
    other = build(2);
    long t = engine.tenants().create(NewTenant.business("Race")).id();
    ApiKeys keys = engine.forTenant(t).apiKeys();
    IssuedApiKey issued = keys.issue(NewApiKey.of("k", ApiScope.READ));
    String key = issued.secret();

    Instant dropped;
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<ErrorCode> reading = pool.submit(() -> {
        pauseAfterCommit = Thread.currentThread();
        return probe(other, key);
      });
      afterCommit.awaitReached("the other engine read the key and its transaction ended");
      dropped = clock.instant();
      if (delete) {
        keys.delete(issued.key().id());
      } else {
        keys.revoke(issued.key().id());
      }
      assertEquals(ErrorCode.UNAUTHENTICATED, probe(engine, key), "refused at once here");
      clock.advance(TTL.dividedBy(2)); // the other engine's read is slow to reach its cache
      afterCommit.release();
      assertEquals(ErrorCode.FORBIDDEN, reading.get(30, TimeUnit.SECONDS), "the other engine read it before");
    } finally {
      afterCommit.release();
      pool.shutdownNow();
    }
    clock.set(dropped.plus(TTL));
    assertEquals(ErrorCode.UNAUTHENTICATED, probe(other, key),
        "one TTL after the key was " + (delete ? "deleted" : "revoked") + " the other engine refuses it");
  }

  @Test
  void aRevocationWhoseCommitsAnswerWasLostStillStopsThisEngineTrustingItsCachedKey() {
    droppedWithTheCommitsAnswerLost(false);
  }

  @Test
  void aDeletionWhoseCommitsAnswerWasLostStillStopsThisEngineTrustingItsCachedKey() {
    droppedWithTheCommitsAnswerLost(true);
  }

  private void droppedWithTheCommitsAnswerLost(boolean delete) {
    long t = engine.tenants().create(NewTenant.business("Race")).id();
    ApiKeys keys = engine.forTenant(t).apiKeys();
    IssuedApiKey issued = keys.issue(NewApiKey.of("k", ApiScope.READ));
    assertEquals(ErrorCode.FORBIDDEN, probe(engine, issued.secret())); // cached, live

    loseCommitAnswer = Thread.currentThread();
    LoyaltyException lost = assertThrows(LoyaltyException.class, () -> {
      if (delete) {
        keys.delete(issued.key().id());
      } else {
        keys.revoke(issued.key().id());
      }
    });
    assertEquals(ErrorCode.STORAGE_UNAVAILABLE, lost.code(), "the change may have been made");
    assertEquals(ErrorCode.UNAUTHENTICATED, probe(engine, issued.secret()),
        "it was: the engine that made it refuses the key at once, not after its cached copy expires");
  }

  @Test
  void aPlanChangeWhoseCommitsAnswerWasLostHoldsTheTenantToTheNewPlanAtOnce() {
    long t = engine.tenants().create(NewTenant.business("Race")).id();
    String key = engine.forTenant(t).apiKeys().issue(NewApiKey.of("k", ApiScope.READ)).secret();
    assertEquals(1, passes(key, 1)); // cached on the free plan, whose one token is spent

    loseCommitAnswer = Thread.currentThread();
    LoyaltyException lost = assertThrows(LoyaltyException.class, () -> engine.tenants().changePlan(t, "pro"));
    assertEquals(ErrorCode.STORAGE_UNAVAILABLE, lost.code(), "the change may have been made");
    assertEquals(3, passes(key, 10), "it was: the engine that made it holds the tenant to the new plan at once");
  }

  /** Waits until {@code thread} is blocked or waiting, or {@code task} (which runs on it) is done. */
  private static void awaitBlockedOrDone(Thread thread, Future<?> task) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!task.isDone()) {
      Thread.State state = thread.getState();
      if (state == Thread.State.BLOCKED || state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) {
        return;
      }
      if (System.nanoTime() > deadline) {
        fail("the revoking thread neither returned nor blocked");
      }
      Thread.onSpinWait();
    }
  }

  /** The code of a request with {@code key} for a scope it lacks: FORBIDDEN while the engine takes it as live. */
  private static ErrorCode probe(LoyaltyEngine on, String key) {
    try {
      on.access().authenticate(key, ApiScope.WRITE);
    } catch (LoyaltyException e) {
      return e.code();
    }
    throw new AssertionError("a key without WRITE was let through for it");
  }

  /** How many of {@code attempts} authentications of {@code key} pass; fails on anything but RATE_LIMITED. */
  private int passes(String key, int attempts) {
    int passed = 0;
    for (int i = 0; i < attempts; i++) {
      try {
        engine.access().authenticate(key, ApiScope.READ);
        passed++;
      } catch (LoyaltyException e) {
        if (e.code() != ErrorCode.RATE_LIMITED) {
          fail("expected RATE_LIMITED but got " + e, e);
        }
      }
    }
    return passed;
  }

  /**
   * A storage whose tenant reads pause the chosen thread once, after the read, until the test resumes it; and whose
   * transactions, after they commit, pause, announce or report lost the commit of the thread chosen for it, once.
   */
  private Storage intercepted(Storage delegate) {
    return new InterceptingStorage(delegate, tx -> new ForwardingTransaction(tx) {
      @Override
      public TenantPort tenants() {
        return InterceptingStorage.intercept(TenantPort.class, tx.tenants(), (method, args, port) -> {
          Object result = InterceptingStorage.invoke(method, port, args);
          if (method.getName().equals("find") && Thread.currentThread() == pauseAfterRead) {
            pauseAfterRead = null;
            afterRead.here();
          }
          return result;
        });
      }
    }) {
      @Override
      public <T> T inTransaction(TransactionWork<T> work) {
        T result = super.inTransaction(work);
        ended();
        if (Thread.currentThread() == loseCommitAnswer) {
          loseCommitAnswer = null;
          throw new CommitOutcomeUnknownException("test: the commit's answer was lost", null);
        }
        return result;
      }

      /** A key's read (an authentication's) runs as a read transaction: its end is announced and paused the same. */
      @Override
      public <T> T inReadTransaction(TransactionWork<T> work) {
        T result = super.inReadTransaction(work);
        ended();
        return result;
      }
    };
  }

  /** After a transaction of this thread ended: announces it, or pauses, if the test chose this thread for that. */
  private void ended() {
    Thread me = Thread.currentThread();
    if (me == announceCommit) {
      announceCommit = null;
      committed.countDown();
    }
    if (me == pauseAfterCommit) {
      pauseAfterCommit = null;
      afterCommit.here();
    }
  }
}
