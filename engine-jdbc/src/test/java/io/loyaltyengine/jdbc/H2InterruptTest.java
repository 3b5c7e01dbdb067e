package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.CampaignStatus;
import io.loyaltyengine.campaign.CampaignVisibility;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.tenant.TenantType;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A host that cancels a request with {@code Future.cancel(true)} while the request's unit of work runs in the
 * engine's embedded H2 database ({@link JdbcStorage#h2File}). The JDK closes a {@code FileChannel} when a thread
 * with its interrupt set reads or writes it, and H2 then closes the whole database under every connection: the
 * storage holds a caller's interrupt back while it waits, commits and rolls back, but an interrupt that comes while
 * the work runs reaches the work's next statement, which reads the file whenever the pages it needs are not cached
 * (a database larger than H2's cache; here, one just opened).
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class H2InterruptTest {
  private static final Instant NOW = Instant.parse("2024-03-31T01:59:59.123456Z");
  private static final int PARTICIPANTS = 3_000;

  private final Path directory = TestFiles.newDirectory("loyalty-h2-interrupt-");
  private final ExecutorService requests = Executors.newSingleThreadExecutor();
  private long ids = 1_000;

  @AfterEach
  void cleanUp() {
    requests.shutdownNow();
    TestFiles.delete(directory);
  }

  @Test
  void aRequestCancelledWhileItsWorkReadsTheFileLeavesTheDatabaseOpenForEveryoneElse() throws Exception {
    Path database = directory.resolve("loyalty");
    Tenant tenant = new Tenant(++ids, "Acme", TenantType.BUSINESS, NOW);
    Brand brand = new Brand(++ids, tenant.id(), "Shop", "shop.example.com", NOW);
    Campaign campaign = new Campaign(++ids, tenant.id(), brand.id(), "Spring", CampaignStatus.IN_PROGRESS,
        CampaignVisibility.PUBLIC, ZoneId.of("UTC"), NOW);
    try (JdbcStorage storage = JdbcStorage.h2File(database)) {
      storage.inTransaction(tx -> {
        tx.tenants().insert(tenant);
        tx.brands().insert(brand);
        tx.campaigns().insert(campaign);
        for (int i = 0; i < PARTICIPANTS; i++) {
          String email = "member" + i + "@example.com";
          tx.participants().insert(new Participant(++ids, tenant.id(), campaign.id(), email, email, "Member " + i,
              "Of the spring campaign", null, null, Map.of("note", "x".repeat(200)), 10, 10, NOW, NOW, null, null));
        }
        return null;
      });
    }
    // Opened again, H2's cache is cold: the participants' pages are read from the file when a statement needs them.
    try (JdbcStorage storage = JdbcStorage.h2File(database)) {
      CountDownLatch inside = new CountDownLatch(1);
      CountDownLatch ended = new CountDownLatch(1);
      AtomicReference<Object> outcome = new AtomicReference<>();
      AtomicReference<Boolean> interruptKept = new AtomicReference<>();
      Future<?> request = requests.submit(() -> {
        try {
          outcome.set(storage.inTransaction(tx -> {
            inside.countDown();
            awaitTheCancel();
            return tx.participants().count(tenant.id(), campaign.id(), null, null);
          }));
        } catch (RuntimeException e) {
          outcome.set(e);
        } finally {
          interruptKept.set(Thread.interrupted());
          ended.countDown();
        }
      });
      assertTrue(inside.await(30, TimeUnit.SECONDS), "the request's unit of work began");
      request.cancel(true);
      assertTrue(ended.await(30, TimeUnit.SECONDS), "the cancelled request returned");
      // Another request, on another thread, finds the database open.
      Tenant next = new Tenant(++ids, "Next", TenantType.BUSINESS, NOW);
      storage.inTransaction(tx -> {
        tx.tenants().insert(next);
        return null;
      });
      assertEquals(Optional.of(next), storage.inTransaction(tx -> tx.tenants().find(next.id())));
      long count = storage.inTransaction(tx -> tx.participants().count(tenant.id(), campaign.id(), null, null));
      assertEquals(PARTICIPANTS, count);
      // And the cancelled request's own statement ran as if it had not been interrupted.
      assertEquals((long) PARTICIPANTS, outcome.get(), () -> "the cancelled request's work: " + outcome.get());
      // H2's retry: file system clears the interrupt it retried for, as JdbcStorage.inTransaction says.
      assertFalse(interruptKept.get(), "the interrupt the statement met was taken by H2's retry");
    }
  }

  /**
   * Waits, inside the unit of work, until the test cancels the request; leaves the interrupt set, as one that came
   * between two of the work's statements.
   */
  private static void awaitTheCancel() {
    try {
      boolean released = new CountDownLatch(1).await(30, TimeUnit.SECONDS);
      throw new IllegalStateException("the test did not cancel the request (released: " + released + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
