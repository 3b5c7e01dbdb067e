package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.answer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.sso.SsoRecognition;
import io.loyaltyengine.sso.SsoSecret;
import io.loyaltyengine.sso.SsoSignatures;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.StoreFixture.HostTransactions;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Single sign-on raced on one database, one backend per subclass: a first login of a customer that meets another
 * first login's uncommitted mapping waits for it, and once it commits is refused on the mapping's unique key after
 * it enrolled its own participant; its unit of work is undone (to a savepoint inside a host's transaction, keeping
 * the host's work) and runs again, finding the committed mapping.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class SsoRaceTestBase extends HostTransactionTestBase {
  private static final Instant NOW = Instant.parse("2025-06-01T08:00:00Z");

  @Test
  void aFirstLoginInAHostTransactionMeetingAnUncommittedOneUndoesItsEnrolmentAndKeepsTheHostsWork()
      throws Exception {
    race(true);
  }

  @Test
  void aFirstLoginMeetingAnUncommittedOneUndoesItsEnrolmentAndFindsTheOther() throws Exception {
    race(false);
  }

  @Test
  void aRotationOnAnotherEngineWaitsForAnUncommittedDisableAndThenStartsAfresh() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0).clock(SettableClock.at(NOW)));
    LoyaltyEngine other = engines.build(engines.builder(fixture.openStorage(), 0).clock(SettableClock.at(NOW)));
    World w = new World(engine, 0);
    TenantScope scope = engine.forTenant(w.tenantId);
    String old = scope.singleSignOn().rotateSecret().secret();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    Object rotated;
    try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
      scope.joining(host.transaction()).singleSignOn().disable();
      Future<Object> rotating = pool.submit(answer(() -> other.forTenant(w.tenantId).singleSignOn().rotateSecret()));
      JdbcLockWaits.awaitASessionWaiting(fixture);
      host.commit();
      rotated = rotating.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertTrue(rotated instanceof SsoSecret s && s.previousValidUntil() == null,
        "the rotation after the disable starts afresh: " + rotated);
    long t = NOW.getEpochSecond();
    assertTrue(scope.singleSignOn().recognize(
        SsoSignatures.login(((SsoSecret) rotated).secret(), w.campaignId, "c-1", "c1@example.com", t)).created(),
        "the fresh secret signs logins");
    assertEquals(ErrorCode.UNAUTHENTICATED, answer(() -> scope.singleSignOn().recognize(
        SsoSignatures.login(old, w.campaignId, "c-2", null, t))).call() instanceof LoyaltyException e ? e.code() : null,
        "the secret from before the disable is gone");
  }

  @Test
  void aDisableOnAnotherEngineWaitsForAnUncommittedRotationAndThenSwitchesOff() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0).clock(SettableClock.at(NOW)));
    LoyaltyEngine other = engines.build(engines.builder(fixture.openStorage(), 0).clock(SettableClock.at(NOW)));
    World w = new World(engine, 0);
    TenantScope scope = engine.forTenant(w.tenantId);
    scope.singleSignOn().rotateSecret();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    Object disabled;
    String rotated;
    try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
      rotated = scope.joining(host.transaction()).singleSignOn().rotateSecret().secret();
      Future<Object> disabling = pool.submit(answer(() -> {
        other.forTenant(w.tenantId).singleSignOn().disable();
        return "disabled";
      }));
      JdbcLockWaits.awaitASessionWaiting(fixture);
      host.commit();
      disabled = disabling.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertEquals("disabled", disabled);
    Object login = answer(() -> scope.singleSignOn().recognize(
        SsoSignatures.login(rotated, w.campaignId, "c-1", null, NOW.getEpochSecond()))).call();
    assertTrue(login instanceof LoyaltyException e && e.code() == ErrorCode.FORBIDDEN,
        "the disable, after the rotation, switched single sign-on off: " + login);
  }

  /**
   * SsoRecognition.newlyMapped is "whether this login mapped the customer id to it": a first login by a known email
   * that waits for the participant's lock while another login of the same customer maps it, and then finds that
   * mapping, mapped nothing.
   */
  @Test
  void aFirstLoginByEmailWaitingForAnUncommittedMappingOfItsCustomerSaysItMappedNothing() throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0).clock(SettableClock.at(NOW)));
    World w = new World(engine, 1);
    TenantScope scope = engine.forTenant(w.tenantId);
    String secret = scope.singleSignOn().rotateSecret().secret();
    long t = NOW.getEpochSecond();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    SsoRecognition first;
    Object second;
    try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
      first = scope.joining(host.transaction()).singleSignOn().recognize(
          SsoSignatures.login(secret, w.campaignId, "customer-1", "p0@example.com", t));
      Future<Object> racing = pool.submit(answer(() -> scope.singleSignOn().recognize(
          SsoSignatures.login(secret, w.campaignId, "customer-1", "p0@example.com", t))));
      JdbcLockWaits.awaitASessionWaiting(fixture);
      host.commit();
      second = racing.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertTrue(!first.created() && first.newlyMapped(), "the first login mapped the enrolled email: " + first);
    assertTrue(second instanceof SsoRecognition r && r.participant().id() == w.participants.get(0),
        "the second login finds the same participant: " + second);
    assertEquals(new SsoRecognition(first.participant(), false, false), second,
        "the second login found the first one's mapping: it neither enrolled nor mapped");
  }

  private void race(boolean secondInAHostTransaction) throws Exception {
    LoyaltyEngine engine = engines.build(engines.builder(fixture.openStorage(), 0).clock(SettableClock.at(NOW)));
    World w = new World(engine, 0);
    TenantScope scope = engine.forTenant(w.tenantId);
    String secret = scope.singleSignOn().rotateSecret().secret();
    long t = NOW.getEpochSecond();
    HostTransactions hosts = fixture.hostTransactions().orElseThrow();
    long orders = hosts.countHostOrders();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    SsoRecognition first;
    Object second;
    try (HostTx host = hosts.begin()) {
      first = scope.joining(host.transaction()).singleSignOn().recognize(
          SsoSignatures.login(secret, w.campaignId, "customer-1", "first@example.com", t));
      host.insertHostOrder("first");
      Future<Object> racing = pool.submit(answer(() -> {
        if (!secondInAHostTransaction) {
          return scope.singleSignOn().recognize(
              SsoSignatures.login(secret, w.campaignId, "customer-1", "second@example.com", t));
        }
        try (HostTx other = hosts.begin()) {
          other.insertHostOrder("second-before");
          SsoRecognition r = scope.joining(other.transaction()).singleSignOn().recognize(
              SsoSignatures.login(secret, w.campaignId, "customer-1", "second@example.com", t));
          other.insertHostOrder("second-after");
          other.commit();
          return r;
        }
      }));
      JdbcLockWaits.awaitASessionWaiting(fixture);
      host.commit();
      second = racing.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertTrue(first.created());
    assertTrue(second instanceof SsoRecognition r && !r.created() && r.participant().equals(first.participant()),
        "the second login finds the first one's participant: " + second);
    List<String> emails = scope.participants().list(w.campaignId, null, Keyset.first(10)).items().stream()
        .map(Participant::email).toList();
    assertEquals(List.of("first@example.com"), emails, "the second login's enrolment was undone");
    assertEquals(orders + (secondInAHostTransaction ? 3 : 1), hosts.countHostOrders(),
        "the host's rows around the refused attempt survive it");
  }
}
