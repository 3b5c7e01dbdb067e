package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.core.referrals.SigningKeys;
import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.ReferralPort;
import io.loyaltyengine.testkit.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Verification and signing read a tenant's signing keys again once its cached set is
 * {@link SigningKeys#SIGNER_REFRESH} old (so that another instance's rotation or retirement reaches it). Every call
 * of the tenant that found the set due would read the keys itself until one of those reads reached the cache, so a
 * busy tenant's concurrent calls would all read them at once each minute, the more of them the slower the database
 * answers. One reads the set again ahead of the minute while the others keep using it.
 *
 * <p>On PostgreSQL, whose transactions run beside each other (on H2 the engine's transactions take turns, and
 * verifications cannot overlap). The clock stands still within a burst of verifications; in each burst the first
 * read of the keys waits until the burst's other verifications are done, as a read slower than theirs would.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class SigningKeyRefreshHerdPostgresTest {
  private static final int VERIFIERS = 6;

  private final SettableClock clock = SettableClock.at(Instant.parse("2025-03-01T10:15:30Z"));
  private final PostgresFixture fixture = new PostgresFixture();
  private final TestEngines engines = new TestEngines();
  private final AtomicInteger keysReads = new AtomicInteger();
  /** The current burst's: whether a read of the keys waited already, and its other verifications not done yet. */
  private volatile AtomicBoolean burstRead = new AtomicBoolean(true);
  private volatile CountDownLatch burstOthers = new CountDownLatch(0);

  @AfterEach
  void close() {
    engines.close();
    fixture.close();
  }

  @Test
  void aBusyTenantsVerifiersReadItsKeysOnceARefreshNotEachOfThemWhenTheMinutePasses() throws Exception {
    LoyaltyEngine engine = countingEngine();
    EngineWorld world = EngineWorld.create(engine);
    String code = world.scope(engine).referrals().codes(world.participant()).signed();
    long campaignId = world.scope(engine).participants().get(world.participant()).campaignId();
    assertBursts(() -> assertEquals(world.participantId(),
        world.scope(engine).referrals().decode(campaignId, code).participantId()), "verifications");
  }

  @Test
  void aBusyTenantsSignersReadItsKeysOnceARefreshNotEachOfThemWhenTheMinutePasses() throws Exception {
    LoyaltyEngine engine = countingEngine();
    EngineWorld world = EngineWorld.create(engine);
    String first = world.scope(engine).referrals().codes(world.participant()).signed();
    assertBursts(() -> assertEquals(first, world.scope(engine).referrals().codes(world.participant()).signed()),
        "signings");
  }

  /** An engine on PostgreSQL whose reads of the keys are counted, the first of each burst waiting for the others. */
  private LoyaltyEngine countingEngine() {
    return engines.build(engines.builder(new InterceptingStorage(fixture.openStorage(),
        tx -> new ForwardingTransaction(tx) {
          @Override
          public ReferralPort referrals() {
            return InterceptingStorage.intercept(ReferralPort.class, tx.referrals(), (method, args, port) -> {
              if (method.getName().equals("keys")) {
                keysReads.incrementAndGet();
                if (burstRead.compareAndSet(false, true)) {
                  assertTrue(burstOthers.await(30, TimeUnit.SECONDS), "the burst's other calls finished");
                }
              }
              return InterceptingStorage.invoke(method, port, args);
            });
          }
        }), 0).clock(clock));
  }

  /** Runs bursts of {@value #VERIFIERS} concurrent {@code call}s every 5 s for 3 minutes, counting the key reads. */
  private void assertBursts(Runnable call, String what) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(VERIFIERS);
    int before = keysReads.get();
    Duration step = Duration.ofSeconds(5);
    int bursts = 0;
    try {
      for (Duration elapsed = Duration.ZERO; elapsed.compareTo(SigningKeys.SIGNER_REFRESH.multipliedBy(3)) <= 0;
          elapsed = elapsed.plus(step)) {
        burstOthers = new CountDownLatch(VERIFIERS - 1);
        burstRead = new AtomicBoolean(false);
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < VERIFIERS; i++) {
          done.add(pool.submit(() -> {
            try {
              call.run();
            } finally {
              burstOthers.countDown();
            }
          }));
        }
        for (Future<?> f : done) {
          f.get(60, TimeUnit.SECONDS);
        }
        bursts++;
        clock.advance(step);
      }
    } finally {
      pool.shutdownNow();
    }
    int reads = keysReads.get() - before;
    assertTrue(reads <= 4, reads + " reads of the keys by " + bursts + " bursts of " + VERIFIERS
        + " concurrent " + what + ", one every " + step.toSeconds() + " s for 3 minutes: about one a refresh is"
        + " enough");
  }
}
