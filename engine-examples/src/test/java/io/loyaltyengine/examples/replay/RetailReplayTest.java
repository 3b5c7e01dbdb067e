package io.loyaltyengine.examples.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture replayed through the engine on an H2 file. The figures are worked out by hand from the fixture:
 *
 * <ul>
 *   <li>12345: 21 purchases of 2 x 5.25 (536405 as two lines of 1 x 5.25), 10 points each: 210 points, 21 actions,
 *       a reward at the 10th and the 20th purchase: 2. December 100 points, January 110.
 *   <li>22222: C539000 (-3 x 5.00) on a zero balance takes 0 of 15; 540001 (5.50) awards 5; C540002 (-6 x 5.00) at
 *       the same minute comes after it (text order) and takes 5 of 30. Balance 0, lifetime 5.
 *   <li>33333: 541000 (50.00 at 12:00 and 50.99 at 09:00) awards 100 at 09:00, before C541001 (-20.50 at 10:00),
 *       which takes 20 of 20. Balance 80. 541002 (0.99) is under 1, 541003 (1,000,000,001) over the engine's limit,
 *       X541004 has an unknown prefix.
 *   <li>44444: 550001 (0.7 + 0.1 + 0.2, exactly 1) awards 1 in June; 550002 (3 x 33.34 = 100.02) at 00:30 on 1 July,
 *       British Summer Time (23:30 UTC on 30 June), awards 100 in July. 101 points, 2 actions.
 *   <li>55555: 560001 (12 x 2.10) awards 25 in July; C560002 (-0.50) is under 1; 536900 names 12345 and 55555.
 *   <li>No customer: 536500, C536501; adjustment: A563185; a malformed line: 537000 (Quantity "two"), 537001 (7
 *       fields, cut off before its Country: its invoice number, the first field, still reads), 537002 (30 February),
 *       537003 (CustomerID "12x45.0"), 537004 (UnitPrice "1,5"); one more malformed row names no readable invoice
 *       (InvoiceNo "53-7005").
 * </ul>
 *
 * So: 49 rows, 6 malformed; 42 invoices, 29 applied (26 purchases, 3 cancellations), 13 skipped; 5 customers;
 * 441 points awarded (210 + 5 + 100 + 101 + 25), 25 deducted of 65 asked for (2 capped, 1 on a zero balance);
 * 2 rewards; 26 loyalty actions.
 */
class RetailReplayTest {
  private static final String EXPORT = """
      customer_id,balance,lifetime_points,loyalty_actions,rewards_unlocked
      12345,210,210,21,2
      22222,0,5,1,0
      33333,80,100,1,0
      44444,101,101,2,0
      55555,25,25,1,0
      """;

  @TempDir
  Path dir;

  private Path fixture() throws IOException {
    return ReplayFixture.write(dir.resolve("online_retail_fixture.csv"), ReplayFixture.text());
  }

  private static ReplayOptions options(String... args) {
    return ReplayOptions.parse(args, Map.of());
  }

  private static ReplaySummary replay(ReplayOptions options) throws Exception {
    return new RetailReplay(options).run(new ProgressBar(System.err, false, System::nanoTime));
  }

