package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.CampaignStatus;
import io.loyaltyengine.campaign.CampaignVisibility;
import io.loyaltyengine.core.participant.ParticipantSearch;
import io.loyaltyengine.core.spi.LockedParticipant;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.core.spi.TransientStorageException;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.core.spi.UniqueViolationException;
import io.loyaltyengine.fraud.RiskLevel;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.LedgerEntryKind;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.tenant.TenantType;
import io.loyaltyengine.testkit.StoreFixture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the JDBC storage must do beyond the storage contract suite, on each database: values (SQL-looking text,
 * emoji, odd Unicode, metadata numbers, instants) survive the round trip verbatim whatever the JVM's and the session's
 * time zones; failures are classified by SQLState and reported without personal data; host transactions keep the
 * host's work when an engine operation fails.
 */
abstract class JdbcStorageTestBase {
  private static final AtomicLong IDS = new AtomicLong(1_000);
  private static final Instant NOW = Instant.parse("2024-03-31T01:59:59.123456Z");

  JdbcFixture fixture;
  Storage storage;

  abstract JdbcFixture createFixture();

  @BeforeEach
  void open() {
    fixture = createFixture();
    storage = fixture.openStorage();
  }

  @AfterEach
  void close() {
    storage.close();
    fixture.close();
  }

  static long nextId() {
    return IDS.incrementAndGet();
  }

  Tenant tenant() {
    Tenant tenant = new Tenant(nextId(), "Acme", TenantType.BUSINESS, NOW);
    storage.inTransaction(tx -> {
      tx.tenants().insert(tenant);
      return null;
    });
    return tenant;
  }

  Campaign campaign(long tenantId) {
    Brand brand = new Brand(nextId(), tenantId, "Shop", "shop" + nextId() + ".example.com", NOW);
    Campaign campaign = new Campaign(nextId(), tenantId, brand.id(), "Spring", CampaignStatus.IN_PROGRESS,
        CampaignVisibility.PUBLIC, ZoneId.of("Asia/Kathmandu"), NOW);
    storage.inTransaction(tx -> {
      tx.brands().insert(brand);
      tx.campaigns().insert(campaign);
      return null;
    });
    return campaign;
  }

  static Participant participant(Campaign campaign, String email, String first, String last, long balance) {
    return new Participant(nextId(), campaign.tenantId(), campaign.id(), email, email.toLowerCase(), first, last,
        null, null, Map.of(), balance, balance, NOW, NOW, null, null);
  }

  Participant insert(Participant participant) {
    storage.inTransaction(tx -> {
      tx.participants().insert(participant);
      return null;
    });
    return participant;
  }

  long count(long tenantId, long campaignId, String search, String tier) {
    return storage.inTransaction(tx -> tx.participants().count(tenantId, campaignId, search, tier));
  }

  Optional<Participant> find(Participant p) {
    return storage.inTransaction(tx -> tx.participants().find(p.tenantId(), p.id()));
  }

