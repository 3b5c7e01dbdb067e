package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.loyaltyengine.points.LedgerEntry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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
    KilledChild.Reports reports = KilledChild.readUntilKilled(child, errors, REPORTED_BEFORE_KILL, true);

    List<LedgerEntry> oldestFirst = new ArrayList<>(KilledChild.assertReportedAwardsSurvived(database,
        reports.tenantId(), reports.participantId(), reports.awards()));
    Collections.reverse(oldestFirst);
    long sum = 0;
    for (LedgerEntry entry : oldestFirst) {
      sum += entry.amount();
      assertEquals(sum, entry.balanceAfter(), "every entry's balance is the sum of the ledger up to it");
    }
  }
}
