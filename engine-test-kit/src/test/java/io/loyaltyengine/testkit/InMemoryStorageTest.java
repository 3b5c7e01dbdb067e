package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.CampaignStatus;
import io.loyaltyengine.campaign.CampaignVisibility;
import io.loyaltyengine.core.spi.LockedParticipant;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.core.spi.UniqueViolationException;
import io.loyaltyengine.fraud.RiskLevel;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.LedgerEntryKind;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.tenant.TenantType;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The in-memory store held to the storage SPI directly, below the engine: what the contract suite cannot reach
 * through the public API (undo of every kind of write, aborted transactions, confinement of ports).
 */
class InMemoryStorageTest {
  private static final Instant T0 = Instant.parse("2025-01-02T03:04:05.123456789Z");
  private static final long TENANT = 1;
  private static final long OTHER_TENANT = 2;
  private static final long BRAND = 10;
  private static final long CAMPAIGN = 20;
  private static final long OTHER_CAMPAIGN = 21;

  private final InMemoryStorage.Database db = InMemoryStorage.newDatabase();
  private final Storage storage = db.openStorage();

  @AfterEach
  void close() {
    storage.close();
    db.drop();
  }

  // ---------------------------------------------------------------- capabilities

  @Test
  void capabilitiesAreSharedDatabaseOnly() {
    assertEquals(Set.of(StorageCapability.SHARED_DATABASE), storage.capabilities());
    assertEquals(storage.capabilities(), new InMemoryStoreFixture().capabilities());
  }

