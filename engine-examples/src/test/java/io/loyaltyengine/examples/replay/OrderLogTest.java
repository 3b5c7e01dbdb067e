package io.loyaltyengine.examples.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the log: fields, malformed rows, grouping into invoices, their order and what happens to each. */
class OrderLogTest {
  private static final String HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,"
      + "Country\n";

  private static OrderLog read(String text) throws IOException {
    return OrderLog.read(new StringReader(text), rows -> { });
  }

  private static Map<String, Invoice> byNumber(OrderLog log) {
    Map<String, Invoice> m = new LinkedHashMap<>();
    log.invoices().forEach(i -> m.put(i.number(), i));
    return m;
  }

  @Test
  void theFixtureGroupsIntoInvoicesWithExactValues() throws IOException {
    OrderLog log = read(ReplayFixture.text());
    assertEquals(49, log.rows());
    assertEquals(42, log.invoices().size());
    assertEquals(Map.of(OrderLog.RowProblem.QUANTITY, 1L, OrderLog.RowProblem.FIELD_COUNT, 1L,
        OrderLog.RowProblem.INVOICE_DATE, 1L, OrderLog.RowProblem.CUSTOMER_ID, 1L,
        OrderLog.RowProblem.UNIT_PRICE, 1L, OrderLog.RowProblem.INVOICE_NO, 1L), log.malformedRows());
    Map<String, Invoice> inv = byNumber(log);

    // 0.7 + 0.1 + 0.2 is 0.9999999999999999 in doubles; exactly 1.0 here, so one point.
    Invoice exact = inv.get("550001");
    assertEquals(0, exact.value().compareTo(BigDecimal.ONE), exact.value().toPlainString());
    assertEquals(BigDecimal.ONE, exact.points());
    assertEquals(3, exact.lines());
    assertEquals("44444", exact.customerId());

    // Two lines of 1 x 5.25; the quoted descriptions (commas, doubled quotes, a line break) parse.
    assertEquals(new BigDecimal("10.50"), inv.get("536405").value());
    assertEquals(2, inv.get("536405").lines());
    assertEquals(new BigDecimal("10.50"), inv.get("536401").value());
    assertEquals(new BigDecimal("10.50"), inv.get("536403").value());

    Invoice cancellation = inv.get("C540002");
    assertEquals(Invoice.Kind.CANCELLATION, cancellation.kind());
    assertEquals(new BigDecimal("-30.00"), cancellation.value());
    assertEquals(new BigDecimal("30"), cancellation.points());
    assertEquals(new BigDecimal("20"), inv.get("C541001").points(), "floor(|-20.50|)");
  }

  @Test
  void invoicesRunInTimeOrderByTheirEarliestLineTiesByNumberAsText() throws IOException {
    List<String> order = read(ReplayFixture.text()).invoices().stream().map(Invoice::number).toList();
    // Invoices without a readable line have no time: first, by number.
    assertEquals(List.of("537001", "537002", "537003", "537004", "536401"), order.subList(0, 5));
    // Same minute: "540001" sorts before "C540002" as text.
    assertTrue(order.indexOf("540001") < order.indexOf("C540002"), order.toString());
    // 541000's lines are at 12:00 and 09:00: its time is 09:00, before the cancellation at 10:00.
    assertTrue(order.indexOf("541000") < order.indexOf("C541001"), order.toString());
    assertEquals(LocalDateTime.of(2011, 1, 10, 9, 0), byNumber(read(ReplayFixture.text())).get("541000").time());
    assertEquals("A563185", order.get(order.size() - 1));
  }

  @Test
  void timesAreUkLocalTime() throws IOException {
    Map<String, Invoice> inv = byNumber(read(ReplayFixture.text()));
    // British Summer Time: 00:30 on 1 July in London is 23:30 UTC on 30 June.
    assertEquals(Instant.parse("2011-06-30T23:30:00Z"), inv.get("550002").instant());
    // Winter: London is UTC.
    assertEquals(Instant.parse("2010-12-01T10:00:00Z"), inv.get("536401").instant());
  }

