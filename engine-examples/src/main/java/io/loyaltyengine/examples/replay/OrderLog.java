package io.loyaltyengine.examples.replay;

import io.loyaltyengine.LoyaltyException;
import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * An order log in the line-level Online Retail format, read and grouped into invoices in replay order.
 *
 * <p>Columns: InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country. With a
 * header row they may come in any order (found by name, case-insensitive; only InvoiceNo, Quantity, InvoiceDate,
 * UnitPrice and CustomerID are used); without one, in this order. A row is malformed, counted by
 * {@link RowProblem} and left out, when its field count differs from the header's or a used field does not parse:
 * <ul>
 *   <li>InvoiceNo: 1..32 ASCII letters and digits;
 *   <li>Quantity: a whole number (sign allowed), at most 18 digits;
 *   <li>UnitPrice: a plain decimal (sign allowed, no exponent), at most 18 digits before and 10 after the point;
 *   <li>InvoiceDate: {@code yyyy-MM-dd HH:mm:ss} (also with {@code T}, or without seconds), or the original UCI
 *       form {@code M/d/yyyy H:mm}; UK local time; in the years 1 to 9999;
 *   <li>CustomerID: empty, or a whole number of at most 18 digits, optionally written with a zero fraction
 *       ({@code 17850.0}).
 * </ul>
 * A malformed row whose invoice number reads makes that invoice {@link Invoice.SkipReason#MALFORMED_LINE}: its
 * value cannot be known. A record over several lines that is malformed as a record (a stray quote's: the wrong
 * number of fields, a quote left open, too long) is its first line only, and the lines after it are read again as
 * rows ({@link CsvRecordReader#rereadFromSecondLine()}); one of the right width with a malformed value is one row, a
 * description with line breaks. Nothing in the data throws; only a header without a needed column does.
 *
 * <p>Immutable once read; thread-safe.
 */
final class OrderLog {
  /** Why a row of the log was left out. */
  enum RowProblem {
    /** A quoted field was still open at the end of the file. */
    UNTERMINATED_QUOTE("unterminated quote"),
    /** A record longer than the limit. */
    RECORD_TOO_LONG("record too long"),
    /** More or fewer fields than the header. */
    FIELD_COUNT("wrong number of fields"),
    /** InvoiceNo empty or not letters and digits. */
    INVOICE_NO("bad InvoiceNo"),
    /** Quantity not a whole number. */
    QUANTITY("bad Quantity"),
    /** UnitPrice not a decimal. */
    UNIT_PRICE("bad UnitPrice"),
    /** InvoiceDate not a date and time. */
    INVOICE_DATE("bad InvoiceDate"),
    /** CustomerID not a whole number. */
    CUSTOMER_ID("bad CustomerID");

    private final String label;

    RowProblem(String label) {
      this.label = label;
    }

    /** Words for the summary. */
    String label() {
      return label;
    }
  }

  /** The longest record read: far above any real line, low enough that a stray quote cannot eat the memory. */
  static final int MAX_RECORD_CHARS = 64 * 1024;

  private static final List<String> COLUMNS = List.of("invoiceno", "stockcode", "description", "quantity",
      "invoicedate", "unitprice", "customerid", "country");
  /** Strict, as the ISO form is read: a day or hour that does not exist (2/30, 24:00) is malformed, not moved. */
  private static final DateTimeFormatter UCI_DATE = DateTimeFormatter.ofPattern("M/d/uuuu H:mm", Locale.ROOT)
      .withResolverStyle(ResolverStyle.STRICT);

  private final List<Invoice> invoices;
  private final long rows;
  private final Map<RowProblem, Long> malformedRows;
  private final int customers;

  private OrderLog(List<Invoice> invoices, long rows, Map<RowProblem, Long> malformedRows, int customers) {
    this.invoices = Collections.unmodifiableList(invoices);
    this.rows = rows;
    this.malformedRows = Collections.unmodifiableMap(malformedRows);
    this.customers = customers;
  }

  /** Distinct customer ids on readable rows, whatever becomes of their invoices. */
  int customers() {
    return customers;
  }

  /** The invoices, in replay order: time, then invoice number as text. */
  List<Invoice> invoices() {
    return invoices;
  }

  /** Data rows read (the header not counted), malformed ones included. */
  long rows() {
    return rows;
  }

  /** Malformed rows by problem (only problems that occurred). */
  Map<RowProblem, Long> malformedRows() {
    return malformedRows;
  }

  /**
   * Reads a whole log and groups it.
   *
   * @param text the log's text; closed by the caller
   * @param rowsRead told the running count of rows read, every 1,000 rows and at the end
   * @throws IOException if the text cannot be read
   * @throws LoyaltyException VALIDATION_ERROR on {@code header} if a header row lacks a needed column
   */
  static OrderLog read(Reader text, LongConsumer rowsRead) throws IOException {
    CsvRecordReader records = new CsvRecordReader(text, MAX_RECORD_CHARS);
    Map<String, Invoice> byNumber = new HashMap<>();
    Map<RowProblem, Long> malformed = new EnumMap<>(RowProblem.class);
    Set<String> customers = new HashSet<>();
    Columns columns = null;
    long rows = 0;
    Parser parser = new Parser();
    CsvRecordReader.Record record;
    while ((record = records.next()) != null) {
      if (columns == null) {
        columns = Columns.of(record);
        if (columns.header()) {
          continue;
        }
      }
      rows++;
      if (rows % 1_000 == 0) {
        rowsRead.accept(rows);
      }
      RowProblem problem = parser.parse(record, columns);
      if (problem == null) {
        byNumber.computeIfAbsent(parser.invoiceNo, Invoice::new)
            .add(parser.time, parser.lineValue, parser.customerId);
        if (parser.customerId != null) {
          customers.add(parser.customerId);
        }
        continue;
      }
      malformed.merge(problem, 1L, Long::sum);
      // Over several lines and of the wrong width, the record is a stray quote's: its first line is the malformed row,
      // the others are read again as rows of their own (the reader did so for its own problems). One of the right
      // width with a bad value reads as a description with line breaks, and is one malformed row.
      if (problem == RowProblem.FIELD_COUNT) {
        records.rereadFromSecondLine();
      }
      if (parser.invoiceNo != null) {
        byNumber.computeIfAbsent(parser.invoiceNo, Invoice::new).addMalformed();
      }
    }
    rowsRead.accept(rows);
    List<Invoice> invoices = new ArrayList<>(byNumber.values());
    invoices.sort(Invoice.REPLAY_ORDER);
    return new OrderLog(invoices, rows, malformed, customers.size());
  }

  /**
   * Where the used columns are.
   *
   * @param header whether the first record was a header (and so no data)
   * @param count fields per row
   */
  private record Columns(boolean header, int count, int invoiceNo, int quantity, int invoiceDate, int unitPrice,
      int customerId) {

    static final Columns DEFAULT = new Columns(false, 8, 0, 3, 4, 5, 6);

    static Columns of(CsvRecordReader.Record first) {
      List<String> names = new ArrayList<>(first.fields().size());
      for (String f : first.fields()) {
        names.add(f.strip().toLowerCase(Locale.ROOT));
      }
      if (first.problem() != null || !names.contains("invoiceno")) {
        return DEFAULT;
      }
      return new Columns(true, names.size(), index(names, "InvoiceNo"), index(names, "Quantity"),
          index(names, "InvoiceDate"), index(names, "UnitPrice"), index(names, "CustomerID"));
    }

    private static int index(List<String> names, String column) {
      int i = names.indexOf(column.toLowerCase(Locale.ROOT));
      if (i < 0) {
        throw LoyaltyException.validation("header", "the header row has no column " + column
            + "; expected the Online Retail columns " + COLUMNS);
      }
      return i;
    }
  }

  /** Parses one row into its fields; reused from row to row. Not thread-safe. */
  private static final class Parser {
    String invoiceNo;
    LocalDateTime time;
    BigDecimal lineValue;
    String customerId;
    private String lastDateText;
    private LocalDateTime lastDate;

    RowProblem parse(CsvRecordReader.Record record, Columns columns) {
      invoiceNo = null;
      List<String> f = record.fields();
      if (record.problem() != null || f.size() != columns.count()) {
        // The row cannot be read, but its invoice number may: in the first column it is whole whatever went wrong
        // after it (a stray comma or quote, a cut-off line), and its invoice, whose value is then unknown, is
        // skipped rather than applied at the value of its other lines. Further right it may have shifted.
        if (columns.invoiceNo() == 0 && !f.isEmpty() && isInvoiceNumber(f.get(0).strip())) {
          invoiceNo = f.get(0).strip();
        }
        if (record.problem() == null) {
          return RowProblem.FIELD_COUNT;
        }
        return record.problem() == CsvRecordReader.Problem.UNTERMINATED_QUOTE
            ? RowProblem.UNTERMINATED_QUOTE : RowProblem.RECORD_TOO_LONG;
      }
      String number = f.get(columns.invoiceNo()).strip();
      if (!isInvoiceNumber(number)) {
        return RowProblem.INVOICE_NO;
      }
      invoiceNo = number;
      BigDecimal quantity = decimal(f.get(columns.quantity()).strip(), true);
      if (quantity == null) {
        return RowProblem.QUANTITY;
      }
      BigDecimal price = decimal(f.get(columns.unitPrice()).strip(), false);
      if (price == null) {
        return RowProblem.UNIT_PRICE;
      }
      time = date(f.get(columns.invoiceDate()).strip());
      if (time == null) {
        return RowProblem.INVOICE_DATE;
      }
      String customer = f.get(columns.customerId()).strip();
      if (customer.isEmpty()) {
        customerId = null;
      } else {
        customerId = customerId(customer);
        if (customerId == null) {
          return RowProblem.CUSTOMER_ID;
        }
      }
      lineValue = quantity.multiply(price);
      return null;
    }

    private static boolean isInvoiceNumber(String s) {
      if (s.isEmpty() || s.length() > 32) {
        return false;
      }
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (!(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')) {
          return false;
        }
      }
      return true;
    }

    /** A plain decimal (or whole number) with an optional sign, or null: no exponent, no grouping. */
    private static BigDecimal decimal(String s, boolean whole) {
      int i = 0;
      int n = s.length();
      if (i < n && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
        i++;
      }
      int intDigits = 0;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
        intDigits++;
      }
      int fractionDigits = 0;
      if (i < n && s.charAt(i) == '.' && !whole) {
        i++;
        while (i < n && isDigit(s.charAt(i))) {
          i++;
          fractionDigits++;
        }
        if (fractionDigits == 0) {
          return null;
        }
      }
      if (i != n || intDigits + fractionDigits == 0 || intDigits > 18 || fractionDigits > 10) {
        return null;
      }
      return new BigDecimal(s);
    }

    /** Digits, optionally with a zero fraction, as the digits of a whole number without leading zeros. */
    private static String customerId(String s) {
      int dot = s.indexOf('.');
      String digits = dot < 0 ? s : s.substring(0, dot);
      if (dot >= 0) {
        if (dot == s.length() - 1) {
          return null;
        }
        for (int i = dot + 1; i < s.length(); i++) {
          if (s.charAt(i) != '0') {
            return null;
          }
        }
      }
      if (digits.isEmpty() || digits.length() > 18) {
        return null;
      }
      for (int i = 0; i < digits.length(); i++) {
        if (!isDigit(digits.charAt(i))) {
          return null;
        }
      }
      return Long.toString(Long.parseLong(digits));
    }

    private LocalDateTime date(String s) {
      if (s.equals(lastDateText)) {
        return lastDate;
      }
      LocalDateTime parsed = parseDate(s);
      if (parsed != null) {
        lastDateText = s;
        lastDate = parsed;
      }
      return parsed;
    }

    /**
     * The date, or null if it does not parse or falls outside the years 1 to 9999, the engine's range for a month's
     * board (the UCI form reads longer and signed years).
     */
    private static LocalDateTime parseDate(String s) {
      LocalDateTime parsed = parseAnyYear(s);
      return parsed == null || parsed.getYear() < 1 || parsed.getYear() > 9999 ? null : parsed;
    }

    private static LocalDateTime parseAnyYear(String s) {
      try {
        int n = s.length();
        if ((n == 19 || n == 16) && s.charAt(4) == '-' && s.charAt(7) == '-'
            && (s.charAt(10) == ' ' || s.charAt(10) == 'T') && s.charAt(13) == ':'
            && (n == 16 || s.charAt(16) == ':')) {
          int year = digits(s, 0, 4);
          int month = digits(s, 5, 7);
          int day = digits(s, 8, 10);
          int hour = digits(s, 11, 13);
          int minute = digits(s, 14, 16);
          int second = n == 19 ? digits(s, 17, 19) : 0;
          if ((year | month | day | hour | minute | second) < 0) {
            return null;
          }
          return LocalDateTime.of(year, month, day, hour, minute, second);
        }
        if (s.indexOf('/') > 0) {
          return LocalDateTime.parse(s, UCI_DATE);
        }
        return null;
      } catch (DateTimeException e) {
        // Unparseable, or a field out of range such as 2011-02-30.
        return null;
      }
    }

    /** The number written in {@code s[from, to)}, or -1 unless all are digits. */
    private static int digits(String s, int from, int to) {
      int v = 0;
      for (int i = from; i < to; i++) {
        char c = s.charAt(i);
        if (!isDigit(c)) {
          return -1;
        }
        v = v * 10 + (c - '0');
      }
      return v;
    }

    private static boolean isDigit(char c) {
      return c >= '0' && c <= '9';
    }
  }
}
