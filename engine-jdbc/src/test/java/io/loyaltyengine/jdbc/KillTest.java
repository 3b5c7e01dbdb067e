package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Durability: a process awarding points on an H2 file is killed with SIGKILL in mid-stride; reopened, the database
 * holds every award the process reported as done, and nothing half-applied (balance and lifetime points agree with
 * the ledger).
 */
class KillTest {
  private static final int REPORTED_BEFORE_KILL = 200;
  private final Path directory = TestFiles.newDirectory("loyalty-kill-");

  @AfterEach
  void deleteFiles() {
    TestFiles.delete(directory);
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES) // a guard against a hung child, not a measurement
  void everyReportedAwardSurvivesSigkillAndNothingIsHalfApplied() throws Exception {
    Path database = directory.resolve("loyalty");
    Path errors = directory.resolve("child-stderr.txt");
    Process child = KilledChild.start(KillTestChild.class, database, errors);
    Map<String, Long> reported = new LinkedHashMap<>();
    long tenantId;
    long participantId;
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String[] ready = KilledChild.readLine(out, errors).split(" ");
      assertEquals("READY", ready[0]);
      tenantId = Long.parseLong(ready[1]);
      participantId = Long.parseLong(ready[2]);
      while (reported.size() < REPORTED_BEFORE_KILL) {
        String[] award = KilledChild.readLine(out, errors).split(" ");
        assertEquals("AWARDED", award[0]);
        reported.put(award[1], Long.parseLong(award[2]));
      }
      child.destroyForcibly();
      child.waitFor();
    } finally {
      child.destroyForcibly();
    }

    KilledChild.assertReportedAwardsSurvived(database, tenantId, participantId, reported);
  }
}