  @Test
  void everyInvoiceGetsItsRuleOrItsSkipReason() throws IOException {
    Map<String, Invoice.SkipReason> reasons = new LinkedHashMap<>();
    List<String> applied = new ArrayList<>();
    for (Invoice i : read(ReplayFixture.text()).invoices()) {
      Invoice.SkipReason reason = i.skipReason(RetailReplay.MAX_POINTS);
      if (reason == null) {
        applied.add(i.number());
      } else {
        reasons.put(i.number(), reason);
      }
    }
    assertEquals(Map.ofEntries(
        Map.entry("536500", Invoice.SkipReason.NO_CUSTOMER),
        Map.entry("C536501", Invoice.SkipReason.NO_CUSTOMER),
        Map.entry("536900", Invoice.SkipReason.CONFLICTING_CUSTOMERS),
        Map.entry("537000", Invoice.SkipReason.MALFORMED_LINE),
        Map.entry("537001", Invoice.SkipReason.MALFORMED_LINE),
        Map.entry("537002", Invoice.SkipReason.MALFORMED_LINE),
        Map.entry("537003", Invoice.SkipReason.MALFORMED_LINE),
        Map.entry("537004", Invoice.SkipReason.MALFORMED_LINE),
        Map.entry("541002", Invoice.SkipReason.VALUE_UNDER_ONE),
        Map.entry("C560002", Invoice.SkipReason.VALUE_UNDER_ONE),
        Map.entry("541003", Invoice.SkipReason.VALUE_OVER_LIMIT),
        Map.entry("X541004", Invoice.SkipReason.UNKNOWN_PREFIX),
        Map.entry("A563185", Invoice.SkipReason.ADJUSTMENT)), reasons);
    assertEquals(29, applied.size());
    assertTrue(applied.containsAll(List.of("C539000", "540001", "C540002", "541000", "C541001", "550001", "550002",
        "560001")), applied.toString());
  }

  @Test
  void gzipIsFoundByItsMagicBytesNotItsName(@TempDir Path dir) throws IOException {
    String text = ReplayFixture.text();
    Path gzNamedCsv = ReplayFixture.writeGzipped(dir.resolve("log.csv"), text);
    Path plainNamedGz = ReplayFixture.write(dir.resolve("log.csv.gz"), text);
    for (Path p : List.of(gzNamedCsv, plainNamedGz)) {
      LogSource source = LogSource.of(p);
      assertEquals(p == gzNamedCsv, source.gzipped());
      try (Reader r = source.open()) {
        OrderLog log = OrderLog.read(r, rows -> { });
        assertEquals(49, log.rows());
        assertEquals(42, log.invoices().size());
      }
      assertEquals(source.size(), source.bytesRead());
    }
  }

  @Test
  void aByteOrderMarkAndCrlfLineEndsReadTheSame() throws IOException {
    OrderLog plain = read(ReplayFixture.text());
    OrderLog windows = read("\uFEFF" + ReplayFixture.text().replace("\n", "\r\n"));
    assertEquals(plain.rows(), windows.rows());
    assertEquals(plain.malformedRows(), windows.malformedRows());
    assertEquals(plain.invoices().stream().map(i -> i.number() + " " + i.value() + " " + i.time()).toList(),
        windows.invoices().stream().map(i -> i.number() + " " + i.value() + " " + i.time()).toList());
  }

  @Test
  void columnsAreFoundByTheHeaderOrTakenInTheStandardOrderWithoutOne() throws IOException {
    OrderLog reordered = read("country,CUSTOMERID,UnitPrice,InvoiceDate,Quantity,Description,StockCode,InvoiceNo\n"
        + "United Kingdom,17850.0,2.55,2010-12-01 08:26:00,6,\"HEART, WHITE\",85123A,536365\n");
    Invoice i = reordered.invoices().get(0);
    assertEquals("536365", i.number());
    assertEquals(new BigDecimal("15.30"), i.value());
    assertEquals("17850", i.customerId());

    OrderLog headless = read("536365,85123A,WHITE,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n");
    assertEquals(1, headless.rows());
    assertEquals(new BigDecimal("15.30"), headless.invoices().get(0).value());
  }