  @Test
  void everyEntityReadsBackAsWritten() {
    Tenant tenant = tenant();
    Campaign campaign = campaign(tenant.id());
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("visits", 42L);
    metadata.put("big", Long.MAX_VALUE);
    metadata.put("negative", Long.MIN_VALUE);
    metadata.put("score", 1.0);
    metadata.put("ratio", 0.1);
    metadata.put("huge", 1.0e300);
    metadata.put("tiny", -4.9e-324);
    metadata.put("minusZero", -0.0);
    metadata.put("vip", true);
    metadata.put("churned", false);
    metadata.put("color", "blue");
    metadata.put("empty", "");
    Participant p = new Participant(nextId(), tenant.id(), campaign.id(), "Ann@Example.com", "ann@example.com",
        "Ann", "Lee", "2001:db8::1", "gold", metadata, 10, 25, NOW, NOW.plusMillis(1), RiskLevel.HIGH, "VELOCITY");
    insert(p);
    LedgerEntry entry = new LedgerEntry(nextId(), tenant.id(), campaign.id(), p.id(), LedgerEntryKind.AWARD, 10,
        "purchase", null, null, 10, NOW);
    LedgerEntry capped = new LedgerEntry(nextId(), tenant.id(), campaign.id(), p.id(), LedgerEntryKind.DEDUCT, 10,
        "refund", null, "refund-1", 0, NOW, 40L);
    storage.inTransaction(tx -> {
      tx.ledger().append(entry);
      tx.ledger().append(capped);
      return null;
    });

    assertEquals(Optional.of(tenant), storage.inTransaction(tx -> tx.tenants().find(tenant.id())));
    assertEquals(Optional.of(campaign), storage.inTransaction(tx -> tx.campaigns().find(tenant.id(), campaign.id())));
    Participant read = find(p).orElseThrow();
    assertEquals(p, read);
    read.metadata().forEach((key, value) -> assertSame(metadata.get(key).getClass(), value.getClass(), key));
    assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits((Double) read.metadata().get("minusZero")));
    assertEquals(List.of(capped, entry),
        storage.inTransaction(tx -> tx.ledger().history(tenant.id(), p.id(), null, 10)));
  }

  @Test
  void riskIsWrittenByInsertAndSetRiskButNeverByAProfileUpdate() {
    Tenant tenant = tenant();
    Campaign campaign = campaign(tenant.id());
    Participant ann = insert(participant(campaign, "ann@example.com", "Ann", null, 0));
    assertEquals(null, find(ann).orElseThrow().riskLevel());

    assertTrue(setRisk(tenant.id(), ann.id(), RiskLevel.MEDIUM, "SHARED_IP"));
    Participant screened = find(ann).orElseThrow();
    assertEquals(RiskLevel.MEDIUM, screened.riskLevel());
    assertEquals("SHARED_IP", screened.riskReason());
    assertEquals(ann.pointsBalance(), screened.pointsBalance());
    assertEquals(ann.firstName(), screened.firstName());

    storage.inTransaction(tx -> {
      tx.participants().updateProfile(new Participant(ann.id(), tenant.id(), campaign.id(), ann.email(),
          ann.sanitizedEmail(), "Annie", null, null, null, Map.of(), 0, 0, NOW, NOW.plusSeconds(1), RiskLevel.LOW,
          "NO_SIGNAL"));
      return null;
    });
    Participant updated = find(ann).orElseThrow();
    assertEquals("Annie", updated.firstName());
    assertEquals(RiskLevel.MEDIUM, updated.riskLevel(), "a profile update leaves the risk alone");
    assertEquals("SHARED_IP", updated.riskReason());

    assertFalse(setRisk(tenant.id(), nextId(), RiskLevel.HIGH, "X"));
    assertFalse(setRisk(nextId(), ann.id(), RiskLevel.HIGH, "X"), "another tenant's participant is not touched");
    assertEquals(RiskLevel.MEDIUM, find(ann).orElseThrow().riskLevel());
  }

  boolean setRisk(long tenantId, long participantId, RiskLevel level, String reason) {
    return storage.inTransaction(tx -> tx.participants().setRisk(tenantId, participantId, level, reason));
  }

  @Test
  void instantsAreExactWhateverTheJvmAndSessionZones() throws SQLException {
    Instant withNanos = Instant.parse("2023-10-29T00:59:59.999999999Z");
    Tenant tenant = new Tenant(nextId(), "Zones", TenantType.MEMBER, withNanos);
    storage.inTransaction(tx -> {
      tx.tenants().insert(tenant);
      return null;
    });
    Instant expected = Instant.parse("2023-10-29T00:59:59.999999Z");
    assertEquals(expected, storage.inTransaction(tx -> tx.tenants().find(tenant.id())).orElseThrow().createdAt());
    // Checked by the database itself as well, so that a shift on write undone by the same shift on read shows.
    try (Connection connection = fixture.connect();
        PreparedStatement query = connection.prepareStatement(
            "SELECT EXTRACT(EPOCH FROM created_at) FROM tenant WHERE tenant_id = ?")) {
      query.setLong(1, tenant.id());
      try (ResultSet rs = query.executeQuery()) {
        assertTrue(rs.next());
        assertEquals(expected.getEpochSecond() * 1_000_000L + expected.getNano() / 1_000,
            rs.getBigDecimal(1).movePointRight(6).longValueExact());
      }
    }
  }

  @Test
  void sqlLookingTextEmojiAndOddUnicodeAreStoredVerbatim() {
    List<String> texts = List.of("'; DROP TABLE participant; --", "Robert'); DROP TABLE tenant;--",
        "\" OR \"1\"=\"1", "🎉👩‍👩‍👧 party", "e\u0301 vs \u00e9", "\u202Eevil\u202C", "zero\u200Bwidth",
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "日本語のテキスト", "NULL", "back\\slash \\' \\\\", "50% _off_", "$1 :name ? ?? {}");
    Tenant tenant = tenant();
    Campaign campaign = campaign(tenant.id());
    List<Participant> written = new ArrayList<>();
    for (String text : texts) {
      Map<String, Object> metadata = Map.of(text, text, "k", text);
      Participant p = new Participant(nextId(), tenant.id(), campaign.id(), "x" + written.size() + "@example.com",
          "x" + written.size() + "@example.com", text, text, null, text, metadata, 0, 0, NOW, NOW, null, null);
      written.add(insert(p));
    }
    for (Participant p : written) {
      assertEquals(Optional.of(p), find(p));
      assertEquals(1L, count(tenant.id(), campaign.id(), null,
          p.tier()), "tier " + p.tier());
    }
    String key = "'; DROP TABLE ledger_entry; --";
    LedgerEntry entry = new LedgerEntry(nextId(), tenant.id(), campaign.id(), written.get(0).id(),
        LedgerEntryKind.AWARD, 1, "type'--", texts.get(3), key, 1, NOW);
    storage.inTransaction(tx -> {
      tx.ledger().append(entry);
      return null;
    });
    assertEquals(Optional.of(entry), storage.inTransaction(tx -> tx.ledger().findByIdempotencyKey(tenant.id(), key)));
    assertEquals((long) texts.size(), count(tenant.id(), campaign.id(), null,
        null));
  }

  @Test
  void searchIsAPlainCaseInsensitiveSubstringMatch() {
    Tenant tenant = tenant();
    Campaign campaign = campaign(tenant.id());
    Participant percent = insert(participant(campaign, "a@example.com", "50% Off", null, 0));
    insert(participant(campaign, "b@example.com", "50x Off", null, 0));
    Participant underscore = insert(participant(campaign, "c@example.com", "under_score", null, 0));
    insert(participant(campaign, "d@example.com", "underXscore", null, 0));
    Participant backslash = insert(participant(campaign, "e@example.com", "back\\slash", null, 0));
    insert(participant(campaign, "f@example.com", "backXslash", null, 0));

    assertEquals(List.of(percent), search(campaign, "50%"));
    assertEquals(List.of(underscore), search(campaign, "r_s"));
    assertEquals(List.of(backslash), search(campaign, "k\\s"));
    assertEquals(2, search(campaign, ParticipantSearch.normalize("OFF")).size());
    Participant annLee = insert(participant(campaign, "g@example.com", "Ann", "Lee", 0));
    // The fields are joined with a separator, so a search never matches across two of them.
    assertEquals(List.of(), search(campaign, "annlee"));
    assertEquals(List.of(annLee), search(campaign, "ann"));
    assertEquals(7, search(campaign, "example.com").size());
  }

  /**
   * Search texts were stored lower-cased but not normalized to one Unicode spelling: a name given decomposed (an
   * "e" and U+0301 for "é") was stored so, and no migration can normalize it (H2 has no SQL function for it). Such a
   * row must still be found by a search typed composed, as the service normalizes every search (NFC).
   */
  @Test
  void aSearchTextStoredDecomposedIsFoundByAComposedSearch() throws SQLException {
    Tenant tenant = tenant();
    Campaign campaign = campaign(tenant.id());
    Participant jose = insert(participant(campaign, "jose@example.com", "Jose\u0301", "Nu\u0301n\u0303ez", 0));
    Participant other = insert(participant(campaign, "other@example.com", "Josef", null, 0));
    try (Connection c = fixture.connect();
        PreparedStatement s = c.prepareStatement("UPDATE participant SET search_text = ? WHERE participant_id = ?")) {
      s.setString(1, "jose\u0301\nnu\u0301n\u0303ez\njose@example.com");
      s.setLong(2, jose.id());
      assertEquals(1, s.executeUpdate());
    }
    assertEquals(List.of(jose), search(campaign, ParticipantSearch.normalize("JOS\u00C9")));
    assertEquals(List.of(jose), search(campaign, ParticipantSearch.normalize("n\u00FA\u00F1ez")));
    assertEquals(List.of(jose, other), search(campaign, ParticipantSearch.normalize("jos")));
    assertEquals(1L, count(tenant.id(), campaign.id(), ParticipantSearch.normalize("Jos\u00E9"), null));
  }

  private List<Participant> search(Campaign campaign, String text) {
    return storage.inTransaction(tx -> tx.participants().list(campaign.tenantId(), campaign.id(), text, null, null,
        100));
  }

  @Test
  void listPageAndCountFilterByTierAndPage() {
    Tenant tenant = tenant();
    Campaign campaign = campaign(tenant.id());
    Campaign other = campaign(tenant.id());
    List<Participant> gold = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Participant p = participant(campaign, "g" + i + "@example.com", "Gold" + i, null, 0);
      gold.add(insert(new Participant(p.id(), p.tenantId(), p.campaignId(), p.email(), p.sanitizedEmail(),
          p.firstName(), null, null, "gold", Map.of(), 0, 0, NOW, NOW, p.riskLevel(), p.riskReason())));
      insert(participant(campaign, "s" + i + "@example.com", "Silver" + i, null, 0));
    }
    insert(participant(other, "g0@example.com", "Elsewhere", null, 0));
    long t = tenant.id();
    long c = campaign.id();
    assertEquals(10L, count(t, c, null, null));
    assertEquals(5L, count(t, c, null, "gold"));
    assertEquals(gold.subList(0, 2), storage.inTransaction(tx -> tx.participants().list(t, c, null, "gold", null, 2)));
    assertEquals(gold.subList(2, 4), storage.inTransaction(tx -> tx.participants().list(t, c, null, "gold",
        gold.get(1).id(), 2)));
    assertEquals(gold.subList(4, 5), storage.inTransaction(tx -> tx.participants().page(t, c, "gold", "gold", 4, 3)));
    assertEquals(0L, count(t + 1, c, null, null));
  }

  @Test
  void creditAndDebitAreBoundedConditionalUpdates() {
    Tenant tenant = tenant();
    Campaign campaign = campaign(tenant.id());
    Participant nearMax = insert(participant(campaign, "max@example.com", null, null, Long.MAX_VALUE - 5));
    long t = tenant.id();
    // Each change also takes the participant's next event sequence number.
    assertEquals(Optional.of(List.of(campaign.id(), Long.MAX_VALUE, Long.MAX_VALUE, 1L)),
        storage.inTransaction(tx -> tx.ledger().credit(t, nearMax.id(), 5)).map(JdbcStorageTestBase::totals));
    assertEquals(Optional.empty(), storage.inTransaction(tx -> tx.ledger().credit(t, nearMax.id(), 1)));

    Participant p = insert(participant(campaign, "p@example.com", null, null, 10));
    assertEquals(Optional.empty(), storage.inTransaction(tx -> tx.ledger().debit(t, p.id(), 11)));
    assertEquals(Optional.of(List.of(campaign.id(), 0L, 10L, 1L)),
        storage.inTransaction(tx -> tx.ledger().debit(t, p.id(), 10)).map(JdbcStorageTestBase::totals));
    assertEquals(Optional.of(List.of(campaign.id(), 7L, 17L, 2L)),
        storage.inTransaction(tx -> tx.ledger().credit(t, p.id(), 7)).map(JdbcStorageTestBase::totals));
    // Lifetime points bound the credit even when the balance has room.
    assertEquals(Optional.of(List.of(campaign.id(), 0L, 17L, 3L)),
        storage.inTransaction(tx -> tx.ledger().debit(t, p.id(), 7)).map(JdbcStorageTestBase::totals));
    assertEquals(p.email(), storage.inTransaction(tx -> tx.ledger().credit(t, p.id(), 1)).orElseThrow()
        .participant().email(), "the change returns the participant's whole row");
    assertEquals(Optional.empty(), storage.inTransaction(tx -> tx.ledger().credit(t, p.id(), Long.MAX_VALUE - 16)));
    assertEquals(Optional.empty(), storage.inTransaction(tx -> tx.ledger().credit(t + 1, p.id(), 1)));
    assertEquals(Optional.empty(), storage.inTransaction(tx -> tx.ledger().debit(t, nextId(), 1)));
  }

  @Test
  void uniqueViolationsNameTheirKeyAndRollBackTheUnitOfWork() {
    Tenant tenant = tenant();
    Campaign campaign = campaign(tenant.id());
    long t = tenant.id();
    Brand first = new Brand(nextId(), t, "One", "one.example.com", NOW);
    storage.inTransaction(tx -> {
      tx.brands().insert(first);
      return null;
    });
    Brand sneaky = new Brand(nextId(), t, "Sneaky", "sneaky.example.com", NOW);
    UniqueViolationException brand = assertThrows(UniqueViolationException.class, () -> storage.inTransaction(tx -> {
      tx.brands().insert(sneaky);
      tx.brands().insert(new Brand(nextId(), t, "Two", "one.example.com", NOW));
      return null;
    }));
    assertEquals(UniqueKey.BRAND_DOMAIN, brand.key());
    assertEquals(Optional.empty(), storage.inTransaction(tx -> tx.brands().find(t, sneaky.id())));

    Participant ann = insert(participant(campaign, "ann@example.com", "Ann", null, 0));
    UniqueViolationException email = assertThrows(UniqueViolationException.class,
        () -> insert(participant(campaign, "ann@example.com", "Other", null, 0)));
    assertEquals(UniqueKey.PARTICIPANT_EMAIL, email.key());
    assertPrintsNone(email, "ann@");
    insert(participant(campaign(t), "ann@example.com", "Ann elsewhere", null, 0));
    Participant bob = insert(participant(campaign, "bob@example.com", "Bob", null, 0));
    UniqueViolationException update = assertThrows(UniqueViolationException.class, () -> storage.inTransaction(tx -> {
      tx.participants().updateProfile(new Participant(bob.id(), t, campaign.id(), ann.email(), ann.sanitizedEmail(),
          "Bob", null, null, null, Map.of(), 0, 0, NOW, NOW, bob.riskLevel(), bob.riskReason()));
      return null;
    }));
    assertEquals(UniqueKey.PARTICIPANT_EMAIL, update.key());
    assertPrintsNone(update, "ann@");

    storage.inTransaction(tx -> {
      tx.ledger().append(entry(ann, "key-1"));
      tx.ledger().append(entry(ann, null));
      tx.ledger().append(entry(ann, null));
      return null;
    });
    UniqueViolationException ledger = assertThrows(UniqueViolationException.class, () -> storage.inTransaction(tx -> {
      tx.ledger().append(entry(ann, "key-1"));
      return null;
    }));
    assertEquals(UniqueKey.LEDGER_IDEMPOTENCY_KEY, ledger.key());
    assertPrintsNone(ledger, "key-1");
    assertEquals(3, storage.inTransaction(tx -> tx.ledger().history(t, ann.id(), null, 10)).size());
  }

  private static LedgerEntry entry(Participant p, String idempotencyKey) {
    return new LedgerEntry(nextId(), p.tenantId(), p.campaignId(), p.id(), LedgerEntryKind.AWARD, 1, "bonus", null,
        idempotencyKey, 1, NOW);
  }

  @Test
  void anExceptionOfTheWorkRollsBackAndPropagatesUnchanged() {
    Tenant tenant = tenant();
    Campaign campaign = campaign(tenant.id());
    Participant p = participant(campaign, "gone@example.com", null, null, 5);
    IllegalStateException thrown = new IllegalStateException("the engine's own failure");
    IllegalStateException caught = assertThrows(IllegalStateException.class, () -> storage.inTransaction(tx -> {
      tx.participants().insert(p);
      tx.ledger().credit(p.tenantId(), p.id(), 5);
      throw thrown;
    }));
    assertSame(thrown, caught);
    assertEquals(Optional.empty(), find(p));
  }

  @Test
  void otherFailuresAreStorageExceptionsWithoutBoundValues() {
    Tenant tenant = tenant();
    Campaign campaign = campaign(tenant.id());
    // A negative balance breaks the CHECK constraint: not a unique violation, not transient.
    Participant p = participant(campaign, "very.private.person@example.com", "Secretname", null, -1);
    StorageException e = assertThrows(StorageException.class, () -> insert(p));
    assertFalse(e instanceof UniqueViolationException || e instanceof TransientStorageException, e.toString());
    assertPrintsNone(e, "very.private", "Secretname");
    assertTrue(e.getMessage().contains("SQLState 23"), e.getMessage());
  }

  /**
   * Asserts that what a logger prints for {@code failure} (its stack trace, with every cause and suppressed
   * exception, and the next exceptions of a batch) quotes none of {@code values}, and that the driver's failure is
   * still named in it by SQLState.
   */
  static void assertPrintsNone(Throwable failure, String... values) {
    StringWriter out = new StringWriter();
    PrintWriter printer = new PrintWriter(out);
    failure.printStackTrace(printer);
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        for (SQLException next = sql.getNextException(); next != null; next = next.getNextException()) {
          next.printStackTrace(printer);
        }
      }
    }
    printer.flush();
    String printed = out.toString();
    for (String value : values) {
      assertFalse(printed.contains(value), () -> "the failure prints '" + value + "':\n" + printed);
    }
    assertTrue(printed.contains("SQLState 23"), printed);
  }

  @Test
  void aDeadlockIsTransient() throws Exception {
    Storage rowLocks = fixture.openStorageWithoutTakingTurns();
    Tenant tenant = tenant();
    Campaign campaign = campaign(tenant.id());
    Participant a = insert(participant(campaign, "a@example.com", null, null, 0));
    Participant b = insert(participant(campaign, "b@example.com", null, null, 0));
    CountDownLatch bothLocked = new CountDownLatch(2);
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      Future<Object> first = threads.submit(() -> lockBoth(rowLocks, a, b, bothLocked));
      Future<Object> second = threads.submit(() -> lockBoth(rowLocks, b, a, bothLocked));
      List<Object> outcomes = List.of(outcome(first), outcome(second));
      assertEquals(1, outcomes.stream().filter(TransientStorageException.class::isInstance).count(),
          outcomes.toString());
      assertEquals(1, outcomes.stream().filter("done"::equals).count(), outcomes.toString());
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void aCampaignLockMakesTheNextLockerOfTheCampaignWaitUntilTheHolderCommits() throws Exception {
    Storage rowLocks = fixture.openStorageWithoutTakingTurns();
    Tenant tenant = tenant();
    Campaign campaign = campaign(tenant.id());
    Campaign other = campaign(tenant.id());
    CountDownLatch locked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean holderDone = new AtomicBoolean();
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      Future<Object> holder = threads.submit(() -> rowLocks.inTransaction(tx -> {
        tx.campaigns().lock(tenant.id(), campaign.id());
        locked.countDown();
        await(release);
        holderDone.set(true);
        return "held";
      }));
      await(locked);
      // Another campaign's lock, a missing campaign's and a plain read do not wait.
      rowLocks.inTransaction(tx -> {
        tx.campaigns().lock(tenant.id(), other.id());
        tx.campaigns().lock(tenant.id(), nextId());
        return tx.campaigns().find(tenant.id(), campaign.id());
      });
      Future<Object> next = threads.submit(() -> rowLocks.inTransaction(tx -> {
        tx.campaigns().lock(tenant.id(), campaign.id());
        return holderDone.get();
      }));
      JdbcLockWaits.awaitASessionBlockedOnALock(fixture);
      assertFalse(next.isDone());
      release.countDown();
      assertEquals("held", outcome(holder));
      assertEquals(true, outcome(next), "the next locker got the lock after the holder's unit of work ended");
    } finally {
      release.countDown();
      threads.shutdownNow();
    }
  }

  @Test
  void aReadRepeatedAfterWaitingForALockSeesWhatTheHolderCommitted() throws Exception {
    Storage rowLocks = fixture.openStorageWithoutTakingTurns();
    Tenant tenant = tenant();
    Campaign campaign = campaign(tenant.id());
    Participant ann = insert(participant(campaign, "ann@example.com", "Ann", null, 10));
    for (int round = 0; round < 5; round++) {
      long expected = ann.pointsBalance() + round + 1;
      CountDownLatch written = new CountDownLatch(1);
      CountDownLatch read = new CountDownLatch(1);
      ExecutorService threads = Executors.newFixedThreadPool(2);
      try {
        // The holder writes first and commits while the reader waits for the row lock.
        Future<Object> holder = threads.submit(() -> rowLocks.inTransaction(tx -> {
          tx.participants().lock(tenant.id(), ann.id());
          tx.ledger().credit(tenant.id(), ann.id(), 1);
          written.countDown();
          await(read);
          return "committed";
        }));
        await(written);
        Future<Object> reader = threads.submit(() -> rowLocks.inTransaction(tx -> {
          long before = tx.participants().find(tenant.id(), ann.id()).orElseThrow().pointsBalance();
          read.countDown();
          tx.participants().lock(tenant.id(), ann.id());
          long after = tx.participants().find(tenant.id(), ann.id()).orElseThrow().pointsBalance();
          return before + " then " + after;
        }));
        assertEquals("committed", outcome(holder));
        assertEquals((expected - 1) + " then " + expected, outcome(reader),
            "the same query again, after the lock, sees the committed write (no result reused from before it)");
      } finally {
        read.countDown();
        threads.shutdownNow();
      }
    }
  }

  private static Object lockBoth(Storage storage, Participant first, Participant second,
      CountDownLatch bothLocked) {
    return storage.inTransaction(tx -> {
      tx.participants().lock(first.tenantId(), first.id());
      bothLocked.countDown();
      await(bothLocked);
      tx.ledger().credit(second.tenantId(), second.id(), 1);
      return "done";
    });
  }

  private static void await(CountDownLatch latch) {
    try {
      assertTrue(latch.await(30, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Object outcome(Future<Object> future) throws InterruptedException {
    try {
      return future.get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("a transaction never finished", e);
    }
  }

  @Test
  void aFailingOperationInAHostTransactionKeepsTheHostsWork() {
    Tenant tenant = tenant();
    Campaign campaign = campaign(tenant.id());
    Participant ann = insert(participant(campaign, "ann@example.com", "Ann", null, 0));
    StoreFixture.HostTransactions host = fixture.hostTransactions().orElseThrow();
    Participant joined = participant(campaign, "joined@example.com", "Joined", null, 3);
    try (StoreFixture.HostTx tx = host.begin()) {
      tx.insertHostOrder("order-1");
      Participant partial = participant(campaign, "partial@example.com", "Partial", null, 0);
      UniqueViolationException e = assertThrows(UniqueViolationException.class,
          () -> storage.inHostTransaction(tx.transaction(), work -> {
            work.participants().insert(partial);
            work.participants().insert(participant(campaign, ann.email(), "Clash", null, 0));
            return null;
          }));
      assertEquals(UniqueKey.PARTICIPANT_EMAIL, e.key());
      // On PostgreSQL the failed statement would have aborted the host's transaction but for the savepoint.
      tx.insertHostOrder("order-2");
      storage.inHostTransaction(tx.transaction(), work -> {
        work.participants().insert(joined);
        return null;
      });
      assertEquals(Optional.empty(), find(joined), "visible before the host committed");
      tx.commit();
      assertEquals(Optional.empty(), find(partial));
    }
    assertEquals(2, host.countHostOrders());
    assertEquals(Optional.of(joined), find(joined));
  }

  @Test
  void aHostRollbackUndoesTheEnginesWork() {
    Tenant tenant = tenant();
    Campaign campaign = campaign(tenant.id());
    StoreFixture.HostTransactions host = fixture.hostTransactions().orElseThrow();
    Participant p = participant(campaign, "rolled@example.com", null, null, 0);
    try (StoreFixture.HostTx tx = host.begin()) {
      tx.insertHostOrder("order-1");
      assertEquals(Optional.of(List.of(campaign.id(), 4L, 4L, 1L)),
          storage.inHostTransaction(tx.transaction(), work -> {
            work.participants().insert(p);
            return work.ledger().credit(p.tenantId(), p.id(), 4);
          }).map(JdbcStorageTestBase::totals));
      tx.rollback();
    }
    assertEquals(0, host.countHostOrders());
    assertEquals(Optional.empty(), find(p));
  }

  @Test
  void onlyJdbcHostTransactionsWithAutoCommitOffAtReadCommittedCanBeJoined() throws SQLException {
    HostTransaction foreign = new HostTransaction() {
    };
    assertThrows(IllegalArgumentException.class, () -> storage.inHostTransaction(foreign, tx -> null));
    try (Connection connection = fixture.connect()) {
      assertThrows(IllegalArgumentException.class, () -> JdbcHostTransaction.of(connection));
      connection.setAutoCommit(false);
      JdbcHostTransaction host = JdbcHostTransaction.of(connection);
      connection.setAutoCommit(true);
      assertThrows(IllegalStateException.class, () -> storage.inHostTransaction(host, tx -> null));
      assertFalse(connection.isClosed());
    }
    for (int level : new int[] {Connection.TRANSACTION_REPEATABLE_READ, Connection.TRANSACTION_SERIALIZABLE,
        Connection.TRANSACTION_READ_UNCOMMITTED}) {
      try (Connection connection = fixture.connect()) {
        connection.setAutoCommit(false);
        connection.setTransactionIsolation(level);
        JdbcHostTransaction host = JdbcHostTransaction.of(connection);
        if (level == Connection.TRANSACTION_READ_UNCOMMITTED && fixture.dialect() == SqlDialect.POSTGRESQL) {
          assertEquals(Integer.valueOf(1), storage.inHostTransaction(host, tx -> 1), "PostgreSQL: READ COMMITTED");
        } else {
          assertThrows(IllegalArgumentException.class, () -> storage.checkJoinable(host), "level " + level);
          assertThrows(IllegalArgumentException.class, () -> storage.inHostTransaction(host, tx -> null));
        }
      }
    }
    Connection closed = fixture.connect();
    closed.setAutoCommit(false);
    closed.close();
    assertThrows(IllegalArgumentException.class, () -> JdbcHostTransaction.of(closed), "a closed connection");
  }

  @Test
  void aCommittedUnitOfWorkIsSeenByAnotherStorage() {
    Tenant tenant = tenant();
    Storage other = fixture.openStorage();
    try {
      assertEquals(Optional.of(tenant), other.inTransaction(tx -> tx.tenants().find(tenant.id())));
    } finally {
      other.close();
    }
  }

  /**
   * A caller whose thread is interrupted (a host cancelling a request with {@code Future.cancel(true)}) gets its
   * unit of work committed and keeps its interrupt, and the store stays usable for everyone: H2 closes the whole
   * database when a thread writes to its file with its interrupt set.
   */
  @Test
  void anInterruptedCallerCommitsKeepsItsInterruptAndLeavesTheStoreUsable() throws Exception {
    Tenant tenant = new Tenant(nextId(), "Acme", TenantType.BUSINESS, NOW);
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try {
      Object[] got = caller.submit(() -> {
        Thread.currentThread().interrupt();
        Object outcome = "committed";
        try {
          storage.inTransaction(tx -> {
            tx.tenants().insert(tenant);
            return null;
          });
        } catch (RuntimeException e) {
          outcome = e;
        }
        return new Object[] {outcome, Thread.interrupted()};
      }).get(60, TimeUnit.SECONDS);
      assertEquals("committed", got[0], () -> "the interrupted caller's unit of work failed: " + got[0]);
      assertTrue((Boolean) got[1], "the caller keeps its interrupt");
    } finally {
      caller.shutdownNow();
    }
    assertEquals(Optional.of(tenant), storage.inTransaction(tx -> tx.tenants().find(tenant.id())));
    Tenant next = tenant();
    assertEquals(Optional.of(next), storage.inTransaction(tx -> tx.tenants().find(next.id())));
  }

  /**
   * A caller interrupted while its unit of work runs (a host cancelling the request meanwhile), whose unit of work
   * then fails after it changed and locked rows (a refusal, or nothing to commit), gets its failure, keeps its
   * interrupt, and leaves the store usable: the rollback writes to the database file as a commit does.
   */
  @Test
  void aCallerInterruptedWhileItsWorkRunsThatThenFailsKeepsItsInterruptAndLeavesTheStoreUsable() throws Exception {
    Tenant tenant = tenant();
    Campaign campaign = campaign(tenant.id());
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(insert(participant(campaign, "p" + i + "@example.com", "P", null, 10)).id());
    }
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try {
      Object[] got = caller.submit(() -> {
        Object outcome = "returned";
        try {
          storage.inTransaction(tx -> {
            tx.participants().lockAll(tenant.id(), ids);
            for (long id : ids) {
              tx.ledger().credit(tenant.id(), id, 5);
            }
            Thread.currentThread().interrupt();
            throw new IllegalStateException("refused (a test's)");
          });
        } catch (RuntimeException e) {
          outcome = e.getMessage();
        }
        return new Object[] {outcome, Thread.interrupted()};
      }).get(60, TimeUnit.SECONDS);
      assertEquals("refused (a test's)", got[0]);
      assertTrue((Boolean) got[1], "the caller keeps its interrupt");
    } finally {
      caller.shutdownNow();
    }
    assertEquals(10, storage.inTransaction(tx -> tx.participants().find(tenant.id(), ids.get(0))).orElseThrow()
        .pointsBalance(), "rolled back");
    Tenant next = tenant();
    assertEquals(Optional.of(next), storage.inTransaction(tx -> tx.tenants().find(next.id())));
  }

  @Test
  void closeIsIdempotentAndRefusesFurtherWork() {
    Storage other = fixture.openStorage();
    other.close();
    other.close();
    assertThrows(IllegalStateException.class, () -> other.inTransaction(tx -> null));
    assertInstanceOf(JdbcStorage.class, other);
    try (StoreFixture.HostTx tx = fixture.hostTransactions().orElseThrow().begin()) {
      assertThrows(IllegalStateException.class, () -> other.inHostTransaction(tx.transaction(), work -> null),
          "a closed storage joins no host transaction");
      tx.insertHostOrder("after-close");
      tx.commit();
    }
  }

  /** Campaign, balance, lifetime points and event sequence of a changed row. */
  private static List<Long> totals(LockedParticipant row) {
    return List.of(row.campaignId(), row.balance(), row.lifetimePoints(), row.eventSequence());
  }
}