  private static String print(ReplaySummary summary) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    summary.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    return bytes.toString(StandardCharsets.UTF_8);
  }

  /** Rows of the engine's and the replay's tables, to show a rerun wrote nothing. */
  private static List<Long> rowCounts(ReplayOptions options) throws SQLException {
    List<Long> counts = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(options.url()); Statement s = c.createStatement()) {
      for (String table : List.of("participant", "ledger_entry", "loyalty_action", "earned_reward", "event_outbox",
          "retail_replay_invoice", "tenant")) {
        try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
          r.next();
          counts.add(r.getLong(1));
        }
      }
    }
    return counts;
  }

  private static void execute(ReplayOptions options, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(options.url()); Statement s = c.createStatement()) {
      s.executeUpdate(sql);
    }
  }

  /**
   * A cancellation asking for more than the engine takes in one operation still takes the balance: it is capped at
   * the balance, and what it asks for past the limit is deducted in further parts while points are left.
   */
  @Test
  void aCancellationOverTheEnginesLimitStillTakesTheBalance() throws Exception {
    Path log = ReplayFixture.write(dir.resolve("log.csv"), """
        InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
        1,s,d,1,2010-12-01 08:26:00,500,17850,UK
        2,s,d,1,2010-12-01 09:26:00,1000000000,17851,UK
        3,s,d,1,2010-12-01 10:26:00,1000000000,17851,UK
        C4,s,d,-1,2010-12-02 08:26:00,2000000000,17850,UK
        C5,s,d,-1,2010-12-02 09:26:00,1500000000.99,17851,UK
        """);
    Path export = dir.resolve("customers.csv");
    ReplaySummary s = replay(options(log.toString(), "--db", dir.resolve("db").toString(), "--quiet", "--export",
        export.toString()));
    assertEquals(Map.of(), s.tally().skipped);
    assertEquals(2, s.tally().cancellations);
    assertEquals(500 + 1_500_000_000L, s.tally().pointsDeducted);
    assertEquals(BigInteger.valueOf(3_500_000_000L), s.tally().pointsAskedBack);
    assertEquals(1, s.tally().cancellationsCapped);
    assertEquals("""
        customer_id,balance,lifetime_points,loyalty_actions,rewards_unlocked
        17850,0,500,1,0
        17851,500000000,2000000000,2,0
        """, Files.readString(export));
  }

  /**
   * Cancellations asking for more points than a long holds (18-digit quantities and prices) are reported at what they
   * asked for, in one batch or over several: the summary's figure is the exact sum, not a cap or a wrapped-around
   * negative.
   */
  @Test
  void whatHugeCancellationsAskedForIsReportedExactly() throws Exception {
    Path log = ReplayFixture.write(dir.resolve("huge.csv"), """
        InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
        1,s,d,1,2010-12-01 08:26:00,500,17850,UK
        C2,s,d,-999999999999999999,2010-12-02 08:26:00,999999999999999999,17850,UK
        C3,s,d,-999999999999999999,2010-12-03 08:26:00,999999999999999999,17850,UK
        """);
    for (String batch : List.of("1", "1000")) {
      ReplaySummary s = replay(options(log.toString(), "--db", dir.resolve("db-" + batch).toString(), "--quiet",
          "--batch", batch));
      assertEquals(500, s.tally().pointsDeducted);
      // 2 x 999,999,999,999,999,999 x 999,999,999,999,999,999
      assertTrue(print(s).contains("500 deducted (cancellations asked for"
          + " 1,999,999,999,999,999,996,000,000,000,000,000,002: 2 capped at the balance, 1 of them on a zero"
          + " balance)"), batch + ": " + print(s));
    }
  }

  @Test
  void theFixtureReplaysToTheFiguresWorkedOutByHand() throws Exception {
    Path export = dir.resolve("out/customers.csv");
    ReplayOptions options = options(fixture().toString(), "--db", dir.resolve("db").toString(), "--export",
        export.toString(), "--quiet");
    ReplaySummary s = replay(options);

    assertEquals(49, s.rows());
    assertEquals(6, s.malformedRows().values().stream().mapToLong(Long::longValue).sum());
    assertEquals(42, s.invoices());
    Tally t = s.tally();
    assertEquals(26, t.purchases);
    assertEquals(3, t.cancellations);
    assertEquals(Map.of(Invoice.SkipReason.NO_CUSTOMER, 2L, Invoice.SkipReason.VALUE_UNDER_ONE, 2L,
        Invoice.SkipReason.VALUE_OVER_LIMIT, 1L, Invoice.SkipReason.ADJUSTMENT, 1L,
        Invoice.SkipReason.UNKNOWN_PREFIX, 1L, Invoice.SkipReason.CONFLICTING_CUSTOMERS, 1L,
        Invoice.SkipReason.MALFORMED_LINE, 5L), t.skipped);
    assertEquals(Map.of(), t.refused);
    assertEquals(0, t.alreadyApplied);
    assertEquals(0, t.replayedByKey);
    assertEquals(5, s.customers());
    assertEquals(5, s.customersInLog(), "12x45.0 is on a malformed row");
    assertEquals(5, t.newCustomers);
    assertEquals(441, t.pointsAwarded);
    assertEquals(25, t.pointsDeducted);
    assertEquals(BigInteger.valueOf(65), t.pointsAskedBack);
    assertEquals(2, t.cancellationsCapped);
    assertEquals(1, t.cancellationsOnZero);
    assertEquals(2, t.rewardsUnlocked);
    assertEquals(26, s.loyaltyActions());

    assertEquals(List.of(new ReplaySummary.Ranked(1, "12345", 210), new ReplaySummary.Ranked(2, "44444", 101),
        new ReplaySummary.Ranked(3, "33333", 100), new ReplaySummary.Ranked(4, "55555", 25),
        new ReplaySummary.Ranked(5, "22222", 5)), s.allTimeTop());
    // The months that hold an invoice: February's only one has a date that does not parse; March to May hold none.
    assertEquals(List.of(YearMonth.of(2010, 12), YearMonth.of(2011, 1), YearMonth.of(2011, 6),
        YearMonth.of(2011, 7), YearMonth.of(2011, 8)), List.copyOf(s.monthlyTop().keySet()));
    assertEquals(List.of(new ReplaySummary.Ranked(1, "12345", 100)), s.monthlyTop().get(YearMonth.of(2010, 12)));
    assertEquals(List.of(new ReplaySummary.Ranked(1, "12345", 110), new ReplaySummary.Ranked(2, "33333", 100),
        new ReplaySummary.Ranked(3, "22222", 5)), s.monthlyTop().get(YearMonth.of(2011, 1)));
    assertEquals(List.of(), s.monthlyTop().get(YearMonth.of(2011, 8)), "an adjustment invoice alone");
    // The BST invoice of 00:30 on 1 July counts in July (London), not June (UTC).
    assertEquals(List.of(new ReplaySummary.Ranked(1, "44444", 1)), s.monthlyTop().get(YearMonth.of(2011, 6)));
    assertEquals(List.of(new ReplaySummary.Ranked(1, "44444", 100), new ReplaySummary.Ranked(2, "55555", 25)),
        s.monthlyTop().get(YearMonth.of(2011, 7)));

    assertEquals(EXPORT, Files.readString(export));

    String text = print(s);
    assertTrue(text.contains("Invoices         42: 29 applied (26 purchases, 3 cancellations), 13 skipped, 0 refused"
        + " by the engine, 0 applied by an earlier run"), text);
    assertTrue(text.contains("Points           441 awarded, 25 deducted (cancellations asked for 65: 2 capped at the"
        + " balance, 1 of them on a zero balance)"), text);
    assertTrue(text.contains("    1. customer 12345             210"), text);
    assertTrue(text.contains("  2011-01  1. 12345 110  |  2. 33333 100  |  3. 22222 5"), text);
    assertTrue(text.contains("  2011-08  -" + System.lineSeparator()), text);
    assertTrue(text.contains("  skipped               5  a line could not be read"), text);
  }

  @Test
  void aRerunOfTheSameFileOnTheSameDatabaseChangesNothing() throws Exception {
    Path export = dir.resolve("customers.csv");
    ReplayOptions options = options(fixture().toString(), "--db", dir.resolve("db").toString(), "--export",
        export.toString());
    replay(options);
    List<Long> before = rowCounts(options);

    ReplaySummary again = replay(options);
    assertEquals(before, rowCounts(options));
    assertEquals(EXPORT, Files.readString(export));
    Tally t = again.tally();
    assertEquals(29, t.alreadyApplied);
    assertEquals(0, t.applied());
    assertEquals(0, t.pointsAwarded);
    assertEquals(0, t.pointsDeducted);
    assertEquals(0, t.rewardsUnlocked);
    assertEquals(0, t.newCustomers);
    assertEquals(5, again.customers());
    assertEquals(13, t.skippedTotal());
    assertEquals("12345", again.allTimeTop().get(0).customerId());
  }

  @Test
  void idempotencyKeysFromTheInvoiceNumberReplayPurchasesAnEarlierRunApplied() throws Exception {
    Path export = dir.resolve("customers.csv");
    ReplayOptions options = options(fixture().toString(), "--db", dir.resolve("db").toString(), "--export",
        export.toString());
    replay(options);
    // Forget the purchases' rows in the replay's table: only the engine's idempotency keys stand in the way now.
    execute(options, "DELETE FROM retail_replay_invoice WHERE kind = 'P'");
    List<Long> before = rowCounts(options);

    Tally t = replay(options).tally();
    assertEquals(26, t.purchases);
    assertEquals(26, t.replayedByKey);
    assertEquals(3, t.alreadyApplied);
    assertEquals(0, t.pointsAwarded);
    assertEquals(0, t.rewardsUnlocked);
    assertEquals(before.subList(0, 5), rowCounts(options).subList(0, 5), "no participant, entry, action, reward"
        + " or event was written");
    assertEquals(EXPORT, Files.readString(export));
  }

  @Test
  void anInvoiceTheEngineRefusesIsCountedAndTheReplayGoesOn() throws Exception {
    Path export = dir.resolve("customers.csv");
    Path db = dir.resolve("db");
    replay(options(fixture().toString(), "--db", db.toString()));
    execute(options(fixture().toString(), "--db", db.toString()),
        "DELETE FROM retail_replay_invoice WHERE invoice_no = '560001'");
    // The same invoice number with another value: its award's key is taken by other parameters, a CONFLICT.
    Path changed = ReplayFixture.write(dir.resolve("changed.csv"), ReplayFixture.text()
        .replace("560001,22469,HEART OF WICKER SMALL,12,", "560001,22469,HEART OF WICKER SMALL,13,"));

    Tally t = replay(options(changed.toString(), "--db", db.toString(), "--export", export.toString())).tally();
    assertEquals(Map.of(ErrorCode.CONFLICT, 1L), t.refused);
    assertEquals(0, t.applied());
    assertEquals(28, t.alreadyApplied);
    assertEquals(EXPORT, Files.readString(export), "55555 keeps 25 points and 1 action");
  }

  /**
   * Invoices at the ends of the dates the log may hold, and a lone typo far from the rest: the replay runs to its
   * summary, which lists the months that hold an invoice, not every month in between.
   */
  @Test
  void invoicesYearsApartReplayAndTheSummaryListsTheirMonthsOnly() throws Exception {
    Path log = ReplayFixture.write(dir.resolve("far.csv"), "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,"
        + "UnitPrice,CustomerID,Country\n"
        + "1,s,d,2,0001-01-01 00:30:00,1,11,UK\n"
        + "2,s,d,3,2010-12-01 08:26:00,1,12,UK\n"
        + "3,s,d,4,12/31/9999 23:59,1,13,UK\n"
        + "4,s,d,5,1/1/+300000 0:00,1,14,UK\n");
    ReplaySummary s = replay(options(log.toString(), "--db", dir.resolve("db").toString(), "--quiet"));

    assertEquals(Map.of(OrderLog.RowProblem.INVOICE_DATE, 1L), s.malformedRows());
    assertEquals(3, s.tally().purchases);
    assertEquals(9, s.tally().pointsAwarded);
    assertEquals(List.of(YearMonth.of(1, 1), YearMonth.of(2010, 12), YearMonth.of(9999, 12)),
        List.copyOf(s.monthlyTop().keySet()));
    assertEquals(List.of(new ReplaySummary.Ranked(1, "11", 2)), s.monthlyTop().get(YearMonth.of(1, 1)));
    assertEquals(List.of(new ReplaySummary.Ranked(1, "13", 4)), s.monthlyTop().get(YearMonth.of(9999, 12)));
  }

  @Test
  void aGzippedLogWithCrlfAndABomCommittedOneInvoiceAtATimeEndsTheSame() throws Exception {
    Path gz = ReplayFixture.writeGzipped(dir.resolve("log.csv"),
        "\uFEFF" + ReplayFixture.text().replace("\n", "\r\n"));
    Path export = dir.resolve("customers.csv");
    ReplaySummary s = replay(options(gz.toString(), "--db", dir.resolve("db").toString(), "--batch", "1",
        "--export", export.toString()));
    assertTrue(s.gzipped());
    assertEquals(29, s.tally().applied());
    assertEquals(441, s.tally().pointsAwarded);
    assertEquals(EXPORT, Files.readString(export));
  }

  @Test
  void progressGoesToTheTerminalStreamAndTheSummaryToStandardOutput() throws Exception {
    ReplayOptions options = options(fixture().toString(), "--db", dir.resolve("db").toString());
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    int status = OnlineRetailReplay.run(options, new ProgressBar(errStream, true, System::nanoTime),
        new PrintStream(out, true, StandardCharsets.UTF_8), errStream);
    assertEquals(0, status);
    String bar = err.toString(StandardCharsets.UTF_8);
    assertTrue(bar.contains("\rreading  [") && bar.contains("\rapplying ["), bar);
    assertTrue(bar.contains("100%  49 rows"), bar);
    String summary = out.toString(StandardCharsets.UTF_8);
    assertTrue(summary.startsWith("Online Retail replay of online_retail_fixture.csv (plain) on H2 file "), summary);
    assertTrue(!summary.contains("\r"), summary);
  }

  @Test
  void aMissingLogOrAHeaderWithoutAColumnIsAnInputErrorThatChangesNothing() throws Exception {
    Path db = dir.resolve("db");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    ProgressBar off = new ProgressBar(errStream, false, System::nanoTime);

    assertEquals(2, OnlineRetailReplay.run(options(dir.resolve("absent.csv").toString(), "--db", db.toString()),
        off, out, errStream));
    Path headless = ReplayFixture.write(dir.resolve("bad.csv"), "InvoiceNo,Quantity,InvoiceDate,CustomerID\n1,1,x,1\n");
    assertEquals(2, OnlineRetailReplay.run(options(headless.toString(), "--db", db.toString()), off, out,
        errStream));
    String text = err.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("The order log was not found"), text);
    assertTrue(text.contains("no column UnitPrice"), text);
    assertTrue(Files.notExists(dir.resolve("db.mv.db")), "the log is read before the database is opened");
  }
  @Test
  void anExportThatCannotBeWrittenIsAnInputErrorFoundBeforeAnythingChanges() throws Exception {
    Path db = dir.resolve("db");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    ProgressBar off = new ProgressBar(errStream, false, System::nanoTime);
    Path log = fixture();

    // Under a regular file, and a directory: refused whoever runs it (root included).
    for (Path export : List.of(log.resolve("customers.csv"), dir)) {
      err.reset();
      assertEquals(2, OnlineRetailReplay.run(options(log.toString(), "--db", db.toString(), "--export",
          export.toString()), off, out, errStream));
      String text = err.toString(StandardCharsets.UTF_8);
      assertTrue(text.startsWith("The export cannot be written to " + export), text);
      assertTrue(!text.contains("order log"), text);
    }
    assertTrue(Files.notExists(dir.resolve("db.mv.db")), "checked before the database is opened");
  }

  /**
   * An export onto the order log itself (the same file, by another name too) is refused before anything changes: the
   * export would replace the log with the customers' rows.
   */
  @Test
  void anExportOntoTheOrderLogIsRefusedAndTheLogKept() throws Exception {
    Path log = fixture();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    ProgressBar off = new ProgressBar(errStream, false, System::nanoTime);
    Files.createDirectories(dir.resolve("sub"));
    for (Path export : List.of(log, dir.resolve("sub/../online_retail_fixture.csv"))) {
      err.reset();
      assertEquals(2, OnlineRetailReplay.run(options(log.toString(), "--db", dir.resolve("db").toString(), "--quiet",
          "--export", export.toString()), off, out, errStream));
      String text = err.toString(StandardCharsets.UTF_8);
      assertTrue(text.startsWith("The export cannot be written to " + export), text);
      assertEquals(ReplayFixture.text(), Files.readString(log));
    }
    assertTrue(Files.notExists(dir.resolve("db.mv.db")), "checked before the database is opened");
  }

  @Test
  void aDatabaseThatCannotBeOpenedStopsWithAMessage() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    assertEquals(1, OnlineRetailReplay.run(options(fixture().toString(), "--jdbc-url", "jdbc:nosuch:shop"),
        new ProgressBar(errStream, false, System::nanoTime), out, errStream));
    String text = err.toString(StandardCharsets.UTF_8);
    assertTrue(text.startsWith("The database could not be opened (STORAGE_UNAVAILABLE: "), text);
    assertTrue(text.contains("jdbc:nosuch:shop"), text);
  }

  @Test
  void aMistakeOnTheCommandLineIsAMessageAndStatus2() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    assertEquals(2, OnlineRetailReplay.execute(new String[] {"log.csv", "--verbose"}, Map.of(), out, errStream));
    assertEquals("unknown option --verbose; " + ReplayOptions.USAGE + System.lineSeparator(),
        err.toString(StandardCharsets.UTF_8));
  }
  @Test
  void aDamagedGzipIsAnInputErrorThatChangesNothing() throws Exception {
    Path whole = ReplayFixture.writeGzipped(dir.resolve("whole.csv.gz"), ReplayFixture.text());
    byte[] bytes = Files.readAllBytes(whole);
    Path cut = dir.resolve("cut.csv.gz");
    Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    assertEquals(2, OnlineRetailReplay.run(options(cut.toString(), "--db", dir.resolve("db").toString()),
        new ProgressBar(errStream, false, System::nanoTime), out, errStream));
    assertEquals("The order log could not be read: EOFException" + System.lineSeparator(),
        err.toString(StandardCharsets.UTF_8));
    assertTrue(Files.notExists(dir.resolve("db.mv.db")));
  }
}