  @Test
  void aHeaderWithoutANeededColumnIsAValidationErrorOnHeader() {
    LoyaltyException e = assertThrows(LoyaltyException.class,
        () -> read("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,CustomerID,Country\n"));
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals("header", e.field().orElseThrow());
    assertTrue(e.getMessage().contains("UnitPrice"), e.getMessage());
  }

  @Test
  void fieldFormats() throws IOException {
    OrderLog log = read(HEADER
        + "1,s,d,+2,2010-12-01T08:26:00,1.5,017850.00,UK\n"      // T separator, leading zeros, zero fraction
        + "2,s,d,1,2010-12-01 08:26,1,,UK\n"                     // no seconds, no customer
        + "3,s,d,1,12/1/2010 8:26,1,17850,UK\n"                  // the original UCI date form
        + "4,s,d,2.5,2010-12-01 08:26:00,1,1,UK\n"               // fractional quantity
        + "5,s,d,1,2010-12-01 08:26:00,1e3,1,UK\n"               // exponent
        + "6,s,d,1,2010-12-01 08:26:00,1,17850.5,UK\n"           // fractional customer id
        + "7,s,d,1,2010-13-01 08:26:00,1,1,UK\n"                 // month 13
        + "8,s,d,1,2010-12-01 08:26:00,.,1,UK\n"                 // no digits
        + " 9 ,s,d, 1 ,2010-12-01 08:26:00 , 1.25 , 1.0 ,UK\n"); // spaces around fields
    Map<String, Invoice> inv = byNumber(log);
    assertEquals("17850", inv.get("1").customerId());
    assertEquals(new BigDecimal("3.0"), inv.get("1").value());
    assertEquals(LocalDateTime.of(2010, 12, 1, 8, 26), inv.get("1").time());
    assertNull(inv.get("2").customerId());
    assertEquals(LocalDateTime.of(2010, 12, 1, 8, 26), inv.get("2").time());
    assertEquals(LocalDateTime.of(2010, 12, 1, 8, 26), inv.get("3").time());
    assertEquals("1", inv.get("9").customerId());
    assertEquals(new BigDecimal("1.25"), inv.get("9").value());
    assertEquals(Map.of(OrderLog.RowProblem.QUANTITY, 1L, OrderLog.RowProblem.UNIT_PRICE, 2L,
        OrderLog.RowProblem.CUSTOMER_ID, 1L, OrderLog.RowProblem.INVOICE_DATE, 1L), log.malformedRows());
    for (String n : List.of("4", "5", "6", "7", "8")) {
      assertEquals(Invoice.SkipReason.MALFORMED_LINE, inv.get(n).skipReason(RetailReplay.MAX_POINTS), n);
    }
  }

  /**
   * Years 1 to 9999, the engine's range for a month's board: the UCI form reads longer years and signed ones, and
   * a log that held one would stop the replay at the summary of its months.
   */
  @Test
  void datesOutsideTheYears1To9999AreMalformed() throws IOException {
    OrderLog log = read(HEADER
        + "1,s,d,1,0001-01-01 00:00:00,1,1,UK\n"
        + "2,s,d,1,12/31/9999 23:59,1,1,UK\n"
        + "3,s,d,1,0000-12-31 23:59:59,1,1,UK\n"
        + "4,s,d,1,1/1/+300000 0:00,1,1,UK\n"
        + "5,s,d,1,1/1/-5000 0:00,1,1,UK\n"
        + "6,s,d,1,1/1/0 0:00,1,1,UK\n"
        + "7,s,d,1,1/1/10000 0:00,1,1,UK\n");
    Map<String, Invoice> inv = byNumber(log);
    assertEquals(LocalDateTime.of(1, 1, 1, 0, 0), inv.get("1").time());
    assertEquals(LocalDateTime.of(9999, 12, 31, 23, 59), inv.get("2").time());
    assertEquals(Map.of(OrderLog.RowProblem.INVOICE_DATE, 5L), log.malformedRows());
    for (String n : List.of("3", "4", "5", "6", "7")) {
      assertEquals(Invoice.SkipReason.MALFORMED_LINE, inv.get(n).skipReason(RetailReplay.MAX_POINTS), n);
    }
  }

