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
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What the kill tests share: a child JVM awarding points on an H2 file and reporting each award on its standard
 * output, and the check made once it was killed. Not thread-safe; used by one test at a time.
 */
final class KilledChild {
  private KilledChild() {
  }

  /**
   * Starts {@code main} in a new JVM (see {@link ChildJvm}) with the database file as its argument, its standard
   * error going to {@code errors}.
   */
  static Process start(Class<?> main, Path database, Path errors) throws IOException {
    return ChildJvm.start(main, errors, database.toString());
  }

  /** What a killed child reported: its tenant and participant (its READY line) and its awards, by key. */
  record Reports(long tenantId, long participantId, Map<String, Long> awards) {
  }

  /**
   * Reads the child's READY line, then its AWARDED lines until {@code awards} were reported (and, with
   * {@code awaitShared}, its SHARED line was seen too); then kills it and waits for it to end.
   */
  static Reports readUntilKilled(Process child, Path errors, int awards, boolean awaitShared)
      throws IOException, InterruptedException {
    Map<String, Long> reported = new LinkedHashMap<>();
    boolean shared = !awaitShared;
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String[] ready = readLine(out, errors).split(" ");
      assertEquals("READY", ready[0]);
      while (reported.size() < awards || !shared) {
        String[] line = readLine(out, errors).split(" ");
        if (awaitShared && line[0].equals("SHARED")) {
          shared = true;
          continue;
        }
        assertEquals("AWARDED", line[0]);
        reported.put(line[1], Long.parseLong(line[2]));
      }
      child.destroyForcibly();
      child.waitFor();
      return new Reports(Long.parseLong(ready[1]), Long.parseLong(ready[2]), reported);
    } finally {
      child.destroyForcibly();
    }
  }

  /** The child's next line; fails with its standard error if it ended. */
  private static String readLine(BufferedReader out, Path errors) throws IOException {
    String line = out.readLine();
    if (line == null) {
      throw new AssertionError("the child process ended early:\n" + Files.readString(errors));
    }
    return line;
  }

  /**
   * Reopens the database and checks that every award the child reported is there with its amount, that the ledger
   * holds awards only, and that the balance and lifetime points equal the ledger's sum.
   *
   * @return the participant's ledger, newest first
   */
  static List<LedgerEntry> assertReportedAwardsSurvived(Path database, long tenantId, long participantId,
      Map<String, Long> reported) {
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
      return ledger;
    }
  }
}
