package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.LedgerEntryKind;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
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
    String java = ProcessHandle.current().info().command().orElseThrow();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        KillTestChild.class.getName(), database.toString())
        .redirectError(errors.toFile())
        .start();
    Map<String, Long> reported = new LinkedHashMap<>();
    long tenantId;
    long participantId;
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String[] ready = readLine(out, errors).split(" ");
      assertEquals("READY", ready[0]);
      tenantId = Long.parseLong(ready[1]);
      participantId = Long.parseLong(ready[2]);
      while (reported.size() < REPORTED_BEFORE_KILL) {
        String[] award = readLine(out, errors).split(" ");
        assertEquals("AWARDED", award[0]);
        reported.put(award[1], Long.parseLong(award[2]));
      }
      child.destroyForcibly();
      child.waitFor();
    } finally {
      child.destroyForcibly();
    }

    try (LoyaltyEngine engine = LoyaltyEngine.builder().storage(JdbcStorage.h2File(database)).build()) {
      EngineWorld world = new EngineWorld(tenantId, participantId);
      List<LedgerEntry> ledger = world.ledger(engine);
      Map<String, LedgerEntry> byKey = ledger.stream()
          .collect(Collectors.toMap(LedgerEntry::idempotencyKey, Function.identity()));
      reported.forEach((key, amount) -> {
        LedgerEntry entry = byKey.get(key);
        assertNotNull(entry, "a reported award is missing: " + key);
        assertEquals(amount, entry.amount(), key);
      });
      assertTrue(ledger.stream().allMatch(e -> e.kind() == LedgerEntryKind.AWARD));
      Participant participant = world.scope(engine).participants().get(world.participant());
      long sum = ledger.stream().mapToLong(LedgerEntry::signedAmount).sum();
      assertEquals(sum, participant.pointsBalance());
      assertEquals(sum, participant.lifetimePoints());
    }
  }

  private static String readLine(BufferedReader out, Path errors) throws IOException {
    String line = out.readLine();
    if (line == null) {
      throw new AssertionError("the child process ended early:\n" + Files.readString(errors));
    }
    return line;
  }
}