  /** Invoices 2 and 4 have no readable line: no time, so first, and skipped as MALFORMED_LINE. */
  @Test
  void unreadableRecordsAreCountedTheirInvoicesSkippedAndTheRestIsRead() throws IOException {
    OrderLog log = read(HEADER
        + "1,s,d,1,2010-12-01 08:26:00,1,1,UK\n"
        + "2,s,\"" + "x".repeat(OrderLog.MAX_RECORD_CHARS) + "\",1,2010-12-01 08:26:00,1,1,UK\n"
        + "3,s,d,1,2010-12-01 08:26:00,1,1,UK\n"
        + "4,s,\"never closed,1,2010-12-01 08:26:00,1,1,UK\n");
    assertEquals(4, log.rows());
    assertEquals(Map.of(OrderLog.RowProblem.RECORD_TOO_LONG, 1L, OrderLog.RowProblem.UNTERMINATED_QUOTE, 1L),
        log.malformedRows());
    assertEquals(List.of("2", "4", "1", "3"), log.invoices().stream().map(Invoice::number).toList());
    assertEquals(Arrays.asList(Invoice.SkipReason.MALFORMED_LINE, Invoice.SkipReason.MALFORMED_LINE, null, null),
        log.invoices().stream().map(i -> i.skipReason(RetailReplay.MAX_POINTS)).toList());
  }

  /**
   * A stray quote opens a field that runs over the next lines. When the record it makes is malformed (closed by a
   * quote further down into the wrong number of fields, never closed, or too long), only its own line is the
   * malformed row: the lines after it are rows of their own, read and counted, not lost with it, and an invoice with
   * lines among them is applied at the value of all its lines, not of those after the cut.
   */
  @Test
  void aStrayQuoteMakesOnlyItsOwnLineMalformed() throws IOException {
    String row2 = "2,s,d,1,2011-03-01 11:00:00,5,2,UK\n";
    OrderLog closedFurtherDown = read(HEADER
        + "1,s,\"WHITE HEART,1,2011-03-01 10:00:00,5,1,UK\n"
        + row2 + row2
        + "3,s,\"CAKE TINS, SET OF 3\",1,2011-03-01 12:00:00,4,3,UK\n");
    OrderLog neverClosed = read(HEADER
        + "1,s,\"WHITE HEART,1,2011-03-01 10:00:00,5,1,UK\n"
        + row2 + row2);
    // Past the record limit: the cut fell among invoice 2's lines.
    OrderLog tooLong = read(HEADER
        + "1,s,\"WHITE HEART,1,2011-03-01 10:00:00,5,1,UK\n"
        + row2.repeat(OrderLog.MAX_RECORD_CHARS / row2.length() + 100));
    long tooLongRows = OrderLog.MAX_RECORD_CHARS / row2.length() + 100;

    assertEquals(4, closedFurtherDown.rows());
    assertEquals(Map.of(OrderLog.RowProblem.FIELD_COUNT, 1L), closedFurtherDown.malformedRows());
    assertEquals(new BigDecimal("10"), byNumber(closedFurtherDown).get("2").value());
    assertEquals(new BigDecimal("4"), byNumber(closedFurtherDown).get("3").value());
    assertEquals(2, closedFurtherDown.customers());
    assertEquals(3, neverClosed.rows());
    assertEquals(Map.of(OrderLog.RowProblem.UNTERMINATED_QUOTE, 1L), neverClosed.malformedRows());
    assertEquals(new BigDecimal("10"), byNumber(neverClosed).get("2").value());
    assertEquals(1 + tooLongRows, tooLong.rows());
    assertEquals(Map.of(OrderLog.RowProblem.RECORD_TOO_LONG, 1L), tooLong.malformedRows());
    assertEquals(BigDecimal.valueOf(5 * tooLongRows), byNumber(tooLong).get("2").value());
    for (OrderLog log : List.of(closedFurtherDown, neverClosed, tooLong)) {
      assertEquals(Invoice.SkipReason.MALFORMED_LINE, byNumber(log).get("1").skipReason(RetailReplay.MAX_POINTS));
      assertNull(byNumber(log).get("2").skipReason(RetailReplay.MAX_POINTS));
    }
  }

