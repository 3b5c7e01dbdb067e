package io.loyaltyengine.jdbc;

import java.nio.file.Path;
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
    KilledChild.Reports reports = KilledChild.readUntilKilled(child, errors, REPORTED_BEFORE_KILL, false);

    KilledChild.assertReportedAwardsSurvived(database, reports.tenantId(), reports.participantId(),
        reports.awards());
  }
}