  @Test
  void hostTransactionsAreRefusedWithIllegalArgument() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> storage.inHostTransaction(new HostTransaction() { }, tx -> null));
    assertTrue(e.getMessage().contains("in-memory store cannot join host transactions"), e.getMessage());
  }

  // ---------------------------------------------------------------- sharing and lifecycle

  @Test
  void storagesOfOneDatabaseSeeEachOthersCommitsAndOtherDatabasesSeeNothing() {
    seed();
    Storage second = db.openStorage();
    assertEquals(Optional.of(tenant(TENANT)), second.inTransaction(tx -> tx.tenants().find(TENANT)));
    try (InMemoryStorage separate = new InMemoryStorage()) {
      assertNotSame(db, separate.database());
      assertEquals(Optional.empty(), separate.inTransaction(tx -> tx.tenants().find(TENANT)));
    }
  }

  @Test
  void closedStorageRefusesWorkWhileOthersOnTheDatabaseGoOn() {
    seed();
    Storage second = db.openStorage();
    second.close();
    second.close();
    assertThrows(IllegalStateException.class, () -> second.inTransaction(tx -> null));
    assertEquals(Optional.of(tenant(TENANT)), storage.inTransaction(tx -> tx.tenants().find(TENANT)));
  }

  @Test
  void droppedDatabaseRefusesWorkFromEveryStorageAndNewStorages() {
    seed();
    db.drop();
    assertThrows(IllegalStateException.class, () -> storage.inTransaction(tx -> null));
    assertThrows(IllegalStateException.class, db::openStorage);
  }

  @Test
  void fixtureStoragesShareItsDatabaseUntilItIsClosed() {
    InMemoryStoreFixture fixture = new InMemoryStoreFixture();
    Storage first = fixture.openStorage();
    first.inTransaction(tx -> {
      tx.tenants().insert(tenant(TENANT));
      return null;
    });
    assertEquals(Optional.of(tenant(TENANT)), fixture.openStorage().inTransaction(tx -> tx.tenants().find(TENANT)));
    fixture.close();
    assertThrows(IllegalStateException.class, fixture::openStorage);
  }

  // ---------------------------------------------------------------- atomicity

  @Test
  void workThatThrowsLeavesNothingOfWhatItWrote() {
    seed();
    insertParticipant(participant(100, CAMPAIGN, "keep@example.com"));
    Object before = everything();
    RuntimeException boom = new RuntimeException("boom");

    RuntimeException thrown = assertThrows(RuntimeException.class, () -> storage.inTransaction(tx -> {
      tx.tenants().insert(tenant(3));
      tx.brands().insert(brand(11, TENANT, "new.example.com"));
      tx.campaigns().insert(campaign(22, TENANT, BRAND));
      tx.campaigns().updateStatus(TENANT, CAMPAIGN, CampaignStatus.IN_PROGRESS, CampaignStatus.PAUSED);
      tx.participants().insert(participant(101, CAMPAIGN, "new@example.com"));
      tx.participants().updateProfile(withEmail(participant(100, CAMPAIGN, "keep@example.com"), "moved@example.com"));
      tx.ledger().credit(TENANT, 100, 50);
      tx.ledger().append(entry(1000, 100, 50, "key-1"));
      tx.ledger().debit(TENANT, 100, 20);
      tx.ledger().deleteAll(TENANT, 100);
      tx.participants().delete(TENANT, 100);
      throw boom;
    }));
    assertSame(boom, thrown, "the work's exception propagates unchanged");
    assertEquals(before, everything());
    assertThrows(UniqueViolationException.class, () -> insertParticipant(participant(102, CAMPAIGN,
        "keep@example.com")), "the undone delete restored the email's unique key");
  }

  @Test
  void undoRestoresUpdatedAndDeletedRowsWithTheirKeys() {
    seed();
    insertParticipant(participant(100, CAMPAIGN, "p@example.com"));
    storage.inTransaction(tx -> {
      tx.ledger().credit(TENANT, 100, 70);
      tx.ledger().append(entry(1000, 100, 70, "order-1"));
      return null;
    });
    Object before = everything();

    assertThrows(IllegalStateException.class, () -> storage.inTransaction(tx -> {
      tx.ledger().deleteAll(TENANT, 100);
      tx.participants().delete(TENANT, 100);
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(before, everything());
    assertThrows(UniqueViolationException.class, () -> storage.inTransaction(tx -> {
      tx.ledger().append(entry(1001, 100, 1, "order-1"));
      return null;
    }), "the restored entry holds its idempotency key again");
  }

  @Test
  void portFailureAbortsTheTransactionLikePostgreSql() {
    seed();
    insertParticipant(participant(100, CAMPAIGN, "taken@example.com"));
    Object before = everything();

    StorageException swallowed = assertThrows(StorageException.class, () -> storage.inTransaction(tx -> {
      tx.tenants().insert(tenant(3));
      try {
        tx.participants().insert(participant(101, CAMPAIGN, "taken@example.com"));
      } catch (UniqueViolationException expected) {
        // A unit of work that swallows a port's failure and goes on is the bug this test is about.
      }
      return "done";
    }));
    assertTrue(swallowed.getMessage().contains("rolled back"), swallowed.getMessage());
    assertEquals(before, everything(), "the tenant written before the failure was rolled back too");

    assertThrows(StorageException.class, () -> storage.inTransaction(tx -> {
      try {
        tx.participants().insert(participant(101, CAMPAIGN, "taken@example.com"));
      } catch (UniqueViolationException expected) {
        // Swallowed on purpose: the next port call must refuse.
      }
      return tx.tenants().find(TENANT);
    }), "a port call after a failure is refused");
  }

  // ---------------------------------------------------------------- unique keys

  @Test
  void brandDomainIsUniquePerTenantAndNullDomainsNeverCollide() {
    seed();
    UniqueViolationException e = assertThrows(UniqueViolationException.class,
        () -> insert(tx -> tx.brands().insert(brand(11, TENANT, "shop.example.com"))));
    assertEquals(UniqueKey.BRAND_DOMAIN, e.key());
    insert(tx -> tx.brands().insert(brand(12, OTHER_TENANT, "shop.example.com")));
    insert(tx -> tx.brands().insert(brand(13, TENANT, null)));
    insert(tx -> tx.brands().insert(brand(14, TENANT, null)));
    assertEquals(List.of(10L, 13L, 14L), storage.inTransaction(tx -> tx.brands().list(TENANT)).stream()
        .map(Brand::id).toList());
  }

  @Test
  void participantEmailIsUniquePerCampaignOnTheSanitizedForm() {
    seed();
    insertParticipant(participant(100, CAMPAIGN, "ann@example.com"));
    UniqueViolationException e = assertThrows(UniqueViolationException.class,
        () -> insertParticipant(participant(101, CAMPAIGN, "ann@example.com")));
    assertEquals(UniqueKey.PARTICIPANT_EMAIL, e.key());
    insertParticipant(participant(102, OTHER_CAMPAIGN, "ann@example.com"));
    insertParticipant(withEmail(participant(103, CAMPAIGN, "x"), null));
    insertParticipant(withEmail(participant(104, CAMPAIGN, "y"), null));
    insertParticipant(participant(105, CAMPAIGN, "bob@example.com"));

    assertEquals(UniqueKey.PARTICIPANT_EMAIL, assertThrows(UniqueViolationException.class,
        () -> insert(tx -> tx.participants().updateProfile(withEmail(participant(105, CAMPAIGN, "b"),
            "ann@example.com")))).key());
    insert(tx -> tx.participants().updateProfile(withEmail(participant(105, CAMPAIGN, "b"), "bob@example.com")));
    insert(tx -> tx.participants().updateProfile(withEmail(participant(100, CAMPAIGN, "a"), "ann2@example.com")));
    insertParticipant(participant(106, CAMPAIGN, "ann@example.com"));
    assertEquals(Optional.of(106L), storage.inTransaction(tx -> tx.participants()
        .findByEmail(TENANT, CAMPAIGN, "ann@example.com")).map(Participant::id), "a changed email frees the old one");
  }

  @Test
  void idempotencyKeyIsUniquePerTenantAndNullKeysNeverCollide() {
    seed();
    insertParticipant(participant(100, CAMPAIGN, "a@example.com"));
    insertParticipant(participant(200, 30, "b@example.com"));
    insert(tx -> tx.ledger().append(entry(1000, 100, 5, "k")));
    assertEquals(UniqueKey.LEDGER_IDEMPOTENCY_KEY, assertThrows(UniqueViolationException.class,
        () -> insert(tx -> tx.ledger().append(entry(1001, 100, 5, "k")))).key());
    insert(tx -> tx.ledger().append(otherTenantEntry(1002, 200, "k")));
    insert(tx -> tx.ledger().append(entry(1003, 100, 5, null)));
    insert(tx -> tx.ledger().append(entry(1004, 100, 5, null)));
    assertEquals(Optional.of(1000L), storage.inTransaction(tx -> tx.ledger().findByIdempotencyKey(TENANT, "k"))
        .map(LedgerEntry::id));
    assertEquals(Optional.of(1002L), storage.inTransaction(tx -> tx.ledger().findByIdempotencyKey(OTHER_TENANT, "k"))
        .map(LedgerEntry::id));
  }

  @Test
  void duplicateIdsAndMissingParentsAreRefusedAsKeysWouldInSql() {
    seed();
    insertParticipant(participant(100, CAMPAIGN, "a@example.com"));
    assertThrows(StorageException.class, () -> insert(tx -> tx.tenants().insert(tenant(TENANT))));
    assertThrows(StorageException.class, () -> insert(tx -> tx.brands().insert(brand(BRAND, TENANT, "x.example"))));
    assertThrows(StorageException.class, () -> insert(tx -> tx.brands().insert(brand(11, 99, "x.example"))));
    assertThrows(StorageException.class, () -> insert(tx -> tx.campaigns().insert(campaign(22, OTHER_TENANT, BRAND))));
    assertThrows(StorageException.class, () -> insertParticipant(participant(100, CAMPAIGN, "b@example.com")));
    assertThrows(StorageException.class, () -> insertParticipant(participant(101, 999, "b@example.com")));
    insert(tx -> tx.ledger().append(entry(1000, 100, 1, null)));
    assertThrows(StorageException.class, () -> insert(tx -> tx.ledger().append(entry(1000, 100, 1, null))));
    assertThrows(StorageException.class, () -> insert(tx -> tx.ledger().append(entry(1001, 999, 1, null))));
  }

  // ---------------------------------------------------------------- balances

  @Test
  void creditAddsToBalanceAndLifetimeUnlessEitherWouldOverflow() {
    seed();
    insertParticipant(participant(100, CAMPAIGN, "a@example.com"));
    assertEquals(Optional.of(List.of((long) CAMPAIGN, 30L, 30L)),
        tx(t -> t.ledger().credit(TENANT, 100, 30)).map(InMemoryStorageTest::totals));
    assertEquals(Optional.of(List.of((long) CAMPAIGN, 20L, 30L)),
        tx(t -> t.ledger().debit(TENANT, 100, 10)).map(InMemoryStorageTest::totals));
    assertEquals(Optional.empty(),
        tx(t -> t.ledger().credit(TENANT, 100, Long.MAX_VALUE - 29)),
        "lifetime points would overflow");
    assertEquals(Optional.of(List.of((long) CAMPAIGN, Long.MAX_VALUE - 10, Long.MAX_VALUE)),
        tx(t -> t.ledger().credit(TENANT, 100, Long.MAX_VALUE - 30)).map(InMemoryStorageTest::totals));
    assertEquals(Optional.empty(),
        tx(t -> t.ledger().credit(TENANT, 100, 1)));
    Participant p = tx(t -> t.participants().find(TENANT, 100)).orElseThrow();
    assertEquals(Long.MAX_VALUE - 10, p.pointsBalance());
    assertEquals(T0, p.updatedAt(), "a balance change is not a profile change");
  }

  @Test
  void debitSubtractsOnlyWhenTheBalanceSuffices() {
    seed();
    insertParticipant(participant(100, CAMPAIGN, "a@example.com"));
    tx(t -> t.ledger().credit(TENANT, 100, 10));
    assertEquals(Optional.empty(),
        tx(t -> t.ledger().debit(TENANT, 100, 11)));
    assertEquals(Optional.of(List.of((long) CAMPAIGN, 0L, 10L)),
        tx(t -> t.ledger().debit(TENANT, 100, 10)).map(InMemoryStorageTest::totals));
    assertEquals(Optional.empty(),
        tx(t -> t.ledger().debit(TENANT, 100, 1)));
    assertEquals(Optional.empty(),
        tx(t -> t.ledger().debit(TENANT, 999, 1)), "unknown participant");
    assertEquals(Optional.empty(),
        tx(t -> t.ledger().credit(OTHER_TENANT, 100, 1)), "another tenant's participant");
  }

  @Test
  void nonPositiveAmountsAreRefusedAsEngineBugs() {
    seed();
    insertParticipant(participant(100, CAMPAIGN, "a@example.com"));
    assertThrows(IllegalArgumentException.class, () -> tx(t -> t.ledger().credit(TENANT, 100, 0)));
    assertThrows(IllegalArgumentException.class, () -> tx(t -> t.ledger().debit(TENANT, 100, -5)));
  }

  // ---------------------------------------------------------------- reads

  @Test
  void everyReadIsConfinedToItsTenant() {
    seed();
    insertParticipant(participant(100, CAMPAIGN, "a@example.com"));
    insert(tx -> tx.ledger().append(entry(1000, 100, 5, "k")));
    storage.inTransaction(tx -> {
      assertEquals(Optional.empty(), tx.brands().find(OTHER_TENANT, BRAND));
      assertEquals(List.of(15L), tx.brands().list(OTHER_TENANT).stream().map(Brand::id).toList());
      assertEquals(Optional.empty(), tx.campaigns().find(OTHER_TENANT, CAMPAIGN));
      assertEquals(List.of(), tx.campaigns().listByBrand(OTHER_TENANT, BRAND));
      assertFalse(tx.campaigns().updateStatus(OTHER_TENANT, CAMPAIGN, CampaignStatus.IN_PROGRESS,
          CampaignStatus.ENDED));
      assertEquals(Optional.empty(), tx.participants().find(OTHER_TENANT, 100));
      assertEquals(Optional.empty(), tx.participants().lock(OTHER_TENANT, 100));
      assertEquals(Optional.empty(), tx.participants().findByEmail(OTHER_TENANT, CAMPAIGN, "a@example.com"));
      assertEquals(List.of(), tx.participants().list(OTHER_TENANT, CAMPAIGN, null, null, null, 10));
      assertEquals(List.of(), tx.participants().page(OTHER_TENANT, CAMPAIGN, null, null, 0, 10));
      assertEquals(0, tx.participants().count(OTHER_TENANT, CAMPAIGN, null, null));
      assertEquals(List.of(), tx.ledger().history(OTHER_TENANT, 100, null, 10));
      assertEquals(Optional.empty(), tx.ledger().findByIdempotencyKey(OTHER_TENANT, "k"));
      tx.ledger().deleteAll(OTHER_TENANT, 100);
      assertFalse(tx.participants().delete(OTHER_TENANT, 100));
      tx.participants().updateProfile(new Participant(100, OTHER_TENANT, CAMPAIGN, "m@example.com",
          "m@example.com", "Mallory", null, null, null, Map.of(), 0, 0, T0, T0, null, null));
      return null;
    });
    Participant p = tx(t -> t.participants().find(TENANT, 100)).orElseThrow();
    assertEquals("a@example.com", p.email(), "another tenant's update matched no row");
    assertEquals(1, tx(t -> t.ledger().history(TENANT, 100, null, 10)).size());
  }

  @Test
  void campaignStatusIsCompareAndSet() {
    seed();
    boolean fromDraft = tx(t -> t.campaigns().updateStatus(TENANT, CAMPAIGN, CampaignStatus.DRAFT,
        CampaignStatus.ENDED));
    boolean fromInProgress = tx(t -> t.campaigns().updateStatus(TENANT, CAMPAIGN, CampaignStatus.IN_PROGRESS,
        CampaignStatus.PAUSED));
    assertFalse(fromDraft, "the campaign is not a draft");
    assertTrue(fromInProgress);
    assertEquals(CampaignStatus.PAUSED, tx(t -> t.campaigns().find(TENANT, CAMPAIGN)).orElseThrow().status());
    assertEquals(CampaignStatus.PAUSED, tx(t -> t.campaigns().listByBrand(TENANT, BRAND)).get(0).status());
  }

  @Test
  void searchIsAPlainSubstringOfTheSearchTextAndTierIsExact() {
    seed();
    insertParticipant(named(100, "pct@example.com", "100%", "Pure", "gold"));
    insertParticipant(named(101, "hundred@example.com", "100x", "Pure", "Gold"));
    insertParticipant(named(102, "under@example.com", "a_b", "Ünal", null));
    insertParticipant(named(103, "axb@example.com", "axb", "Other", "gold"));
    storage.inTransaction(tx -> {
      assertEquals(List.of(100L), ids(tx.participants().list(TENANT, CAMPAIGN, "%", null, null, 10)));
      assertEquals(List.of(102L), ids(tx.participants().list(TENANT, CAMPAIGN, "_", null, null, 10)));
      assertEquals(List.of(102L), ids(tx.participants().list(TENANT, CAMPAIGN, "ünal", null, null, 10)));
      assertEquals(List.of(), ids(tx.participants().list(TENANT, CAMPAIGN, "Pure", null, null, 10)),
          "the port receives normalized (lower-case) search text and matches it as given");
      assertEquals(List.of(100L, 101L), ids(tx.participants().list(TENANT, CAMPAIGN, "pure", null, null, 10)));
      assertEquals(List.of(100L, 103L), ids(tx.participants().list(TENANT, CAMPAIGN, null, "gold", null, 10)));
      assertEquals(List.of(103L), ids(tx.participants().list(TENANT, CAMPAIGN, null, "gold", 100L, 10)));
      assertEquals(List.of(101L, 102L), ids(tx.participants().list(TENANT, CAMPAIGN, null, null, 100L, 2)));
      assertEquals(List.of(102L, 103L), ids(tx.participants().page(TENANT, CAMPAIGN, null, null, 2, 5)));
      assertEquals(2, tx.participants().count(TENANT, CAMPAIGN, "pure", null));
      assertEquals(1, tx.participants().count(TENANT, CAMPAIGN, "pure", "gold"));
      assertEquals(List.of(), ids(tx.participants().list(TENANT, CAMPAIGN, "pure\nother", null, null, 10)));
      return null;
    });
  }

  @Test
  void historyIsNewestFirstBeforeTheCursorAndDeleteAllFreesKeys() {
    seed();
    insertParticipant(participant(100, CAMPAIGN, "a@example.com"));
    insertParticipant(participant(101, CAMPAIGN, "b@example.com"));
    for (long id = 1000; id < 1005; id++) {
      long entryId = id;
      insert(tx -> tx.ledger().append(entry(entryId, 100, 1, "k" + entryId)));
    }
    insert(tx -> tx.ledger().append(entry(2000, 101, 1, "other")));
    assertEquals(List.of(1004L, 1003L), entryIds(tx(t -> t.ledger().history(TENANT, 100, null, 2))));
    assertEquals(List.of(1002L, 1001L), entryIds(tx(t -> t.ledger().history(TENANT, 100, 1003L, 2))));
    assertEquals(List.of(1000L), entryIds(tx(t -> t.ledger().history(TENANT, 100, 1001L, 2))));

    insert(tx -> tx.ledger().deleteAll(TENANT, 100));
    assertEquals(List.of(),
        tx(t -> t.ledger().history(TENANT, 100, null, 10)));
    assertEquals(Optional.empty(),
        tx(t -> t.ledger().findByIdempotencyKey(TENANT, "k1000")));
    assertEquals(List.of(2000L), entryIds(tx(t -> t.ledger().history(TENANT, 101, null, 10))));
    insert(tx -> tx.ledger().append(entry(1005, 101, 1, "k1000")));
  }

  @Test
  void instantsMetadataAndTextAreKeptExactlyAsGiven() {
    seed();
    Participant p = new Participant(100, TENANT, CAMPAIGN, "Émile@Example.com", "émile@example.com",
        "Robert'); DROP TABLE participant;--", "😀", "::1", "gold", Map.of("n", 1L, "d", 2.5, "b", true, "s", ""),
        0, 0, T0, T0.plusNanos(1), RiskLevel.MEDIUM, "SHARED_IP");
    insertParticipant(p);
    assertEquals(Optional.of(p), tx(t -> t.participants().find(TENANT, 100)));
  }

  // ---------------------------------------------------------------- confinement and serialization

  @Test
  void portsAreValidOnlyWhileTheirUnitOfWorkRunsAndOnItsThread() throws Exception {
    seed();
    AtomicReference<Transaction> escaped = new AtomicReference<>();
    storage.inTransaction(tx -> {
      escaped.set(tx);
      ExecutorService other = Executors.newSingleThreadExecutor();
      try {
        Future<?> fromOtherThread = other.submit(() -> tx.tenants().find(TENANT));
        Exception e = assertThrows(Exception.class, () -> fromOtherThread.get(1, TimeUnit.MINUTES));
        assertTrue(e.getCause() instanceof IllegalStateException, String.valueOf(e.getCause()));
      } finally {
        other.shutdownNow();
      }
      return null;
    });
    assertThrows(IllegalStateException.class, () -> escaped.get().tenants().find(TENANT));
  }

  @Test
  void nestedTransactionOnOneThreadIsRefused() {
    assertThrows(IllegalStateException.class, () -> storage.inTransaction(tx ->
        db.openStorage().inTransaction(inner -> null)));
  }

  @Test
  void transactionsAreSerializedSoReadModifyWriteLosesNothing() throws Exception {
    seed();
    insertParticipant(named(100, "count@example.com", null, null, "0"));
    int threads = 8;
    int perThread = 250;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    try {
      for (int i = 0; i < threads; i++) {
        Storage own = db.openStorage();
        futures.add(pool.submit(() -> {
          start.await();
          for (int n = 0; n < perThread; n++) {
            // A read-modify-write of the tier: safe only because the whole unit of work holds the lock.
            own.inTransaction(tx -> {
              Participant p = tx.participants().lock(TENANT, 100).orElseThrow();
              tx.participants().updateProfile(new Participant(p.id(), p.tenantId(), p.campaignId(), p.email(),
                  p.sanitizedEmail(), null, null, null, String.valueOf(Integer.parseInt(p.tier()) + 1), Map.of(),
                  0, 0, p.createdAt(), p.updatedAt(), p.riskLevel(), p.riskReason()));
              return null;
            });
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(5, TimeUnit.MINUTES); // a bound against a hang, not a timing assertion
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(String.valueOf(threads * perThread), tx(t -> t.participants().find(TENANT, 100)).orElseThrow()
        .tier());
  }

  // ---------------------------------------------------------------- helpers

  private void seed() {
    storage.inTransaction(tx -> {
      tx.tenants().insert(tenant(TENANT));
      tx.tenants().insert(tenant(OTHER_TENANT));
      tx.brands().insert(brand(BRAND, TENANT, "shop.example.com"));
      tx.brands().insert(brand(15, OTHER_TENANT, "other.example.com"));
      tx.campaigns().insert(campaign(CAMPAIGN, TENANT, BRAND));
      tx.campaigns().insert(campaign(OTHER_CAMPAIGN, TENANT, BRAND));
      tx.campaigns().insert(campaign(30, OTHER_TENANT, 15));
      return null;
    });
  }

  /** Every row the tests touch, read in one transaction. */
  private Object everything() {
    return storage.inTransaction(tx -> List.of(
        List.of(tx.tenants().find(TENANT), tx.tenants().find(OTHER_TENANT), tx.tenants().find(3)),
        tx.brands().list(TENANT), tx.campaigns().listByBrand(TENANT, BRAND),
        tx.participants().list(TENANT, CAMPAIGN, null, null, null, 100),
        tx.ledger().history(TENANT, 100, null, 100), tx.ledger().findByIdempotencyKey(TENANT, "key-1"),
        tx.ledger().findByIdempotencyKey(TENANT, "order-1"),
        tx.participants().findByEmail(TENANT, CAMPAIGN, "moved@example.com")));
  }

  private <T> T tx(java.util.function.Function<Transaction, T> work) {
    return storage.inTransaction(work::apply);
  }

  private void insert(java.util.function.Consumer<Transaction> work) {
    storage.inTransaction(tx -> {
      work.accept(tx);
      return null;
    });
  }

  private void insertParticipant(Participant p) {
    insert(tx -> tx.participants().insert(p));
  }

  private static List<Long> ids(List<Participant> participants) {
    return participants.stream().map(Participant::id).toList();
  }

  private static List<Long> entryIds(List<LedgerEntry> entries) {
    return entries.stream().map(LedgerEntry::id).toList();
  }

  private static Tenant tenant(long id) {
    return new Tenant(id, "Tenant " + id, TenantType.BUSINESS, T0);
  }

  private static Brand brand(long id, long tenantId, String domain) {
    return new Brand(id, tenantId, "Brand " + id, domain, T0);
  }

  private static Campaign campaign(long id, long tenantId, long brandId) {
    return new Campaign(id, tenantId, brandId, "Campaign " + id, CampaignStatus.IN_PROGRESS,
        CampaignVisibility.PUBLIC, ZoneOffset.UTC, T0);
  }

  private static Participant participant(long id, long campaignId, String email) {
    long tenantId = campaignId == 30 ? OTHER_TENANT : TENANT;
    return new Participant(id, tenantId, campaignId, email, email, null, null, null, null, Map.of(), 0, 0, T0, T0,
        null, null);
  }

  private static Participant named(long id, String email, String first, String last, String tier) {
    return new Participant(id, TENANT, CAMPAIGN, email, email, first, last, null, tier, Map.of(), 0, 0, T0, T0,
        null, null);
  }

  private static Participant withEmail(Participant p, String email) {
    return new Participant(p.id(), p.tenantId(), p.campaignId(), email, email, p.firstName(), p.lastName(),
        p.ipAddress(), p.tier(), p.metadata(), p.pointsBalance(), p.lifetimePoints(), p.createdAt(), p.updatedAt(),
        p.riskLevel(), p.riskReason());
  }

  private static LedgerEntry entry(long id, long participantId, long amount, String key) {
    return new LedgerEntry(id, TENANT, CAMPAIGN, participantId, LedgerEntryKind.AWARD, amount, "purchase", null,
        key, amount, T0);
  }

  private static LedgerEntry otherTenantEntry(long id, long participantId, String key) {
    return new LedgerEntry(id, OTHER_TENANT, 30, participantId, LedgerEntryKind.AWARD, 1, "purchase", null, key, 1,
        T0);
  }

  /** Campaign, balance and lifetime points of a changed row. */
  private static List<Long> totals(LockedParticipant row) {
    return List.of(row.campaignId(), row.balance(), row.lifetimePoints());
  }
}