  /**
   * A row of the right width with a quoted description over two lines is one row, also when a value of it is
   * malformed (here its quantity): REPLAY.md reads such a record as a description with a line break. Its second line
   * is not read again as a row, so no second malformed row is counted and the text after the line break
   * ("HEART" before a comma) is no invoice.
   */
  @Test
  void aRightWidthRowWithABadValueAndAMultiLineDescriptionIsOneMalformedRow() throws IOException {
    OrderLog log = read(HEADER
        + "1,s,\"SET OF 3\nHEART, COOKIE CUTTERS\",x,2011-03-01 10:00:00,5,1,UK\n"
        + "2,s,d,1,2011-03-01 11:00:00,5,2,UK\n");
    assertEquals(2, log.rows());
    assertEquals(Map.of(OrderLog.RowProblem.QUANTITY, 1L), log.malformedRows());
    assertEquals(Set.of("1", "2"), byNumber(log).keySet());
    assertEquals(Invoice.SkipReason.MALFORMED_LINE, byNumber(log).get("1").skipReason(RetailReplay.MAX_POINTS));
  }

  /**
   * A line that cannot be read leaves its invoice's value unknown: an unquoted comma in a description (9 fields), or
   * a log cut off in the middle of its last line (7). Its invoice number, the first field, still reads, so the
   * invoice is skipped rather than applied at the value of its other lines.
   */
  @Test
  void anInvoiceWithAnUnreadableLineIsSkippedNotAppliedAtTheValueOfItsOtherLines() throws IOException {
    OrderLog log = read(HEADER
        + "536365,85123A,WHITE HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n"
        + "536365,71053,LANTERN, WHITE,100,2010-12-01 08:26:00,3.39,17850.0,United Kingdom\n"
        + "536366,85123A,WHITE HEART,6,2010-12-01 08:28:00,2.55,17850.0,United Kingdom\n"
        + "536366,71053,WHITE METAL LANTERN,100,2010-12-01 08:28:00,3.3");
    assertEquals(Map.of(OrderLog.RowProblem.FIELD_COUNT, 2L), log.malformedRows());
    assertEquals(List.of(Invoice.SkipReason.MALFORMED_LINE, Invoice.SkipReason.MALFORMED_LINE),
        log.invoices().stream().map(i -> i.skipReason(RetailReplay.MAX_POINTS)).toList());
  }

  /** A day or an hour that does not exist is malformed in both date forms, not moved to one that does. */
  @Test
  void aDateThatDoesNotExistIsMalformedInEitherForm() throws IOException {
    Map<String, Invoice> inv = byNumber(read(HEADER
        + "1,s,d,1,2011-02-30 10:00:00,5,17850,UK\n"
        + "2,s,d,1,2/30/2011 10:00,5,17850,UK\n"
        + "3,s,d,1,4/31/2011 10:00,5,17850,UK\n"
        + "4,s,d,1,2010-12-31 24:00:00,5,17850,UK\n"
        + "5,s,d,1,12/31/2010 24:00,5,17850,UK\n"
        + "6,s,d,1,2/28/2011 23:59,5,17850,UK\n"));
    for (String number : List.of("1", "2", "3", "4", "5")) {
      assertEquals(Invoice.SkipReason.MALFORMED_LINE, inv.get(number).skipReason(RetailReplay.MAX_POINTS), number);
    }
    assertEquals(LocalDateTime.of(2011, 2, 28, 23, 59), inv.get("6").time());
  }

