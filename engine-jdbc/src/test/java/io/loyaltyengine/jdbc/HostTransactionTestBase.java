package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.answer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A fresh database per test, one backend per subclass, that can join host transactions, and the engines a test
 * builds on it: closed after each test, engines first. The base of the race tests that hold one side of a race in a
 * host transaction.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class HostTransactionTestBase {
  /** The database of the running test. */
  JdbcFixture fixture;
  /** The engines the running test builds; closed after it. */
  final TestEngines engines = new TestEngines();

  /** A fixture on a fresh, empty database that can join host transactions. */
  abstract JdbcFixture createFixture();

  @BeforeEach
  final void open() {
    fixture = createFixture();
  }

  @AfterEach
  final void close() {
    engines.close();
    fixture.close();
  }

  /**
   * A change racing its participant's deletion, the lock-order race every change that writes an event about a
   * participant must win by taking the participant's row lock first. A host holds the participant's lock (it awarded
   * points in its transaction); {@code change} runs in a second host transaction and waits for that lock; the host
   * then deletes the participant, which deletes or locks the rows the change would touch, and commits. Were the
   * change to lock those rows first, each side would hold what the other waits for, and the store would fail one
   * (a host transaction, never retried, sees STORAGE_UNAVAILABLE). Asserts that the deletion went through and the
   * change then failed with {@code refusal}, as it would after the deletion. Host transactions hold both sides
   * uncommitted, so who waits for whom is fixed with no timing assumed.
   *
   * @param change the change, given the scope joining the second host transaction
   */
  final void assertChangeWaitsForTheParticipantsDeletion(TenantScope scope, ParticipantRef participant,
      Function<TenantScope, Callable<?>> change, ErrorCode refusal) throws Exception {
    Object[] answers = whileAHostHoldsTheParticipant(scope, participant, change, hosted -> {
      hosted.participants().delete(participant);
      return "deleted";
    });
    Object deletion = answers[0];
    Object changed = answers[1];
    assertEquals("deleted", deletion, "the deletion went through");
    LoyaltyException refused = assertInstanceOf(LoyaltyException.class, changed,
        "the change found its participant deleted");
    assertEquals(refusal, refused.code(), refused.toString());
  }

  /**
   * A host awards {@code participant} points, holding its lock; {@code change} runs in a second host transaction
   * until a session waits for a lock; the host then runs {@code then} and commits (or rolls back, if it failed), and
   * the change finishes likewise. Host transactions hold both sides uncommitted, so who waits for whom is fixed with
   * no timing assumed.
   *
   * @return the host's answer to {@code then}, and the change's
   */
  final Object[] whileAHostHoldsTheParticipant(TenantScope scope, ParticipantRef participant,
      Function<TenantScope, Callable<?>> change, Function<TenantScope, Object> then) throws Exception {
    Object host;
    Object changed;
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx first = fixture.hostTransactions().orElseThrow().begin();
        HostTx second = fixture.hostTransactions().orElseThrow().begin()) {
      TenantScope hosted = scope.joining(first.transaction());
      hosted.points().award(participant, PointsChange.of(5, "purchase"));
      Future<Object> changing = pool.submit(answer(change.apply(scope.joining(second.transaction()))));
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      host = answer(() -> then.apply(hosted)).call();
      finish(first, host);
      changed = changing.get(60, TimeUnit.SECONDS);
      finish(second, changed);
    } finally {
      pool.shutdownNow();
    }
    return new Object[] {host, changed};
  }

  /**
   * Runs {@code change} in a host transaction, then {@code call} on another thread until it waits for a row lock the
   * change holds, commits the host's transaction, and returns the call's answer.
   */
  final Object whileAHostHoldsAChange(TenantScope scope, Function<TenantScope, Object> change,
      Callable<?> call) throws Exception {
    return whileAHostHolds(scope, change, call, JdbcLockWaits::awaitASessionBlockedOnALock);
  }

  /**
   * As {@link #whileAHostHoldsAChange}, where {@code call} waits for a unique key the change took rather than for a
   * row lock: H2 shows no blocker then, but runs the call's statement again until the host's transaction ends
   * ({@link JdbcLockWaits#awaitASessionWaiting}).
   */
  final Object whileAHostHoldsAKey(TenantScope scope, Function<TenantScope, Object> change,
      Callable<?> call) throws Exception {
    return whileAHostHolds(scope, change, call, JdbcLockWaits::awaitASessionWaiting);
  }

  private Object whileAHostHolds(TenantScope scope, Function<TenantScope, Object> change, Callable<?> call,
      Waiting waiting) throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
      Object changed = change.apply(scope.joining(host.transaction()));
      assertFalse(changed instanceof RuntimeException, () -> "the host's change: " + changed);
      Future<Object> calling = pool.submit(answer(call));
      waiting.await(fixture);
      host.commit();
      return calling.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Returns once a session of the fixture's database waits for another transaction. */
  private interface Waiting {
    void await(JdbcFixture fixture) throws SQLException;
  }

  /** Commits the host transaction after a call that went through, rolls it back after one that failed. */
  static void finish(HostTx host, Object answer) {
    if (answer instanceof RuntimeException) {
      host.rollback();
    } else {
      host.commit();
    }
  }

  /** Asserts that {@code answer} is a CONFLICT on {@code field}. */
  static void assertConflictOn(String field, Object answer) {
    LoyaltyException refused = assertInstanceOf(LoyaltyException.class, answer, () -> "the call: " + answer);
    assertEquals(ErrorCode.CONFLICT, refused.code(), refused.toString());
    assertEquals(Optional.of(field), refused.field(), refused.toString());
  }

  /** Asserts the participant's balance, and that it is the sum of its ledger. */
  static void assertBalanceIsTheLedger(TenantScope scope, ParticipantRef ref, long expected) {
    long balance = scope.participants().get(ref).pointsBalance();
    long sum = scope.points().history(ref, Keyset.first(100)).items().stream()
        .mapToLong(LedgerEntry::signedAmount).sum();
    assertEquals(expected, balance, "balance");
    assertEquals(balance, sum, "balance == sum of the ledger");
  }
}
