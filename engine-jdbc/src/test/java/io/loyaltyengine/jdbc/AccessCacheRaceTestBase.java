package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.access.AccessSettings;
import io.loyaltyengine.access.ApiScope;
import io.loyaltyengine.access.NewApiKey;
import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.TenantPort;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The key cache against a plan change made through the same engine while an authentication is reading the key: the
 * read saw the old plan, the change committed and dropped the tenant's entries, and only then did the read finish.
 * The engine that changed the plan must hold the tenant to the new plan at once, as documented, not cache the old one
 * for the TTL. Needs two transactions at once, so it runs on the SQL stores (the in-memory store runs one at a time).
 */
abstract class AccessCacheRaceTestBase {
  /** Free: 1 an hour; pro: 3 an hour; the default plan is free. The clock stands still: nothing refills. */
  private static final AccessSettings PLANS = AccessSettings.builder()
      .plan("free", 1, Duration.ofHours(1))
      .plan("pro", 3, Duration.ofHours(1))
      .defaultPlan("free")
      .build();

  private JdbcFixture fixture;
  private LoyaltyEngine engine;
  /** The thread whose next tenant read pauses, and the latches of that pause. */
  private volatile Thread pauseAfterRead;
  private final Pause afterRead = new Pause();

  abstract JdbcFixture createFixture();

  @BeforeEach
  void open() {
    fixture = createFixture();
    engine = LoyaltyEngine.builder()
        .storage(pausingTenantReads((Storage) fixture.openStorage()))
        .clock(SettableClock.at(Instant.parse("2025-03-01T10:15:30Z")))
        .events(EventSettings.builder().manualDispatch().build())
        .access(PLANS)
        .build();
  }

  @AfterEach
  void close() throws Exception {
    engine.close();
    fixture.close();
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

  /** A storage whose tenant reads pause the chosen thread once, after the read, until the test resumes it. */
  private Storage pausingTenantReads(Storage delegate) {
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
    });
  }
}
