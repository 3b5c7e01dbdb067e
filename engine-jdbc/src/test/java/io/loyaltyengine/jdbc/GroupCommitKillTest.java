package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.loyaltyengine.points.LedgerEntry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Durability with group commit: four threads of a process award points on an H2 file through one engine, their
 * calls combined into shared transactions; the process is killed with SIGKILL in mid-stride. Reopened, the database
 * holds every award the process reported as done (a call returns only once the shared commit holding it is on
 * disk), and nothing half-applied: the balance and lifetime points agree with the ledger, entry by entry.
 */
class GroupCommitKillTest {
  private static final int REPORTED_BEFORE_KILL = 200;
  private final Path directory = TestFiles.newDirectory("loyalty-group-kill-");

  @AfterEach
  void deleteFiles() {
    TestFiles.delete(directory);
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES) // a guard against a hung child, not a measurement
  void everyAwardReportedByFourThreadsSurvivesSigkill() throws Exception {
    Path database = directory.resolve("loyalty");
    Path errors = directory.resolve("child-stderr.txt");
    Process child = KilledChild.start(GroupCommitKillTestChild.class, database, errors);
    Map<String, Long> reported = new LinkedHashMap<>();
    boolean shared = false;
    long tenantId;
    long participantId;
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String[] ready = KilledChild.readLine(out, errors).split(" ");
      assertEquals("READY", ready[0]);
      tenantId = Long.parseLong(ready[1]);
      participantId = Long.parseLong(ready[2]);
      while (reported.size() < REPORTED_BEFORE_KILL || !shared) {
        String[] line = KilledChild.readLine(out, errors).split(" ");
        if (line[0].equals("SHARED")) {
          shared = true;
          continue;
        }
        assertEquals("AWARDED", line[0]);
        reported.put(line[1], Long.parseLong(line[2]));
      }
      child.destroyForcibly();
      child.waitFor();
    } finally {
      child.destroyForcibly();
    }

    List<LedgerEntry> oldestFirst = new ArrayList<>(
        KilledChild.assertReportedAwardsSurvived(database, tenantId, participantId, reported));
    Collections.reverse(oldestFirst);
    long sum = 0;
    for (LedgerEntry entry : oldestFirst) {
      sum += entry.amount();
      assertEquals(sum, entry.balanceAfter(), "every entry's balance is the sum of the ledger up to it");
    }
  }
}
