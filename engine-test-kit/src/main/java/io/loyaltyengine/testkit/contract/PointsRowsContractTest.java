package io.loyaltyengine.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.core.spi.BalanceAdjustment;
import io.loyaltyengine.core.spi.BoardScore;
import io.loyaltyengine.core.spi.EventRecord;
import io.loyaltyengine.core.spi.LockedParticipant;
import io.loyaltyengine.core.spi.ParticipantPort.LockAttempt;
import io.loyaltyengine.core.spi.PointsIncrement;
import io.loyaltyengine.core.spi.PointsRows;
import io.loyaltyengine.core.spi.ScoreChange;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.core.spi.UniqueViolationException;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.fraud.RiskLevel;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.LedgerEntryKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.Test;

/**
 * The contract of the storage SPI's points writes, held to their javadoc below the engine, on every storage backend:
 * a credit or debit returns the participant's whole row after the change with the event sequence number it took,
 * the next one of the sequence {@code EventPort.nextSequence} also takes from (no number given twice or skipped), and
 * a refused one (overflow, overdraft, missing participant, another tenant's) changes neither balance nor sequence;
 * {@code ParticipantPort.lockAll} returns the tenant's rows once each, in ascending id order, with their sequences,
 * for any number of ids (SQL stores query in slices of 500), and holds their locks until the commit;
 * {@code ParticipantPort.tryLock} locks a free row, answers at once for a row another running unit of work holds, and
 * tells a missing participant (another tenant's, or one whose holder deleted it) from a held one;
 * {@code LedgerPort.adjustAll} adds its deltas and advances the sequences, and a missing row or an overdraft throws
 * and fails the unit of work; {@code Transaction.appendPointsRows} writes ledger entries, events and counter additions
 * that read back field by field (nulls, microseconds, the amount a capped deduction asked for, a payload with
 * non-ASCII text and quotes), sums additions to one
 * counter, takes empty lists and a thousand rows, fails with {@link UniqueKey#LEDGER_IDEMPOTENCY_KEY} on a taken key
 * leaving nothing of the call, and is undone with a nested unit that throws. Under contention, from threads on two
 * storages sharing the database: a credit and a {@code lockAll} wait for rows another {@code lockAll} holds, and
 * {@code lockAll}s of overlapping sets, whatever order their ids come in, never deadlock; two calls writing the same
 * new idempotency keys in opposite orders never deadlock either (the later waits, then fails on the taken key).
 *
 * <p>PostgreSQL writes {@code appendPointsRows} with one statement of its own, the other backends through the ports'
 * {@code appendAll} methods: these tests read what either wrote through the ports ({@code history},
 * {@code findByIdempotencyKey}, the events' reads, the counters' {@code changedSince}, {@code score} and
 * {@code page}).
 *
 * <p>A backend runs it with an (almost) empty subclass that supplies a fresh database per test and shows where a
 * unit of work waits for a lock:
 *
 * <pre>{@code
 * class H2PointsRowsTest extends PointsRowsContractTest {
 *   @Override
 *   protected StoreFixture createFixture() {
 *     return new H2FileFixture(true);
 *   }
 *
 *   @Override
 *   protected void awaitBlockedOnALock(Thread waiter) throws SQLException {
 *     JdbcLockWaits.awaitASessionBlockedOnALock((JdbcFixture) fixture());
 *   }
 * }
 * }</pre>
 *
 * <p>Every instant the tests write has microsecond precision, the SPI's, with a non-zero microsecond part. Tests of
 * an ability the backend lacks ({@link StorageCapability#SHARED_DATABASE}, as the fixture declares) are skipped with
 * the reason, never reported as passed. Test methods are package-private so that a subclass cannot override one
 * away; each name states the rule it checks. No test depends on ids or on the order tests run in; none sleeps or
 * measures time.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
public abstract class PointsRowsContractTest extends PortsContractSupport {
  /** Microseconds, the SPI's precision; the night Central Europe moves its clocks. */
  private static final Instant T0 = Instant.parse("2025-03-30T00:59:59.123456Z");
  private static final Instant T1 = Instant.parse("2025-03-30T01:00:00.000001Z");
  private static final Instant T2 = Instant.parse("2025-03-30T02:30:00.999999Z");
  private static final Instant T3 = Instant.parse("2025-04-01T00:00:00.500001Z");
  private static final int ALL_TIME = 0;
  private static final int MARCH = 202503;
  private static final int APRIL = 202504;
  private static final List<Integer> MONTHS = List.of(ALL_TIME, MARCH, APRIL);
  private static final BoardMetric POINTS = BoardMetric.POINTS;
  private static final Map<String, Object> METADATA = Map.of("plan", "pro", "visits", 12L, "ratio", 0.75,
      "vip", true, "note", "Zoë \"quoted\" 'x'");
  private static final String PAYLOAD =
      "{\"name\" : \"Zoë \\u00e9 😀 'x' \\\"q\\\"\", \"amount\": 1.50, \"nested\": {\"a\": [1, 2]}}";
  /** More ids than one slice of a SQL store's {@code lockAll} (500), and not a multiple of it. */
  private static final int MANY = 1_100;

  /** For subclasses. */
  protected PointsRowsContractTest() {
  }

  /**
   * Whether units of work on storages sharing the database run at once, each holding row locks of its own (the SQL
   * stores). {@code false} for a backend whose units of work take turns (the in-memory store holds its one database
   * lock for a whole unit of work), which skips the tests of a row that another running unit of work holds.
   * {@code true} by default.
   */
  protected boolean unitsOfWorkOverlap() {
    return true;
  }

  /** Thrown by the tests' units of work: never by a store. */
  private static final class Undo extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Undo(String message) {
      super(message, null, false, false);
    }
  }

  // ---------------------------------------------------------------- credit and debit

  @Test
  void creditAndDebitReturnTheWholeRowAfterTheChangeAndTheSequenceNumberTheyTook() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    Participant p = participant(campaign, 5, 40);
    List<LockedParticipant> changed = tx(tx -> List.of(
        tx.ledger().credit(t, p.id(), 10).orElseThrow(),
        tx.ledger().debit(t, p.id(), 3).orElseThrow(),
        tx.ledger().debit(t, p.id(), 12).orElseThrow()));
    assertEquals(List.of(locked(p, 15, 50, 1), locked(p, 12, 50, 2), locked(p, 0, 50, 3)), changed,
        "every field of the row, the totals after each change, and the numbers 1, 2, 3 of a new participant");
    assertEquals(Optional.of(withPoints(p, 0, 50)), tx(tx -> tx.participants().find(t, p.id())), "as stored");

    LockedParticipant later = tx(tx -> tx.ledger().credit(t, p.id(), 7).orElseThrow());
    assertEquals(locked(p, 7, 57, 4), later, "a later transaction continues the sequence");
    assertEquals(5L, nextSequence(t, p.id()));
  }

  @Test
  void balanceChangesAndNextSequenceTakeFromOneSequenceThatNeverRepeatsOrSkips() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long p = participant(campaign, 0, 0).id();
    long q = participant(campaign, 0, 0).id();
    List<Long> taken = new ArrayList<>();
    List<Long> takenByQ = new ArrayList<>();
    // Three units of work, each mixing the ways of taking a number; q's sequence runs beside p's on its own.
    run(tx -> {
      taken.add(tx.events().nextSequence(t, p));
      taken.add(tx.events().nextSequence(t, p));
      taken.add(tx.ledger().credit(t, p, 10).orElseThrow().eventSequence());
      takenByQ.add(tx.ledger().credit(t, q, 1).orElseThrow().eventSequence());
      taken.add(tx.events().nextSequence(t, p));
      taken.add(tx.ledger().debit(t, p, 4).orElseThrow().eventSequence());
    });
    run(tx -> {
      taken.add(tx.ledger().debit(t, p, 6).orElseThrow().eventSequence());
      assertEquals(Optional.empty(), tx.ledger().debit(t, p, 1), "the balance is 0");
      takenByQ.add(tx.events().nextSequence(t, q));
      taken.add(tx.events().nextSequence(t, p));
      taken.add(tx.ledger().credit(t, p, 2).orElseThrow().eventSequence());
    });
    for (int i = 0; i < 10; i++) {
      int step = i;
      taken.add(tx(tx -> step % 3 == 0 ? tx.events().nextSequence(t, p)
          : step % 3 == 1 ? tx.ledger().credit(t, p, 3).orElseThrow().eventSequence()
          : tx.ledger().debit(t, p, 1).orElseThrow().eventSequence()));
    }
    List<Long> expected = new ArrayList<>();
    for (long n = 1; n <= taken.size(); n++) {
      expected.add(n);
    }
    assertEquals(expected, taken);
    assertEquals(List.of(1L, 2L), takenByQ);
    assertEquals(List.of(taken.size() + 1L, 3L), List.of(nextSequence(t, p), nextSequence(t, q)));
  }

  @Test
  void aRefusedCreditOrDebitChangesNeitherTheBalanceNorTheSequence() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    Participant rich = participant(campaign, Long.MAX_VALUE - 10, Long.MAX_VALUE - 10);
    Participant lifetimeFull = participant(campaign, 0, Long.MAX_VALUE);
    Participant poor = participant(campaign, 5, 5);
    Campaign elsewhere = campaign();
    long otherTenant = elsewhere.tenantId();
    Participant stranger = participant(elsewhere, 50, 50);
    long missing = nextId();
    List<Long> mine = List.of(rich.id(), lifetimeFull.id(), poor.id());
    List<LockedParticipant> before = lockAll(t, mine);
    List<LockedParticipant> strangerBefore = lockAll(otherTenant, List.of(stranger.id()));

    run(tx -> {
      Map<String, Optional<LockedParticipant>> refused = new TreeMap<>();
      refused.put("a credit over Long.MAX_VALUE by one", tx.ledger().credit(t, rich.id(), 11));
      refused.put("a credit of Long.MAX_VALUE", tx.ledger().credit(t, rich.id(), Long.MAX_VALUE));
      refused.put("a credit over the lifetime's bound only", tx.ledger().credit(t, lifetimeFull.id(), 1));
      refused.put("a debit over the balance by one", tx.ledger().debit(t, poor.id(), 6));
      refused.put("a debit of Long.MAX_VALUE", tx.ledger().debit(t, poor.id(), Long.MAX_VALUE));
      refused.put("a credit of a missing participant", tx.ledger().credit(t, missing, 1));
      refused.put("a debit of a missing participant", tx.ledger().debit(t, missing, 1));
      refused.put("a credit of another tenant's participant", tx.ledger().credit(t, stranger.id(), 1));
      refused.put("a debit of another tenant's participant", tx.ledger().debit(t, stranger.id(), 1));
      refused.forEach((what, result) -> assertEquals(Optional.empty(), result, what));
      assertEquals(before, tx.participants().lockAll(t, mine), "seen from the same transaction");
      // At the bounds the changes go through, with the first numbers: the refusals took none.
      assertEquals(locked(rich, Long.MAX_VALUE, Long.MAX_VALUE, 1), tx.ledger().credit(t, rich.id(), 10)
          .orElseThrow());
      assertEquals(locked(poor, 0, 5, 1), tx.ledger().debit(t, poor.id(), 5).orElseThrow());
    });
    assertEquals(List.of(locked(rich, Long.MAX_VALUE, Long.MAX_VALUE, 1), before.get(1), locked(poor, 0, 5, 1)),
        lockAll(t, mine));
    assertEquals(strangerBefore, lockAll(otherTenant, List.of(stranger.id())), "another tenant's row is untouched");
    assertEquals(List.of(2L, 1L, 2L, 1L), List.of(nextSequence(t, rich.id()), nextSequence(t, lifetimeFull.id()),
        nextSequence(t, poor.id()), nextSequence(otherTenant, stranger.id())));
  }

  // ---------------------------------------------------------------- lockAll

  @Test
  void lockAllReturnsTheTenantsRowsOnceEachInAscendingIdOrderWithTheirSequences() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long first = nextIds(5);
    List<Participant> made = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      made.add(participantRow(campaign, first + i, 10 * (i + 1), 10 * (i + 1)));
    }
    // Inserted out of id order, so that insertion order cannot pass for id order.
    run(tx -> List.of(3, 0, 4, 1, 2).forEach(i -> tx.participants().insert(made.get(i))));
    Campaign elsewhere = campaign();
    Participant stranger = participant(elsewhere, 1, 1);
    long[] ids = made.stream().mapToLong(Participant::id).toArray();
    run(tx -> {
      tx.ledger().credit(t, ids[1], 5);
      tx.ledger().credit(t, ids[1], 5);
      tx.ledger().debit(t, ids[3], 40);
      tx.events().nextSequence(t, ids[4]);
      tx.ledger().credit(elsewhere.tenantId(), stranger.id(), 1);
    });
    List<LockedParticipant> expected = List.of(locked(made.get(0), 10, 10, 0), locked(made.get(1), 30, 30, 2),
        locked(made.get(2), 30, 30, 0), locked(made.get(3), 0, 40, 1), locked(made.get(4), 50, 50, 1));

    List<Long> asked = List.of(ids[4], nextId(), ids[0], stranger.id(), ids[2], ids[0], ids[1], ids[3], ids[4],
        nextId());
    assertEquals(expected, lockAll(t, asked), "missing and another tenant's ids left out, duplicates once");
    assertEquals(List.of(), lockAll(t, List.of()));
    assertEquals(List.of(), lockAll(t, List.of(nextId(), stranger.id())));
    assertEquals(List.of(locked(stranger, 2, 2, 1)), lockAll(elsewhere.tenantId(), asked), "the other tenant's view");
    assertEquals(List.of(locked(made.get(2), 30, 30, 0)), lockAll(t, Set.of(ids[2])), "any collection");

    List<LockedParticipant> inside = tx(tx -> {
      tx.ledger().credit(t, ids[0], 1);
      tx.events().nextSequence(t, ids[2]);
      return tx.participants().lockAll(t, List.of(ids[2], ids[0]));
    });
    assertEquals(List.of(locked(made.get(0), 11, 11, 1), locked(made.get(2), 30, 30, 1)), inside,
        "the transaction's own changes");
  }

  @Test
  void findAllReadsTheTenantsParticipantsOnceEachInAscendingIdOrderAsFindDoesAcrossSlices() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    List<Long> ids = participantRows(campaign, MANY).stream().map(Participant::id).toList();
    Campaign elsewhere = campaign();
    Participant stranger = participant(elsewhere, 1, 1);
    run(tx -> tx.ledger().credit(t, ids.get(3), 7));
    List<Participant> expected = tx(tx -> ids.stream().sorted()
        .map(id -> tx.participants().find(t, id).orElseThrow()).toList());
    // Asked in descending order, with missing ids, another tenant's and duplicates spread over the slices.
    List<Long> asked = new ArrayList<>(ids);
    Collections.reverse(asked);
    asked.add(500, nextId());
    asked.add(stranger.id());
    asked.addAll(ids.subList(0, 10));

    assertEquals(expected, tx(tx -> tx.participants().findAll(t, asked)),
        "missing and another tenant's ids left out, duplicates once, the credit seen");
    assertEquals(List.of(), tx(tx -> tx.participants().findAll(t, List.of())));
    assertEquals(List.of(stranger), tx(tx -> tx.participants().findAll(elsewhere.tenantId(), asked)),
        "the other tenant's view");
    assertEquals(expected.subList(0, 1), tx(tx -> tx.participants().findAll(t, Set.of(expected.get(0).id()))),
        "any collection");

    // By email, in one campaign: each once (in no particular order), across slices, unknown emails left out.
    Campaign sibling = campaign(t, T0);
    List<String> emails = new ArrayList<>(expected.stream().map(Participant::sanitizedEmail).toList());
    emails.add(700, "nobody@example.com");
    emails.add(stranger.sanitizedEmail());
    emails.addAll(emails.subList(0, 10));
    Comparator<Participant> byId = Comparator.comparingLong(Participant::id);
    assertEquals(expected, sorted(tx(tx -> tx.participants().findAllByEmail(t, campaign.id(), emails)), byId),
        "another tenant's and unknown emails left out, duplicates once");
    assertEquals(List.of(), tx(tx -> tx.participants().findAllByEmail(t, campaign.id(), List.of())));
    assertEquals(List.of(), tx(tx -> tx.participants().findAllByEmail(t, sibling.id(), emails)), "another campaign");
    assertEquals(List.of(stranger), tx(tx -> tx.participants().findAllByEmail(elsewhere.tenantId(), elsewhere.id(),
        emails)), "the other tenant's view");

    // Counted over campaigns, each once.
    participant(sibling, 0, 0);
    assertEquals(MANY + 1L, (long) tx(tx -> tx.participants().countInCampaigns(t, List.of(sibling.id(),
        campaign.id(), elsewhere.id(), sibling.id()))), "another tenant's campaign counts nothing");
    assertEquals(1L, (long) tx(tx -> tx.participants().countInCampaigns(elsewhere.tenantId(), List.of(
        campaign.id(), elsewhere.id()))));
    assertEquals(0L, (long) tx(tx -> tx.participants().countInCampaigns(t, List.of())), "no campaigns");
  }

  private static List<Participant> sorted(List<Participant> participants, Comparator<Participant> order) {
    List<Participant> copy = new ArrayList<>(participants);
    copy.sort(order);
    return copy;
  }

  @Test
  void lockAllOfMoreIdsThanOneSliceReturnsThemAllInAscendingOrder() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    List<Participant> made = participantRows(campaign, MANY);
    List<Long> ids = made.stream().map(Participant::id).toList();
    long[] balance = new long[MANY];
    long[] sequence = new long[MANY];
    run(tx -> {
      for (int i = 0; i < MANY; i++) {
        long id = ids.get(i);
        if (i % 7 == 0) {
          balance[i] = tx.ledger().credit(t, id, i + 1).orElseThrow().balance();
          sequence[i]++;
        }
        if (i % 50 == 0) {
          balance[i] = tx.ledger().credit(t, id, 2).orElseThrow().balance();
          sequence[i]++;
        }
        if (i % 11 == 0) {
          assertEquals(sequence[i] + 1, tx.events().nextSequence(t, id));
          sequence[i]++;
        }
      }
    });
    // Asked in descending order, with missing ids and duplicates spread over the slices.
    List<Long> asked = new ArrayList<>();
    for (int i = MANY - 1; i >= 0; i--) {
      asked.add(ids.get(i));
      if (i % 97 == 0) {
        asked.add(nextId());
        asked.add(ids.get((i * 31) % MANY));
      }
    }
    List<LockedParticipant> expected = new ArrayList<>();
    for (int i = 0; i < MANY; i++) {
      expected.add(locked(made.get(i), balance[i], balance[i], sequence[i]));
    }
    List<LockedParticipant> got = lockAll(t, asked);
    assertEquals(MANY, got.size());
    assertEquals(ids, got.stream().map(LockedParticipant::id).toList(), "ascending ids across the slices");
    assertEquals(expected, got);
  }

  @Test
  void aCreditWaitsForARowThatLockAllHoldsUntilTheHolderCommits() throws Exception {
    assumeSharedDatabase();
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    Participant a = participant(campaign, 0, 0);
    Participant b = participant(campaign, 0, 0);
    Outcomes<LockedParticipant, LockedParticipant> got = whileHeld(
        tx -> tx.participants().lockAll(t, List.of(b.id(), a.id())),
        // Written only once the other unit of work waits: until then it can only wait for lockAll's locks.
        (tx, rows) -> {
          assertEquals(2, rows.size());
          return tx.ledger().credit(t, b.id(), 1).orElseThrow();
        },
        tx -> tx.ledger().credit(t, b.id(), 10).orElseThrow(),
        "the credit did not wait for the row lockAll locked");
    assertEquals(locked(b, 1, 1, 1), got.holder());
    assertEquals(locked(b, 11, 11, 2), got.waiter(), "the credit came after the holder's commit");
  }

  @Test
  void aLockAllWaitsForARowThatAnotherLockAllHoldsAndSeesItsCommit() throws Exception {
    assumeSharedDatabase();
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    Participant a = participant(campaign, 0, 0);
    Participant b = participant(campaign, 0, 0);
    Participant c = participant(campaign, 0, 0);
    Outcomes<Void, List<LockedParticipant>> got = whileHeld(
        tx -> tx.participants().lockAll(t, List.of(a.id(), b.id())),
        (tx, rows) -> {
          tx.ledger().adjustAll(rows.stream().map(r -> new BalanceAdjustment(t, r.id(), 4, 4, 2)).toList());
          return null;
        },
        tx -> tx.participants().lockAll(t, List.of(c.id(), b.id())),
        "the second lockAll did not wait for the row the first one locked");
    assertEquals(List.of(locked(b, 4, 4, 2), locked(c, 0, 0, 0)), got.waiter(),
        "the second lockAll read the row as the first one committed it");
  }

  @Test
  void tryLockLocksTheTenantsParticipantAgainAndAgainAndFindsNoOtherTenantsOrMissingOne() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    Participant a = participant(campaign, 0, 0);
    Participant stranger = participant(campaign(), 0, 0);
    assertEquals(List.of(LockAttempt.LOCKED, LockAttempt.LOCKED, LockAttempt.ABSENT, LockAttempt.ABSENT),
        tx(tx -> List.of(tx.participants().tryLock(t, a.id()), tx.participants().tryLock(t, a.id()),
            tx.participants().tryLock(t, stranger.id()), tx.participants().tryLock(t, nextId()))),
        "a row this transaction holds is LOCKED again; another tenant's participant is ABSENT");
  }

  @Test
  void aCreditWaitsForARowThatTryLockLocked() throws Exception {
    assumeSharedDatabase();
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    Participant a = participant(campaign, 0, 0);
    Outcomes<LockedParticipant, LockedParticipant> got = whileHeld(
        tx -> tx.participants().tryLock(t, a.id()),
        (tx, attempt) -> {
          assertEquals(LockAttempt.LOCKED, attempt);
          return tx.ledger().credit(t, a.id(), 1).orElseThrow();
        },
        tx -> tx.ledger().credit(t, a.id(), 10).orElseThrow(),
        "the credit did not wait for the row tryLock locked");
    assertEquals(locked(a, 11, 11, 2), got.waiter(), "the credit came after the holder's commit");
  }

  @Test
  void tryLockOfARowAnotherUnitOfWorkHoldsAnswersAtOnceAndFindsTheRowAsThatOneLeftIt() throws Exception {
    assumeSharedDatabase();
    assumeTrue(unitsOfWorkOverlap(), "the backend's units of work take turns: no row is held by a running one");
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    Participant kept = participant(campaign, 0, 0);
    Participant deleted = participant(campaign, 0, 0);
    assertEquals(List.of(LockAttempt.HELD_ELSEWHERE, LockAttempt.LOCKED),
        tryLockWhileHeld(tx -> tx.ledger().credit(t, kept.id(), 1), t, kept.id()),
        "held by a credit, then free after its commit");
    assertEquals(List.of(LockAttempt.HELD_ELSEWHERE, LockAttempt.ABSENT),
        tryLockWhileHeld(tx -> tx.participants().delete(t, deleted.id()), t, deleted.id()),
        "held by a deletion, then gone after its commit");
    assertEquals(locked(kept, 1, 1, 1), lockAll(t, List.of(kept.id())).get(0),
        "the attempt that found the row held changed nothing");
  }

  /**
   * Runs {@code hold} in a unit of work on this test's storage and keeps it open while a unit of work on a second
   * storage of the database tries to lock {@code participantId}, which must answer without waiting for the holder;
   * then lets the holder commit and tries once more. Returns both answers.
   */
  private List<LockAttempt> tryLockWhileHeld(Consumer<Transaction> hold, long tenantId, long participantId)
      throws Exception {
    Storage second = fixture().openStorage();
    ExecutorService threads = Executors.newSingleThreadExecutor();
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try {
      Started<Void> holder = start(threads, () -> storage().inTransaction(tx -> {
        hold.accept(tx);
        held.countDown();
        await(release);
        return null;
      }));
      await(held);
      // On this thread: an attempt that waited for the holder would wait for ever (the holder waits for it).
      LockAttempt whileHeld = second.inTransaction(tx -> tx.participants().tryLock(tenantId, participantId));
      release.countDown();
      holder.get();
      return List.of(whileHeld, second.inTransaction(tx -> tx.participants().tryLock(tenantId, participantId)));
    } finally {
      release.countDown();
      threads.shutdownNow();
      assertTrue(threads.awaitTermination(60, TimeUnit.SECONDS));
      second.close();
    }
  }

  /** What the holder and the waiter of {@link #whileHeld} returned. */
  private record Outcomes<H, W>(H holder, W waiter) {
  }

  /**
   * Runs {@code lock} in a transaction on this test's storage and keeps it open; meanwhile starts {@code waiter} on
   * a second storage of the same database and checks that it blocks on a lock (else fails with {@code what}); then
   * lets the holder go on with {@code then} and commit, and returns both outcomes.
   */
  private <L, H, W> Outcomes<H, W> whileHeld(Function<Transaction, L> lock, BiFunction<Transaction, L, H> then,
      TransactionWork<W> waiter, String what) throws Exception {
    Storage second = fixture().openStorage();
    ExecutorService threads = Executors.newFixedThreadPool(2);
    CountDownLatch locked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try {
      Started<H> holder = start(threads, () -> storage().inTransaction(tx -> {
        L held = lock.apply(tx);
        locked.countDown();
        await(release);
        return then.apply(tx, held);
      }));
      await(locked);
      Started<W> waiting = start(threads, () -> second.inTransaction(waiter));
      try {
        awaitBlockedOnALock(waiting.thread());
      } catch (AssertionError e) {
        throw new AssertionError(what, e);
      }
      release.countDown();
      return new Outcomes<>(holder.get(), waiting.get());
    } finally {
      release.countDown();
      threads.shutdownNow();
      assertTrue(threads.awaitTermination(60, TimeUnit.SECONDS));
      second.close();
    }
  }

  @Test
  void lockAllsOfOverlappingSetsInAnyOrderNeverDeadlockAndEveryAdjustmentCounts() throws Exception {
    assumeSharedDatabase();
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    List<Long> ids = participantRows(campaign, 12).stream().map(Participant::id).toList();
    int rounds = 6;
    Function<Integer, List<Long>> window = i -> ids.subList(i % 4, i % 4 + 9);
    List<Boolean> outcomes = raceEach((instance, i) -> {
      for (int r = 0; r < rounds; r++) {
        // Half the units of work ask for their ids in descending order: the store must lock in one order anyway.
        List<Long> asked = new ArrayList<>(window.apply(i));
        if ((i + r) % 2 == 1) {
          Collections.reverse(asked);
        }
        instance.inTransaction(tx -> {
          List<LockedParticipant> rows = tx.participants().lockAll(t, asked);
          assertEquals(window.apply(i), rows.stream().map(LockedParticipant::id).toList());
          tx.ledger().adjustAll(rows.stream().map(p -> new BalanceAdjustment(t, p.id(), 1, 1, 1)).toList());
          return null;
        });
      }
      return true;
    });
    assertEquals(Collections.nCopies(RACERS, true), outcomes);
    Map<Long, Long> counted = new HashMap<>();
    for (int i = 0; i < RACERS; i++) {
      window.apply(i).forEach(id -> counted.merge(id, (long) rounds, Long::sum));
    }
    for (LockedParticipant p : lockAll(t, ids)) {
      long n = counted.getOrDefault(p.id(), 0L);
      assertEquals(List.of(n, n, n), List.of(p.balance(), p.lifetimePoints(), p.eventSequence()),
          "participant " + p.id());
    }
  }

  // ---------------------------------------------------------------- adjustAll

  @Test
  void adjustAllAddsTheDeltasToBalanceAndLifetimeAndAdvancesTheSequences() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    Participant a = participant(campaign, 90, 90);
    Participant b = participant(campaign, 5, 50);
    Participant c = participant(campaign, 7, 7);
    Participant d = participant(campaign, 3, 3);
    run(tx -> {
      tx.ledger().credit(t, a.id(), 10);
      tx.events().nextSequence(t, b.id());
      tx.events().nextSequence(t, b.id());
    });
    run(tx -> {
      List<LockedParticipant> rows = tx.participants().lockAll(t, List.of(a.id(), b.id(), d.id()));
      assertEquals(List.of(locked(a, 100, 100, 1), locked(b, 5, 50, 2), locked(d, 3, 3, 0)), rows);
      tx.ledger().adjustAll(List.of(
          new BalanceAdjustment(t, a.id(), -100, 0, 2),
          new BalanceAdjustment(t, b.id(), 20, 20, 3),
          new BalanceAdjustment(t, d.id(), 0, 0, 0)));
      assertEquals(List.of(locked(a, 0, 100, 3), locked(b, 25, 70, 5), locked(d, 3, 3, 0)),
          tx.participants().lockAll(t, List.of(a.id(), b.id(), d.id())), "seen from the same transaction");
    });
    assertEquals(List.of(locked(a, 0, 100, 3), locked(b, 25, 70, 5), locked(c, 7, 7, 0), locked(d, 3, 3, 0)),
        lockAll(t, List.of(a.id(), b.id(), c.id(), d.id())), "down to exactly 0; untouched rows kept");
    assertEquals(locked(b, 26, 71, 6), tx(tx -> tx.ledger().credit(t, b.id(), 1).orElseThrow()),
        "the next balance change continues from the advanced sequence");
    assertEquals(List.of(4L, 1L), List.of(nextSequence(t, a.id()), nextSequence(t, d.id())));
  }

  @Test
  void adjustAllNamingAParticipantTwiceAppliesBothAndManyParticipantsAtOnceEachTheirOwn() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    Participant a = participant(campaign, 10, 10);
    List<Participant> many = participantRows(campaign, MANY, i -> i);
    run(tx -> {
      tx.participants().lockAll(t, List.of(a.id()));
      // 10 + 7 - 15: in this order the balance never goes below zero; the other way round it would.
      tx.ledger().adjustAll(List.of(new BalanceAdjustment(t, a.id(), 7, 7, 1),
          new BalanceAdjustment(t, a.id(), -15, 0, 2)));
    });
    assertEquals(List.of(locked(a, 2, 17, 3)), lockAll(t, List.of(a.id())), "both adjustments, in order");
    List<Long> ids = many.stream().map(Participant::id).toList();
    run(tx -> {
      tx.participants().lockAll(t, ids);
      List<BalanceAdjustment> adjustments = new ArrayList<>();
      for (int i = 0; i < many.size(); i++) {
        adjustments.add(new BalanceAdjustment(t, many.get(i).id(), i % 2 == 0 ? -i : i, i % 2 == 0 ? 0 : i, i % 3));
      }
      tx.ledger().adjustAll(adjustments);
    });
    List<LockedParticipant> expected = new ArrayList<>();
    for (int i = 0; i < many.size(); i++) {
      expected.add(locked(many.get(i), i % 2 == 0 ? 0 : 2L * i, i % 2 == 0 ? i : 2L * i, i % 3));
    }
    assertEquals(expected, lockAll(t, ids), "each participant its own deltas");
  }

  @Test
  void adjustAllOfNoAdjustmentsChangesNothing() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    Participant a = participant(campaign, 9, 9);
    run(tx -> tx.ledger().credit(t, a.id(), 1));
    State before = state(campaign, List.of(a.id()));
    run(tx -> {
      tx.participants().lockAll(t, List.of(a.id()));
      tx.ledger().adjustAll(List.of());
    });
    run(tx -> tx.ledger().adjustAll(List.of()));
    assertEquals(before, state(campaign, List.of(a.id())));
    assertEquals(2L, nextSequence(t, a.id()));
  }

  @Test
  void adjustAllOfAMissingParticipantThrowsAndTheFailedUnitOfWorkKeepsNothing() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    Participant a = participant(campaign, 9, 9);
    Campaign elsewhere = campaign();
    Participant stranger = participant(elsewhere, 9, 9);
    List<Long> everyone = List.of(a.id());
    State before = state(campaign, everyone);
    State strangerBefore = state(elsewhere, List.of(stranger.id()));
    Map<String, BalanceAdjustment> cases = Map.of(
        "a participant that does not exist", new BalanceAdjustment(t, nextId(), 1, 1, 1),
        "another tenant's participant", new BalanceAdjustment(t, stranger.id(), 1, 1, 1));
    cases.forEach((what, bad) -> {
      assertFailsWithNothingKept(campaign, a, List.of(new BalanceAdjustment(t, a.id(), 5, 5, 1), bad), what);
      assertFailsWithNothingKept(campaign, a, List.of(bad, new BalanceAdjustment(t, a.id(), 5, 5, 1)),
          what + ", adjusted first");
      assertEquals(before, state(campaign, everyone), what);
      assertEquals(strangerBefore, state(elsewhere, List.of(stranger.id())), what);
    });
  }

  @Test
  void adjustAllTakingABalanceBelowZeroThrowsAndTheFailedUnitOfWorkKeepsNothing() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    Participant a = participant(campaign, 10, 10);
    Participant b = participant(campaign, 0, 0);
    List<Long> everyone = List.of(a.id(), b.id());
    State before = state(campaign, everyone);
    // The unit of work credits a 3 before it adjusts: 13 - 14 is below zero.
    assertFailsWithNothingKept(campaign, a, List.of(new BalanceAdjustment(t, a.id(), -14, 0, 1)), "alone");
    assertFailsWithNothingKept(campaign, a, List.of(new BalanceAdjustment(t, b.id(), 5, 5, 1),
        new BalanceAdjustment(t, a.id(), -14, 0, 1)), "after another participant's adjustment");
    assertFailsWithNothingKept(campaign, a, List.of(new BalanceAdjustment(t, b.id(), -1, 0, 0)),
        "a participant at 0, without events");
    assertEquals(before, state(campaign, everyone));
  }

  /**
   * Runs a unit of work that credits {@code a}, appends its points rows, locks the adjusted participants and then
   * applies {@code adjustments}, which must throw {@link IllegalStateException} and so fail the unit of work; then
   * checks that nothing of it is kept.
   */
  private void assertFailsWithNothingKept(Campaign campaign, Participant a, List<BalanceAdjustment> adjustments,
      String what) {
    long t = campaign.tenantId();
    List<Long> adjusted = adjustments.stream().map(BalanceAdjustment::participantId).toList();
    List<Long> watched = new ArrayList<>(adjusted);
    watched.add(a.id());
    State before = state(campaign, watched);
    assertThrows(IllegalStateException.class, () -> run(tx -> {
      LockedParticipant credited = tx.ledger().credit(t, a.id(), 3).orElseThrow();
      tx.appendPointsRows(new PointsRows(
          List.of(entry(campaign, a.id(), LedgerEntryKind.AWARD, 3, "purchase", null, "adjust-" + nextId(),
              credited.balance(), T1)),
          List.of(event(t, EventType.POINTS_AWARDED, campaign.id(), a.id(), credited.eventSequence(), T1, "{}")),
          List.of(new PointsIncrement(t, campaign.id(), a.id(), ALL_TIME, 3, T1))));
      tx.participants().lockAll(t, adjusted);
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> tx.ledger().adjustAll(adjustments), what);
      throw e;
    }), what);
    assertEquals(before, state(campaign, watched), what + ": the failed unit of work left something");
  }

  // ---------------------------------------------------------------- appendPointsRows

  @Test
  void appendPointsRowsWritesEveryFieldOfTheEntriesEventsAndCounters() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long c = campaign.id();
    Participant p = participant(campaign, 0, 0);
    Participant q = participant(campaign, 0, 0);
    LedgerEntry award = entry(campaign, p.id(), LedgerEntryKind.AWARD, 120, "purchase",
        "Bestellung «Zoë» \"x\" 'y' 😀", "order-ü-1", 120, T1);
    LedgerEntry deduct = entry(campaign, p.id(), LedgerEntryKind.DEDUCT, 20, "redemption", null, null, 100, T2);
    LedgerEntry other = entry(campaign, q.id(), LedgerEntryKind.AWARD, 5, "bonus", "", "order-ü-2", 5, T3);
    // A deduction capped at the balance: it asked 250, took the 100 there were.
    LedgerEntry capped = new LedgerEntry(nextId(), t, c, p.id(), LedgerEntryKind.DEDUCT, 100, "refund", null,
        "refund-ü-1", 0, T3, 250L);
    EventRecord awarded = new EventRecord(nextId(), t, EventType.POINTS_AWARDED, c, p.id(), 1, T1, 2, 0, PAYLOAD);
    EventRecord deducted = event(t, EventType.POINTS_DEDUCTED, c, p.id(), 2, T2, "{}");
    EventRecord bare = event(t, EventType.PARTICIPANT_UPDATED, null, null, 0, T3, "{\"a\":[1,2,{\"b\":null}]}");
    run(tx -> tx.appendPointsRows(new PointsRows(List.of(award, deduct, other, capped),
        List.of(awarded, deducted, bare),
        List.of(increment(campaign, p.id(), ALL_TIME, 120, T1), increment(campaign, p.id(), MARCH, 120, T1),
            increment(campaign, q.id(), APRIL, 5, T3)))));

    assertEquals(List.of(capped, deduct, award), history(t, p.id()), "newest first, every field");
    assertEquals(List.of(other), history(t, q.id()));
    assertEquals(Optional.of(award), tx(tx -> tx.ledger().findByIdempotencyKey(t, "order-ü-1")));
    assertEquals(Optional.of(other), tx(tx -> tx.ledger().findByIdempotencyKey(t, "order-ü-2")));
    assertEquals(Optional.of(capped), tx(tx -> tx.ledger().findByIdempotencyKey(t, "refund-ü-1")),
        "with the amount it asked for");
    assertEquals(Set.of(award, capped), Set.copyOf(tx(tx -> tx.ledger().findByIdempotencyKeys(t,
        List.of("order-ü-1", "refund-ü-1", "unused")))));
    assertEquals(List.of(awarded, deducted, bare), unpositioned(t), "in id order, unpositioned, every field");
    assertEquals(Optional.of(awarded), tx(tx -> tx.events().find(t, awarded.eventId())), "the payload verbatim");
    assertEquals(Optional.of(bare), tx(tx -> tx.events().find(t, bare.eventId())));
    assertEquals(List.of(counter(p.id(), ALL_TIME, 120, T1), counter(p.id(), MARCH, 120, T1),
        counter(q.id(), APRIL, 5, T3)), pointsCounters(campaign));
    assertEquals(Optional.of(new BoardScore(p.id(), 120, T0)),
        tx(tx -> tx.leaderboards().score(t, p.id(), POINTS, MARCH)));
    assertEquals(List.of(new BoardScore(p.id(), 120, T0), new BoardScore(q.id(), 0, T0)),
        tx(tx -> tx.leaderboards().page(t, c, POINTS, ALL_TIME, null, null, null, 10)));
    assertEquals(List.of(0L, 0L), List.of(balance(t, p.id()), balance(t, q.id())), "balances are not its rows");
  }

  @Test
  void timesFarFromNowKeepEveryMicrosecond() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    Participant p = participant(campaign, 0, 0);
    // Past 2^53 microseconds after the epoch (June 2255) a floating-point product would round; before 1970 the
    // microseconds count down.
    Instant future = Instant.parse("2999-12-31T23:59:59.999999Z");
    Instant past = Instant.parse("1960-01-01T00:00:00.000001Z");
    LedgerEntry late = entry(campaign, p.id(), LedgerEntryKind.AWARD, 7, "purchase", null, null, 7, future);
    LedgerEntry early = entry(campaign, p.id(), LedgerEntryKind.AWARD, 3, "purchase", null, null, 10, past);
    EventRecord event = event(t, EventType.POINTS_AWARDED, campaign.id(), p.id(), 1, future, "{}");
    run(tx -> tx.appendPointsRows(new PointsRows(List.of(early, late), List.of(event),
        List.of(increment(campaign, p.id(), ALL_TIME, 7, future)))));

    assertEquals(List.of(early, late), history(t, p.id()), "newest id first");
    assertEquals(Optional.of(event), tx(tx -> tx.events().find(t, event.eventId())));
    assertEquals(List.of(counter(p.id(), ALL_TIME, 7, future)), pointsCounters(campaign));
  }

  @Test
  void incrementsOfOneCounterInOneCallAreSummedIntoNewAndExistingCountersAtTheLatestTime() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long p = participant(campaign, 0, 0).id();
    long q = participant(campaign, 0, 0).id();
    run(tx -> {
      tx.leaderboards().addPoints(t, campaign.id(), p, ALL_TIME, 10, T2);
      tx.leaderboards().addPoints(t, campaign.id(), q, ALL_TIME, 1, T3);
    });
    run(tx -> tx.appendPointsRows(new PointsRows(List.of(), List.of(), List.of(
        increment(campaign, p, ALL_TIME, 5, T1),
        increment(campaign, p, MARCH, 4, T1),
        increment(campaign, p, ALL_TIME, 7, T3),
        increment(campaign, q, ALL_TIME, 2, T1),
        increment(campaign, p, ALL_TIME, 1, T0),
        increment(campaign, p, MARCH, 6, T0),
        increment(campaign, q, APRIL, 3, T3),
        increment(campaign, q, APRIL, 0, T2)))));
    assertEquals(List.of(
        counter(p, ALL_TIME, 23, T3),
        counter(p, MARCH, 10, T1),
        counter(q, ALL_TIME, 3, T3),
        counter(q, APRIL, 3, T3)), pointsCounters(campaign),
        "existing counters added to, new ones created, each at the latest time, never moved back");
    assertEquals(List.of(new BoardScore(p, 23, T0), new BoardScore(q, 3, T0)),
        tx(tx -> tx.leaderboards().page(t, campaign.id(), POINTS, ALL_TIME, null, null, null, 10)));

    run(tx -> tx.appendPointsRows(new PointsRows(List.of(), List.of(), List.of(
        increment(campaign, p, MARCH, 1, T2), increment(campaign, p, MARCH, 1, T2)))));
    assertEquals(Optional.of(new BoardScore(p, 12, T0)), tx(tx -> tx.leaderboards().score(t, p, POINTS, MARCH)));
    assertEquals(counter(p, MARCH, 12, T2), pointsCounters(campaign).get(1), "a later call adds on");
  }

  @Test
  void appendPointsRowsTakesEmptyListsAllTogetherAndEachAlone() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long p = participant(campaign, 0, 0).id();
    List<Long> everyone = List.of(p);
    State before = state(campaign, everyone);
    run(tx -> tx.appendPointsRows(new PointsRows(List.of(), List.of(), List.of())));
    assertEquals(before, state(campaign, everyone), "all three empty");

    List<LedgerEntry> entries = new ArrayList<>();
    List<EventRecord> events = new ArrayList<>();
    Map<Integer, Long> counted = new TreeMap<>();
    // Each combination of present and empty lists, one unit of work each: {entries, events, increments}.
    boolean[][] present = {{false, true, true}, {true, false, true}, {true, true, false}, {true, false, false},
        {false, true, false}, {false, false, true}};
    for (int i = 0; i < present.length; i++) {
      boolean[] has = present[i];
      long n = i + 1;
      List<LedgerEntry> e = has[0] ? List.of(entry(campaign, p, LedgerEntryKind.AWARD, n, "purchase", "case " + n,
          "empty-" + n, n, T1)) : List.of();
      List<EventRecord> v = has[1] ? List.of(event(t, EventType.POINTS_AWARDED, campaign.id(), p, n, T1, "{}"))
          : List.of();
      List<PointsIncrement> c = has[2] ? List.of(increment(campaign, p, ALL_TIME, n, T1),
          increment(campaign, p, MARCH, n, T1)) : List.of();
      run(tx -> tx.appendPointsRows(new PointsRows(e, v, c)));
      entries.addAll(e);
      events.addAll(v);
      if (has[2]) {
        counted.merge(ALL_TIME, n, Long::sum);
        counted.merge(MARCH, n, Long::sum);
      }
    }
    List<LedgerEntry> newestFirst = new ArrayList<>(entries);
    Collections.reverse(newestFirst);
    assertEquals(newestFirst, history(t, p));
    assertEquals(events, unpositioned(t));
    assertEquals(List.of(counter(p, ALL_TIME, counted.get(ALL_TIME), T1), counter(p, MARCH, counted.get(MARCH), T1)),
        pointsCounters(campaign));
  }

  @Test
  void aThousandEntriesAndEventsInOneCallAreAllWritten() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    List<Long> people = participantRows(campaign, 4).stream().map(Participant::id).toList();
    int rows = 1_000;
    long firstEntry = nextIds(rows);
    long firstEvent = nextIds(rows);
    List<LedgerEntry> entries = new ArrayList<>();
    List<EventRecord> events = new ArrayList<>();
    List<PointsIncrement> increments = new ArrayList<>();
    Map<List<Long>, ScoreChange> counters = new TreeMap<>(Comparator.comparing((List<Long> k) -> k.get(0))
        .thenComparing(k -> k.get(1)));
    for (int i = 0; i < rows; i++) {
      long p = people.get(i % people.size());
      Instant at = T0.plusNanos(1_000L * i * 7_919);
      entries.add(new LedgerEntry(firstEntry + i, t, campaign.id(), p,
          i % 2 == 0 ? LedgerEntryKind.AWARD : LedgerEntryKind.DEDUCT, i + 1, "type-" + i % 5,
          i % 3 == 0 ? null : "Zoë's \"row\" " + i, i % 4 == 0 ? null : "bulk-ü-" + i, 1_000_000 - i, at,
          i % 6 == 1 ? (Long) (i + 1L + i % 7) : null));
      events.add(new EventRecord(firstEvent + i, t, i % 2 == 0 ? EventType.POINTS_AWARDED
          : EventType.POINTS_DEDUCTED, campaign.id(), p, i / people.size() + 1, at, 1 + i % 2, 0,
          "{\"i\":" + i + ",\"s\":\"é 😀 'q' \\\"" + i + "\\\"\"}"));
      int month = i % 3 == 0 ? ALL_TIME : MARCH;
      increments.add(increment(campaign, p, month, i, at));
      counters.merge(List.of(p, (long) month), counter(p, month, i, at), (a, b) -> counter(p, month,
          a.score() + b.score(), a.changedAt().isAfter(b.changedAt()) ? a.changedAt() : b.changedAt()));
    }
    run(tx -> tx.appendPointsRows(new PointsRows(entries, events, increments)));

    for (long p : people) {
      List<LedgerEntry> newestFirst = new ArrayList<>(entries.stream().filter(e -> e.participantId() == p).toList());
      Collections.reverse(newestFirst);
      assertEquals(newestFirst, history(t, p), "participant " + p);
    }
    LedgerEntry keyed = entries.get(rows - 1);
    assertEquals(Optional.of(keyed), tx(tx -> tx.ledger().findByIdempotencyKey(t, keyed.idempotencyKey())));
    assertEquals(events, unpositioned(t));
    assertEquals(List.copyOf(counters.values()), pointsCounters(campaign));
  }

  /**
   * A store may hold rows without an idempotency key back and send them with the commit (PostgreSQL does); whatever
   * the unit of work does after the call must then see them, in the order of its calls.
   */
  @Test
  void rowsWithoutAKeyAreSeenByTheRestOfTheUnitOfWorkAndKeptInTheOrderOfItsCalls() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long p = participant(campaign, 0, 0).id();
    LedgerEntry first = entry(campaign, p, LedgerEntryKind.AWARD, 5, "purchase", null, null, 5, T1);
    LedgerEntry second = entry(campaign, p, LedgerEntryKind.AWARD, 7, "purchase", null, null, 12, T2);
    LedgerEntry third = entry(campaign, p, LedgerEntryKind.DEDUCT, 2, "refund", null, null, 10, T3);
    EventRecord one = event(t, EventType.POINTS_AWARDED, campaign.id(), p, 1, T1, "{}");
    EventRecord two = event(t, EventType.POINTS_AWARDED, campaign.id(), p, 2, T2, "{}");
    List<List<LedgerEntry>> seen = new ArrayList<>();
    List<List<EventRecord>> seenEvents = new ArrayList<>();
    List<List<ScoreChange>> seenCounters = new ArrayList<>();
    run(tx -> {
      tx.appendPointsRows(new PointsRows(List.of(first), List.of(one),
          List.of(increment(campaign, p, ALL_TIME, 5, T1))));
      seen.add(tx.ledger().history(t, p, null, 10));
      seenEvents.add(tx.events().unpositioned(t, 10));
      seenCounters.add(pointsCounters(tx, campaign));
      tx.appendPointsRows(new PointsRows(List.of(second), List.of(two),
          List.of(increment(campaign, p, ALL_TIME, 7, T2))));
      tx.appendPointsRows(new PointsRows(List.of(third), List.of(), List.of()));
      seen.add(tx.ledger().history(t, p, null, 10));
    });

    assertEquals(List.of(List.of(first), List.of(third, second, first)), seen, "each read sees the calls before it");
    assertEquals(List.of(List.of(one)), seenEvents);
    assertEquals(List.of(List.of(counter(p, ALL_TIME, 5, T1))), seenCounters);
    assertEquals(List.of(third, second, first), history(t, p), "all kept");
    assertEquals(List.of(one, two), unpositioned(t));
    assertEquals(List.of(counter(p, ALL_TIME, 12, T2)), pointsCounters(campaign));
  }

  @Test
  void rowsWithoutAKeyOfANestedUnitThatThrowsAreNotKeptAndOfOneThatReturnsAre() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long p = participant(campaign, 0, 0).id();
    LedgerEntry before = entry(campaign, p, LedgerEntryKind.AWARD, 1, "purchase", null, null, 1, T1);
    LedgerEntry undone = entry(campaign, p, LedgerEntryKind.AWARD, 2, "purchase", null, null, 3, T1);
    LedgerEntry kept = entry(campaign, p, LedgerEntryKind.AWARD, 4, "purchase", null, null, 5, T2);
    EventRecord undoneEvent = event(t, EventType.POINTS_AWARDED, campaign.id(), p, 2, T1, "{}");
    run(tx -> {
      tx.appendPointsRows(new PointsRows(List.of(before), List.of(), List.of()));
      assertThrows(IllegalStateException.class, () -> tx.nested(n -> {
        n.appendPointsRows(new PointsRows(List.of(undone), List.of(undoneEvent),
            List.of(increment(campaign, p, ALL_TIME, 2, T1))));
        throw new IllegalStateException("the nested unit fails");
      }));
      tx.nested(n -> {
        n.appendPointsRows(new PointsRows(List.of(kept), List.of(), List.of()));
        return null;
      });
    });

    assertEquals(List.of(kept, before), history(t, p), "the failed nested unit's rows are gone, the others kept");
    assertEquals(List.of(), unpositioned(t));
    assertEquals(List.of(), pointsCounters(campaign));
  }

  @Test
  void aTakenIdempotencyKeyFailsTheCallWithTheLedgerKeyAndTheFailedUnitOfWorkKeepsNothing() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long p = participant(campaign, 0, 0).id();
    long q = participant(campaign, 0, 0).id();
    LedgerEntry first = entry(campaign, p, LedgerEntryKind.AWARD, 10, "purchase", null, "taken", 10, T1);
    run(tx -> tx.appendPointsRows(new PointsRows(List.of(first),
        List.of(event(t, EventType.POINTS_AWARDED, campaign.id(), p, 1, T1, "{}")),
        List.of(increment(campaign, p, ALL_TIME, 10, T1)))));
    List<Long> everyone = List.of(p, q);
    State before = state(campaign, everyone);

    Map<String, List<String>> cases = Map.of(
        "a key an earlier call took", List.of("fresh-1", "taken", "fresh-2"),
        "a key given twice in the call", List.of("fresh-3", "twice", "twice"),
        "the taken key first", List.of("taken", "fresh-4"));
    cases.forEach((what, keys) -> {
      List<LedgerEntry> entries = new ArrayList<>();
      for (String key : keys) {
        entries.add(entry(campaign, q, LedgerEntryKind.AWARD, 1, "purchase", null, key, 1, T2));
      }
      PointsRows rows = new PointsRows(entries,
          List.of(event(t, EventType.POINTS_AWARDED, campaign.id(), q, 1, T2, PAYLOAD)),
          List.of(increment(campaign, p, ALL_TIME, 5, T3), increment(campaign, q, MARCH, 5, T3)));
      UniqueViolationException thrown = assertThrows(UniqueViolationException.class,
          () -> run(tx -> tx.appendPointsRows(rows)), what);
      assertEquals(UniqueKey.LEDGER_IDEMPOTENCY_KEY, thrown.key(), what);
      assertEquals(before, state(campaign, everyone), what + ": nothing of the call is kept");
      for (String key : keys) {
        assertEquals(key.equals("taken") ? Optional.of(first) : Optional.empty(),
            tx(tx -> tx.ledger().findByIdempotencyKey(t, key)), what + ": " + key);
      }
    });

    // A store may hold the rows back until the unit of work's next statement (PostgreSQL): that statement fails.
    UniqueViolationException followed = assertThrows(UniqueViolationException.class, () -> run(tx -> {
      tx.appendPointsRows(new PointsRows(List.of(entry(campaign, q, LedgerEntryKind.AWARD, 1, "purchase", null,
          "taken", 1, T2)), List.of(), List.of()));
      tx.ledger().history(t, q, null, 10);
    }), "rows a read follows");
    assertEquals(UniqueKey.LEDGER_IDEMPOTENCY_KEY, followed.key());
    assertEquals(before, state(campaign, everyone), "nothing of the unit of work is kept");

    Campaign elsewhere = campaign();
    long stranger = participant(elsewhere, 0, 0).id();
    LedgerEntry sameKey = entry(elsewhere, stranger, LedgerEntryKind.AWARD, 1, "purchase", null, "taken", 1, T2);
    run(tx -> tx.appendPointsRows(new PointsRows(List.of(sameKey), List.of(), List.of())));
    assertEquals(Optional.of(sameKey), tx(tx -> tx.ledger().findByIdempotencyKey(elsewhere.tenantId(), "taken")),
        "keys are per tenant");
  }

  /**
   * The holder writes key "a", then, while the waiter's call with "b" and "a" (in that order) waits on the holder's
   * "a", writes "b". The call claims its keys in key order ({@link PointsRows}), so it holds nothing the holder needs:
   * the holder commits, and the waiter fails on the taken "a". Claiming "b" first would deadlock the two, and the
   * database would fail one of them with a deadlock.
   */
  @Test
  void callsWritingTheSameNewKeysInOppositeOrdersWaitForEachOtherWithoutDeadlocking() throws Exception {
    assumeSharedDatabase();
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long p = participant(campaign, 0, 0).id();
    long q = participant(campaign, 0, 0).id();
    LedgerEntry holderA = entry(campaign, p, LedgerEntryKind.AWARD, 1, "purchase", null, "a", 1, T1);
    LedgerEntry holderB = entry(campaign, p, LedgerEntryKind.AWARD, 2, "purchase", null, "b", 3, T1);
    PointsRows waiterRows = new PointsRows(
        List.of(entry(campaign, q, LedgerEntryKind.AWARD, 5, "purchase", null, "b", 5, T2),
            entry(campaign, q, LedgerEntryKind.AWARD, 6, "purchase", null, "a", 11, T2)),
        List.of(), List.of());
    ExecutionException failed = assertThrows(ExecutionException.class, () -> whileHeld(
        tx -> {
          tx.appendPointsRows(new PointsRows(List.of(holderA), List.of(), List.of()));
          // A store may hold the rows back until the next statement (PostgreSQL, until the commit): this read sends
          // them, so that "a" is written before the waiter starts.
          assertEquals(Optional.of(holderA), tx.ledger().findByIdempotencyKey(t, "a"));
          return null;
        },
        (tx, nothing) -> {
          tx.appendPointsRows(new PointsRows(List.of(holderB), List.of(), List.of()));
          return null;
        },
        tx -> {
          tx.appendPointsRows(waiterRows);
          return null;
        },
        "the call did not wait for the key the holder had written"));
    UniqueViolationException thrown = assertInstanceOf(UniqueViolationException.class, failed.getCause(),
        "the holder committed and the waiter failed on the taken key, neither on a deadlock");
    assertEquals(UniqueKey.LEDGER_IDEMPOTENCY_KEY, thrown.key());
    assertEquals(List.of(holderB, holderA), history(t, p));
    assertEquals(List.of(), history(t, q), "nothing of the failed call is kept");
  }

  @Test
  void aTakenIdempotencyKeyInsideANestedUnitLeavesNothingOfTheCallAndTheTransactionGoesOn() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long p = participant(campaign, 0, 0).id();
    LedgerEntry first = entry(campaign, p, LedgerEntryKind.AWARD, 10, "purchase", null, "taken", 10, T1);
    LedgerEntry kept = entry(campaign, p, LedgerEntryKind.AWARD, 2, "purchase", null, "kept", 12, T2);
    LedgerEntry after = entry(campaign, p, LedgerEntryKind.AWARD, 3, "purchase", null, "after", 15, T3);
    EventRecord keptEvent = event(t, EventType.POINTS_AWARDED, campaign.id(), p, 1, T2, "{}");
    EventRecord lostEvent = event(t, EventType.POINTS_AWARDED, campaign.id(), p, 2, T2, PAYLOAD);
    EventRecord afterEvent = event(t, EventType.POINTS_AWARDED, campaign.id(), p, 2, T3, "{}");
    run(tx -> tx.ledger().append(first));
    run(tx -> {
      tx.appendPointsRows(new PointsRows(List.of(kept), List.of(keptEvent),
          List.of(increment(campaign, p, ALL_TIME, 2, T2))));
      UniqueViolationException thrown = assertThrows(UniqueViolationException.class, () -> tx.nested(inner -> {
        inner.appendPointsRows(new PointsRows(
            List.of(entry(campaign, p, LedgerEntryKind.AWARD, 9, "purchase", null, "lost", 21, T2),
                entry(campaign, p, LedgerEntryKind.AWARD, 9, "purchase", null, "taken", 30, T2)),
            List.of(lostEvent), List.of(increment(campaign, p, ALL_TIME, 9, T3),
                increment(campaign, p, APRIL, 9, T3))));
        return null;
      }));
      assertEquals(UniqueKey.LEDGER_IDEMPOTENCY_KEY, thrown.key());
      // The statement after the failed one: on PostgreSQL it fails unless the savepoint was rolled back to.
      tx.appendPointsRows(new PointsRows(List.of(after), List.of(afterEvent),
          List.of(increment(campaign, p, ALL_TIME, 3, T2))));
    });
    assertEquals(List.of(after, kept, first), history(t, p));
    assertEquals(Optional.empty(), tx(tx -> tx.ledger().findByIdempotencyKey(t, "lost")));
    assertEquals(List.of(keptEvent, afterEvent), unpositioned(t));
    assertEquals(List.of(counter(p, ALL_TIME, 5, T2)), pointsCounters(campaign));
  }

  @Test
  void theRowsOfACallInsideANestedUnitThatThrowsAreGoneWhileTheOuterTransactionCommits() {
    Campaign campaign = campaign();
    long t = campaign.tenantId();
    long p = participant(campaign, 0, 0).id();
    long q = participant(campaign, 0, 0).id();
    LedgerEntry before = entry(campaign, p, LedgerEntryKind.AWARD, 4, "purchase", "before", "before", 4, T1);
    LedgerEntry undone = entry(campaign, q, LedgerEntryKind.AWARD, 8, "purchase", "undone", "undone", 8, T2);
    LedgerEntry after = entry(campaign, p, LedgerEntryKind.DEDUCT, 1, "redemption", null, "after", 3, T3);
    EventRecord beforeEvent = event(t, EventType.POINTS_AWARDED, campaign.id(), p, 1, T1, PAYLOAD);
    EventRecord undoneEvent = event(t, EventType.POINTS_AWARDED, campaign.id(), q, 1, T2, "{}");
    EventRecord afterEvent = event(t, EventType.POINTS_DEDUCTED, campaign.id(), p, 2, T3, "{}");
    Undo undo = new Undo("the nested unit fails");
    run(tx -> {
      tx.appendPointsRows(new PointsRows(List.of(before), List.of(beforeEvent),
          List.of(increment(campaign, p, ALL_TIME, 4, T1))));
      assertSame(undo, assertThrows(Undo.class, () -> tx.nested(inner -> {
        inner.appendPointsRows(new PointsRows(List.of(undone), List.of(undoneEvent), List.of(
            increment(campaign, p, ALL_TIME, 8, T3), increment(campaign, q, ALL_TIME, 8, T2),
            increment(campaign, q, MARCH, 8, T2))));
        assertEquals(Optional.of(undone), inner.ledger().findByIdempotencyKey(t, "undone"), "written, for now");
        throw undo;
      })));
      assertEquals(Optional.empty(), tx.ledger().findByIdempotencyKey(t, "undone"), "undone in the transaction");
      tx.appendPointsRows(new PointsRows(List.of(after), List.of(afterEvent), List.of()));
    });
    assertEquals(List.of(after, before), history(t, p));
    assertEquals(List.of(), history(t, q));
    assertEquals(List.of(beforeEvent, afterEvent), unpositioned(t));
    assertEquals(Optional.empty(), tx(tx -> tx.events().find(t, undoneEvent.eventId())));
    assertEquals(List.of(counter(p, ALL_TIME, 4, T1)), pointsCounters(campaign),
        "the counter added to is as before, the counters created are gone");
  }

  // ---------------------------------------------------------------- helpers

  /** What the tests compare before and after a failed unit of work: rows with sequences, ledgers, events, counters. */
  private record State(List<LockedParticipant> rows, List<List<LedgerEntry>> histories, List<EventRecord> events,
      List<ScoreChange> counters) {
  }

  private State state(Campaign campaign, List<Long> participants) {
    long t = campaign.tenantId();
    return tx(tx -> new State(tx.participants().lockAll(t, participants),
        participants.stream().map(p -> tx.ledger().history(t, p, null, 10_000)).toList(),
        tx.events().unpositioned(t, 10_000), pointsCounters(tx, campaign)));
  }

  private Campaign campaign() {
    return campaign(tenant(T0), T0);
  }

  /** A participant with every profile field set, inserted. */
  private Participant participant(Campaign campaign, long balance, long lifetime) {
    long id = nextId();
    String email = "Zoë.O'Brien+" + id + "@Example.com";
    Participant p = new Participant(id, campaign.tenantId(), campaign.id(), email, "zoë.o'brien" + id + "@example.com",
        "Zoë", "O'Brien", "192.0.2.7", "gold", METADATA, balance, lifetime, T0, T1, RiskLevel.LOW, "ok");
    run(tx -> tx.participants().insert(p));
    return p;
  }

  /** A participant with a plain profile, not inserted. */
  private static Participant participantRow(Campaign campaign, long id, long balance, long lifetime) {
    String email = "p" + id + "@example.com";
    return new Participant(id, campaign.tenantId(), campaign.id(), email, email, null, null, null, "silver",
        Map.of("n", id), balance, lifetime, T0, T0, null, null);
  }

  /** {@code count} participants with consecutive ids, at 0 points, inserted in one unit of work. */
  private List<Participant> participantRows(Campaign campaign, int count) {
    return participantRows(campaign, count, i -> 0);
  }

  /**
   * {@code count} participants with consecutive ids, the {@code i}-th holding {@code points(i)} as balance and as
   * lifetime points, inserted in one unit of work.
   */
  private List<Participant> participantRows(Campaign campaign, int count, IntToLongFunction points) {
    long first = nextIds(count);
    List<Participant> made = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      made.add(participantRow(campaign, first + i, points.applyAsLong(i), points.applyAsLong(i)));
    }
    run(tx -> made.forEach(tx.participants()::insert));
    return made;
  }

  private static Participant withPoints(Participant p, long balance, long lifetime) {
    return new Participant(p.id(), p.tenantId(), p.campaignId(), p.email(), p.sanitizedEmail(), p.firstName(),
        p.lastName(), p.ipAddress(), p.tier(), p.metadata(), balance, lifetime, p.createdAt(), p.updatedAt(),
        p.riskLevel(), p.riskReason());
  }

  private static LockedParticipant locked(Participant p, long balance, long lifetime, long sequence) {
    return new LockedParticipant(withPoints(p, balance, lifetime), sequence);
  }

  private List<LockedParticipant> lockAll(long tenantId, Collection<Long> ids) {
    return tx(tx -> tx.participants().lockAll(tenantId, ids));
  }

  private long nextSequence(long tenantId, long participantId) {
    return tx(tx -> tx.events().nextSequence(tenantId, participantId));
  }

  private long balance(long tenantId, long participantId) {
    return tx(tx -> tx.participants().find(tenantId, participantId).orElseThrow().pointsBalance());
  }

  private List<LedgerEntry> history(long tenantId, long participantId) {
    return tx(tx -> tx.ledger().history(tenantId, participantId, null, 10_000));
  }

  /** The tenant's events, all unpositioned (nothing here positions them), in id order. */
  private List<EventRecord> unpositioned(long tenantId) {
    return tx(tx -> tx.events().unpositioned(tenantId, 10_000));
  }

  private List<ScoreChange> pointsCounters(Campaign campaign) {
    return tx(tx -> pointsCounters(tx, campaign));
  }

  /** The campaign's points counters of the tests' months, by participant and month. */
  private static List<ScoreChange> pointsCounters(Transaction tx, Campaign campaign) {
    return tx.leaderboards().changedSince(campaign.tenantId(), campaign.id(), MONTHS, Instant.EPOCH, 10_000).stream()
        .filter(s -> s.metric() == POINTS)
        .sorted(Comparator.comparingLong(ScoreChange::participantId).thenComparingInt(ScoreChange::month))
        .toList();
  }

  private static ScoreChange counter(long participantId, int month, long points, Instant at) {
    return new ScoreChange(participantId, POINTS, month, points, at);
  }

  private static LedgerEntry entry(Campaign campaign, long participantId, LedgerEntryKind kind, long amount,
      String type, String description, String key, long balanceAfter, Instant at) {
    return new LedgerEntry(nextId(), campaign.tenantId(), campaign.id(), participantId, kind, amount, type,
        description, key, balanceAfter, at);
  }

  private static EventRecord event(long tenantId, EventType type, Long campaignId, Long participantId,
      long sequence, Instant at, String payload) {
    return new EventRecord(nextId(), tenantId, type, campaignId, participantId, sequence, at, 1, 0, payload);
  }

  private static PointsIncrement increment(Campaign campaign, long participantId, int month, long points,
      Instant at) {
    return new PointsIncrement(campaign.tenantId(), campaign.id(), participantId, month, points, at);
  }
}