  /** A record of exactly the limit is read, whether a line break follows it or the file ends. */
  @Test
  void aRecordOfExactlyTheLimitIsRead() throws IOException {
    String start = "1,s,\"";
    String end = "\",1,2010-12-01 08:26:00,5,17850,UK";
    String record = start + "x".repeat(OrderLog.MAX_RECORD_CHARS - start.length() - end.length()) + end;
    assertEquals(Map.of(), read(HEADER + record).malformedRows(), "at the end of the file");
    assertEquals(Map.of(), read(HEADER + record + "\n").malformedRows(), "followed by a line break");
    assertEquals(Map.of(), read(HEADER + record + "\r\n").malformedRows(), "followed by CRLF");
    assertEquals(Map.of(OrderLog.RowProblem.RECORD_TOO_LONG, 1L),
        read(HEADER + record.replace("UK", "UKX") + "\n").malformedRows(), "one character more");
  }

  @Test
  void linesNamingDifferentCustomersOrSomeNoneConflict() throws IOException {
    OrderLog log = read(HEADER
        + "1,s,d,1,2010-12-01 08:26:00,5,17850.0,UK\n"
        + "1,s,d,1,2010-12-01 08:26:00,5,,UK\n"
        + "2,s,d,1,2010-12-01 08:26:00,5,17850.0,UK\n"
        + "2,s,d,1,2010-12-01 08:27:00,5,17850,UK\n");
    Map<String, Invoice> inv = byNumber(log);
    assertEquals(Invoice.SkipReason.CONFLICTING_CUSTOMERS, inv.get("1").skipReason(RetailReplay.MAX_POINTS));
    assertNull(inv.get("2").skipReason(RetailReplay.MAX_POINTS), "17850.0 and 17850 are one customer");
    assertEquals(new BigDecimal("10"), inv.get("2").points());
  }

  @Test
  void prefixesDecideTheKind() {
    assertEquals(Invoice.Kind.PURCHASE, new Invoice("536365").kind());
    assertEquals(Invoice.Kind.CANCELLATION, new Invoice("C536379").kind());
    assertEquals(Invoice.Kind.ADJUSTMENT, new Invoice("A563185").kind());
    assertEquals(Invoice.Kind.OTHER, new Invoice("B1").kind());
  }

  @Test
  void valueLimits() throws IOException {
    OrderLog log = read(HEADER
        + "1,s,d,1,2010-12-01 08:26:00,1.00,1,UK\n"
        + "2,s,d,1,2010-12-01 08:26:00,0.999,1,UK\n"
        + "3,s,d,1,2010-12-01 08:26:00,1000000000.99,1,UK\n"
        + "4,s,d,1,2010-12-01 08:26:00,1000000001,1,UK\n"
        + "5,s,d,-1,2010-12-01 08:26:00,5,1,UK\n"
        + "C6,s,d,-1,2010-12-01 08:26:00,0.99,1,UK\n"
        + "C7,s,d,-1,2010-12-01 08:26:00,1.01,1,UK\n");
    Map<String, Invoice> inv = byNumber(log);
    long max = RetailReplay.MAX_POINTS;
    assertNull(inv.get("1").skipReason(max));
    assertEquals(Invoice.SkipReason.VALUE_UNDER_ONE, inv.get("2").skipReason(max));
    assertNull(inv.get("3").skipReason(max), "floor is exactly the limit");
    assertEquals(Invoice.SkipReason.VALUE_OVER_LIMIT, inv.get("4").skipReason(max));
    assertEquals(Invoice.SkipReason.VALUE_UNDER_ONE, inv.get("5").skipReason(max), "a negative purchase");
    assertEquals(Invoice.SkipReason.VALUE_UNDER_ONE, inv.get("C6").skipReason(max));
    assertNull(inv.get("C7").skipReason(max));
    assertEquals(BigDecimal.ONE, inv.get("C7").points());
  }
}
