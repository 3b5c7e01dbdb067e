package io.loyaltyengine.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.LockedParticipant;
import io.loyaltyengine.core.spi.ScoreChange;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.core.spi.UniqueViolationException;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.LedgerEntryKind;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.tenant.TenantType;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@code Transaction.nested} (a unit of work behind a savepoint), held to its javadoc below the
 * engine, on every storage backend: a nested unit that throws is undone alone (rows, balances, counters, sequences,
 * unique keys) and the exception comes out unchanged, while the transaction goes on and commits the rest; one that
 * returns keeps its writes and gives its result; after a statement that failed inside a nested unit (a unique or a
 * primary-key violation, which abort a PostgreSQL transaction) the transaction is still usable; nested units nest;
 * an {@link Error} is undone as an exception is; the work is handed the transaction it was called on (a
 * {@link ForwardingTransaction} decorator included); a nested unit inside a host's transaction is undone without
 * touching the host's own work; a lock taken inside a nested unit that returned is held until the commit; and many
 * nested units in one transaction (the engine's group commit puts up to 256 in one) are each kept or undone exactly.
 *
 * <p>A backend runs it with an (almost) empty subclass that supplies a fresh database per test and shows where a
 * unit of work waits for a lock, as for {@link LeaderboardPortsContractTest}.
 *
 * <p>Tests of an ability the backend lacks ({@link StorageCapability#SHARED_DATABASE},
 * {@link StorageCapability#HOST_TRANSACTIONS}) are skipped with the reason. No test sleeps or depends on ids.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
public abstract class NestedTransactionContractTest extends PortsContractSupport {
  /** Microseconds, the SPI's precision. */
  private static final Instant T0 = Instant.parse("2025-03-14T10:00:00.123456Z");

  /** For subclasses. */
  protected NestedTransactionContractTest() {
  }

  /** Thrown by the tests' nested units: never by a store. */
  private static final class Undo extends RuntimeException {
    Undo(String message) {
      super(message, null, false, false);
    }
  }

  @Test
  void aNestedUnitThatThrowsIsUndoneAloneAndTheTransactionCommitsTheRest() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    long p = participant(campaign).id();
    Brand before = brand(t);
    Brand inside = brand(t);
    Brand after = brand(t);
    Undo undo = new Undo("the nested unit fails");
    run(tx -> {
      tx.brands().insert(before);
      assertTrue(tx.ledger().credit(t, p, 10).isPresent());
      Undo thrown = assertThrows(Undo.class, () -> tx.nested(inner -> {
        inner.brands().insert(inside);
        LockedParticipant changed = inner.ledger().credit(t, p, 100).orElseThrow();
        assertEquals(List.of(110L, 110L), List.of(changed.balance(), changed.lifetimePoints()));
        inner.ledger().append(entry(campaign, p, 100, 110, "nested-key"));
        throw undo;
      }));
      assertSame(undo, thrown, "the nested unit's own exception comes out, unchanged");
      assertEquals(Optional.empty(), tx.brands().find(t, inside.id()), "undone, seen from the same transaction");
      assertEquals(10, balance(tx, t, p), "the balance as before the nested unit");
      assertEquals(Optional.empty(), tx.ledger().findByIdempotencyKey(t, "nested-key"));
      tx.brands().insert(after);
      assertTrue(tx.ledger().credit(t, p, 5).isPresent());
    });
    assertEquals(List.of(before, after), brandsBut(campaign), "the rest committed");
    assertEquals(15, balanceNow(t, p));
    assertEquals(15L, (long) tx(tx -> tx.participants().find(t, p).orElseThrow().lifetimePoints()));
    assertEquals(List.of(), tx(tx -> tx.ledger().history(t, p, null, 100)));
  }

  @Test
  void aNestedUnitThatReturnsKeepsItsWritesAndGivesItsResult() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    long p = participant(campaign).id();
    Brand brand = brand(t);
    LedgerEntry entry = entry(campaign, p, 7, 7, "kept");
    String result = tx(tx -> {
      String r = tx.nested(inner -> {
        inner.brands().insert(brand);
        inner.ledger().credit(t, p, 7);
        inner.ledger().append(entry);
        return "done";
      });
      assertEquals(Optional.of(brand), tx.brands().find(t, brand.id()), "seen by the rest of the transaction");
      return r;
    });
    assertEquals("done", result);
    assertEquals(Optional.of(brand), tx(tx -> tx.brands().find(t, brand.id())));
    assertEquals(List.of(entry), tx(tx -> tx.ledger().history(t, p, null, 10)));
    assertEquals(7, balanceNow(t, p));
  }

  @Test
  void afterAUniqueViolationInsideANestedUnitTheTransactionIsStillUsable() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    long p = participant(campaign).id();
    Brand taken = brand(t);
    run(tx -> tx.brands().insert(taken));
    LedgerEntry first = entry(campaign, p, 3, 3, "order-1");
    run(tx -> {
      tx.ledger().credit(t, p, 3);
      tx.ledger().append(first);
    });
    Brand later = brand(t);
    run(tx -> {
      UniqueViolationException domain = assertThrows(UniqueViolationException.class, () -> tx.nested(inner -> {
        inner.brands().insert(new Brand(nextId(), t, "Copy", taken.domain(), T0));
        return null;
      }));
      assertEquals(UniqueKey.BRAND_DOMAIN, domain.key());
      // The statement after the failed one: on PostgreSQL it fails unless the savepoint was rolled back to.
      tx.brands().insert(later);
      UniqueViolationException key = assertThrows(UniqueViolationException.class, () -> tx.nested(inner -> {
        inner.ledger().credit(t, p, 4);
        inner.ledger().append(entry(campaign, p, 4, 7, "order-1"));
        return null;
      }));
      assertEquals(UniqueKey.LEDGER_IDEMPOTENCY_KEY, key.key());
      assertEquals(3, balance(tx, t, p), "the credit before the violation is undone with it");
      tx.ledger().credit(t, p, 2);
      tx.ledger().append(entry(campaign, p, 2, 5, "order-2"));
    });
    assertEquals(List.of(taken, later), brandsBut(campaign));
    assertEquals(5, balanceNow(t, p));
    assertEquals(List.of("order-2", "order-1"),
        tx(tx -> tx.ledger().history(t, p, null, 10)).stream().map(LedgerEntry::idempotencyKey).toList());
  }

  @Test
  void afterAPrimaryKeyViolationInsideANestedUnitTheTransactionIsStillUsable() {
    long t = tenant(T0);
    Brand kept = brand(t);
    run(tx -> {
      assertThrows(StorageException.class, () -> tx.nested(inner -> {
        inner.tenants().insert(new Tenant(t, "Again", TenantType.BUSINESS, T0));
        return null;
      }), "a second tenant with the same id");
      tx.brands().insert(kept);
    });
    assertEquals(List.of(kept), tx(tx -> tx.brands().list(t)));
  }

  @Test
  void aKeyWrittenByAnUndoneNestedUnitIsFreeAgainInTheSameTransaction() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    long p = participant(campaign).id();
    Brand first = brand(t);
    Brand sameDomain = new Brand(nextId(), t, "Again", first.domain(), T0);
    LedgerEntry again = entry(campaign, p, 1, 1, "reused");
    run(tx -> {
      assertThrows(Undo.class, () -> tx.nested(inner -> {
        inner.brands().insert(first);
        inner.ledger().append(entry(campaign, p, 9, 9, "reused"));
        throw new Undo("undo both keys");
      }));
      tx.nested(inner -> {
        inner.brands().insert(sameDomain);
        inner.ledger().credit(t, p, 1);
        inner.ledger().append(again);
        return null;
      });
    });
    assertEquals(List.of(sameDomain), brandsBut(campaign));
    assertEquals(Optional.of(again), tx(tx -> tx.ledger().findByIdempotencyKey(t, "reused")));
  }

  @Test
  void countersAndSequencesAdvancedByAnUndoneNestedUnitGoBack() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    long c = campaign.id();
    long p = participant(campaign).id();
    List<Long> seen = tx(tx -> {
      List<Long> values = new ArrayList<>();
      values.add(tx.actions().increment(t, c, p, 0, 0, T0));
      values.add(tx.events().nextSequence(t, p));
      assertThrows(Undo.class, () -> tx.nested(inner -> {
        assertEquals(2, inner.actions().increment(t, c, p, 0, 0, T0));
        assertEquals(2, inner.events().nextSequence(t, p));
        inner.leaderboards().addPoints(t, c, p, 0, 40, T0);
        throw new Undo("undo the counters");
      }));
      values.add(tx.actions().increment(t, c, p, 0, 0, T0));
      values.add(tx.events().nextSequence(t, p));
      tx.leaderboards().addPoints(t, c, p, 0, 5, T0);
      return values;
    });
    assertEquals(List.of(1L, 1L, 2L, 2L), seen, "counter and sequence continue from before the nested unit");
    assertEquals(2L, (long) tx(tx -> tx.actions().count(t, p, 0, 0)));
    assertEquals(List.of(5L), tx(tx -> tx.leaderboards().changedSince(t, c, List.of(0), Instant.EPOCH, 10))
        .stream().filter(s -> s.metric() == BoardMetric.POINTS).map(ScoreChange::score).toList(),
        "only the points added outside the undone unit");
  }

  @Test
  void nestedUnitsNestAndEachLevelIsKeptOrUndoneOnItsOwn() {
    long t = tenant(T0);
    Brand outerKept = brand(t);
    Brand innerUndone = brand(t);
    Brand afterInner = brand(t);
    Brand innerKept = brand(t);
    Brand outerUndone = brand(t);
    Brand deepest = brand(t);
    tx(tx -> {
      tx.nested(outer -> {
        outer.brands().insert(outerKept);
        assertThrows(Undo.class, () -> outer.nested(inner -> {
          inner.brands().insert(innerUndone);
          throw new Undo("inner only");
        }));
        outer.brands().insert(afterInner);
        return null;
      });
      assertThrows(Undo.class, () -> tx.nested(outer -> {
        outer.nested(inner -> {
          inner.brands().insert(innerKept);
          return inner.nested(innermost -> {
            innermost.brands().insert(deepest);
            return null;
          });
        });
        outer.brands().insert(outerUndone);
        throw new Undo("the outer unit takes its returned inner units with it");
      }));
      return null;
    });
    assertEquals(List.of(outerKept, afterInner), tx(tx -> tx.brands().list(t)));
  }

  @Test
  void anErrorThrownInsideANestedUnitIsUndoneAsAnExceptionIs() {
    long t = tenant(T0);
    Brand undone = brand(t);
    Brand kept = brand(t);
    AssertionError error = new AssertionError("an Error, not an exception");
    run(tx -> {
      AssertionError thrown = assertThrows(AssertionError.class, () -> tx.nested(inner -> {
        inner.brands().insert(undone);
        throw error;
      }));
      assertSame(error, thrown);
      tx.brands().insert(kept);
    });
    assertEquals(List.of(kept), tx(tx -> tx.brands().list(t)));
  }

  @Test
  void aTransactionThatRollsBackTakesItsReturnedNestedUnitsWithIt() {
    long t = tenant(T0);
    Brand brand = brand(t);
    assertThrows(Undo.class, () -> run(tx -> {
      tx.nested(inner -> {
        inner.brands().insert(brand);
        return null;
      });
      throw new Undo("the whole transaction");
    }));
    assertEquals(List.of(), tx(tx -> tx.brands().list(t)));
  }

  @Test
  void theWorkIsHandedTheTransactionItWasCalledOnDecoratorsIncluded() {
    run(tx -> {
      assertSame(tx, tx.nested(inner -> inner), "the store's own transaction");
      Transaction decorated = new ForwardingTransaction(tx) {
      };
      assertSame(decorated, decorated.nested(inner -> inner), "a decorator stays in place");
      Transaction twice = new ForwardingTransaction(decorated) {
      };
      assertSame(twice, twice.nested(inner -> inner.nested(innermost -> innermost)));
    });
  }

  @Test
  void manyNestedUnitsInOneTransactionAreEachKeptOrUndone() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    int units = 300;
    List<Participant> people = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      people.add(participant(campaign));
    }
    long[] expected = new long[people.size()];
    run(tx -> {
      for (int i = 0; i < units; i++) {
        int who = i % people.size();
        long p = people.get(who).id();
        long amount = 1 + i;
        boolean fails = i % 4 == 1 || i % 7 == 0;
        try {
          tx.nested(inner -> {
            LockedParticipant after = inner.ledger().credit(t, p, amount).orElseThrow();
            inner.ledger().append(entry(campaign, p, amount, after.balance(), "u" + amount));
            if (fails) {
              // Half of the failures are a statement failing in the store, half the unit's own exception.
              if (amount % 2 == 0) {
                inner.ledger().append(entry(campaign, p, amount, after.balance(), "u" + amount));
              }
              throw new Undo("unit " + amount);
            }
            return null;
          });
          assertFalse(fails, "unit " + amount + " should have failed");
          expected[who] += amount;
        } catch (Undo | UniqueViolationException e) {
          assertTrue(fails, "unit " + amount + " failed: " + e);
        }
      }
    });
    for (int who = 0; who < people.size(); who++) {
      long p = people.get(who).id();
      assertEquals(expected[who], balanceNow(t, p), "participant " + who);
      List<LedgerEntry> history = tx(tx -> tx.ledger().history(t, p, null, units));
      assertEquals(expected[who], history.stream().mapToLong(LedgerEntry::amount).sum(), "ledger of " + who);
      assertEquals(expected[who], history.isEmpty() ? 0 : history.get(0).balanceAfter());
    }
  }

  @Test
  void aNestedUnitInsideAHostTransactionIsUndoneWithoutTouchingTheHostsWork() {
    assumeTrue(capabilities().contains(StorageCapability.HOST_TRANSACTIONS),
        "the backend cannot join host transactions");
    long t = tenant(T0);
    Brand kept = brand(t);
    Brand undone = brand(t);
    var hosts = fixture().hostTransactions().orElseThrow();
    long ordersBefore = hosts.countHostOrders();
    try (HostTx host = hosts.begin()) {
      host.insertHostOrder("nested-host-1");
      storage().inHostTransaction(host.transaction(), tx -> {
        assertThrows(Undo.class, () -> tx.nested(inner -> {
          inner.brands().insert(undone);
          throw new Undo("inside the host's transaction");
        }));
        tx.brands().insert(kept);
        return null;
      });
      host.insertHostOrder("nested-host-2");
      host.commit();
    }
    assertEquals(ordersBefore + 2, hosts.countHostOrders(), "the host's own rows, before and after");
    assertEquals(List.of(kept), tx(tx -> tx.brands().list(t)));

    Brand rolledBack = brand(t);
    try (HostTx host = hosts.begin()) {
      host.insertHostOrder("nested-host-3");
      storage().inHostTransaction(host.transaction(), tx -> tx.nested(inner -> {
        inner.brands().insert(rolledBack);
        return null;
      }));
      host.rollback();
    }
    assertEquals(ordersBefore + 2, hosts.countHostOrders());
    assertEquals(List.of(kept), tx(tx -> tx.brands().list(t)), "the host's rollback takes the nested unit too");
  }

  @Test
  void aLockTakenInsideANestedUnitThatReturnedIsHeldUntilTheCommit() throws Exception {
    assumeSharedDatabase();
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    long p = participant(campaign).id();
    Storage second = fixture().openStorage();
    ExecutorService threads = Executors.newFixedThreadPool(2);
    CountDownLatch locked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try {
      Started<Long> holder = start(threads, () -> storage().inTransaction(tx -> {
        tx.nested(inner -> inner.participants().lock(t, p).orElseThrow());
        tx.ledger().credit(t, p, 1);
        locked.countDown();
        await(release);
        return balance(tx, t, p);
      }));
      await(locked);
      Started<Long> waiter = start(threads, () -> second.inTransaction(tx -> {
        tx.participants().lock(t, p).orElseThrow();
        return tx.ledger().credit(t, p, 10).orElseThrow().balance();
      }));
      try {
        awaitBlockedOnALock(waiter.thread());
      } catch (AssertionError e) {
        throw new AssertionError("the lock taken in the nested unit was not held", e);
      }
      release.countDown();
      assertEquals(1L, (long) holder.get());
      assertEquals(11L, (long) waiter.get(), "the second unit of work saw the first one's commit");
    } finally {
      release.countDown();
      threads.shutdownNow();
      assertTrue(threads.awaitTermination(60, TimeUnit.SECONDS));
      second.close();
    }
  }

  // ---------------------------------------------------------------- helpers

  /** The tenant's brands but the one {@code campaign} belongs to, oldest first. */
  private List<Brand> brandsBut(Campaign campaign) {
    return tx(tx -> tx.brands().list(campaign.tenantId())).stream()
        .filter(b -> b.id() != campaign.brandId())
        .toList();
  }

  private long balanceNow(long tenantId, long participantId) {
    return tx(tx -> balance(tx, tenantId, participantId));
  }

  private static long balance(Transaction tx, long tenantId, long participantId) {
    return tx.participants().find(tenantId, participantId).orElseThrow().pointsBalance();
  }

  private static Brand brand(long tenantId) {
    long id = nextId();
    return new Brand(id, tenantId, "Shop " + id, "shop" + id + ".example.com", T0);
  }

  private Participant participant(Campaign campaign) {
    long id = nextId();
    String email = "p" + id + "@example.com";
    Participant p = new Participant(id, campaign.tenantId(), campaign.id(), email, email, null, null, null, null,
        Map.of(), 0, 0, T0, T0, null, null);
    run(tx -> tx.participants().insert(p));
    return p;
  }

  private static LedgerEntry entry(Campaign campaign, long participantId, long amount, long balanceAfter,
      String key) {
    return new LedgerEntry(nextId(), campaign.tenantId(), campaign.id(), participantId, LedgerEntryKind.AWARD,
        amount, "purchase", null, key, balanceAfter, T0);
  }
}
