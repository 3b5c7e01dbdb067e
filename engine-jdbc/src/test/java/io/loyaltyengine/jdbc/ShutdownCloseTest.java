package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.tenant.Tenant;
import java.io.BufferedReader;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A host closing its engine on an H2 file from a JVM shutdown hook (what a host does on SIGTERM, directly or through
 * its framework's shutdown), while an operation of the engine is in its unit of work: {@code close()} waits for that
 * unit of work and only then closes the storage, and {@code JdbcStorage} on H2 lets it finish; so the operation
 * commits. H2 must not close the database by a shutdown hook of its own, under the engine's units of work.
 */
class ShutdownCloseTest {
  private final Path directory = TestFiles.newDirectory("loyalty-shutdown-close-");

  @AfterEach
  void cleanUp() {
    TestFiles.delete(directory);
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES) // a guard against a hung child, not a measurement
  void anOperationInProgressWhenTheHostClosesTheEngineAtJvmShutdownCommits() throws Exception {
    Path database = directory.resolve("loyalty");
    Path errors = directory.resolve("child-errors.txt");
    Process child = ChildJvm.start(ShutdownCloseChild.class, errors, database.toString());
    String outcome;
    try (BufferedReader out = ChildJvm.output(child)) {
      assertEquals("PAUSED", ChildJvm.readLine(out, errors, 60));
      outcome = ChildJvm.readLine(out, errors, 60);
    } finally {
      ChildJvm.kill(child, 30);
    }
    assertTrue(outcome.startsWith("OUTCOME created "), "the operation in progress at close committed: " + outcome);
    long id = Long.parseLong(outcome.substring("OUTCOME created ".length()));
    try (LoyaltyEngine reopened = LoyaltyEngine.builder()
        .storage(JdbcStorage.h2File(database))
        .events(EventSettings.builder().manualDispatch().build())
        .nodeId(2)
        .build()) {
      Tenant tenant = reopened.tenants().get(id);
      assertEquals("In progress", tenant.name());
    }
  }
}
