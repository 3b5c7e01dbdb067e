package io.loyaltyengine.examples.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.testkit.gen.Gen;
import io.loyaltyengine.testkit.model.ModelRunner;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replay of seeded random order logs against a reference model of the rule (docs/REPLAY.md): lines that read and
 * lines that do not, several lines per invoice in any order, customers written as {@code 17850.0} or with leading
 * zeros, conflicting customers, every invoice prefix, values at the edges of 1 and of the engine's per-operation
 * limit, cancellations beyond the balance, dates years apart and in the clock changes of Europe/London. The model
 * groups, orders and applies the invoices itself; the replay's tally, its export (balance, lifetime points, actions,
 * rewards per customer) and its boards must agree with it.
 *
 * <p>A failing seed is printed with the log it made; {@code -Dloyalty.seed=<seed>} runs that seed alone.
 */
class ReplayFuzzTest {
  private static final String HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,"
      + "Country\n";
  private static final List<String> PRICES = List.of("0", "0.01", "0.333", "0.5", "0.99", "1", "1.25", "2.55", "10",
      "999.99", "1000000000.5");
  private static final List<LocalDateTime> DAYS = List.of(LocalDateTime.of(2010, 12, 1, 8, 26),
      LocalDateTime.of(2011, 3, 27, 0, 30), LocalDateTime.of(2011, 10, 30, 0, 45),
      LocalDateTime.of(2011, 12, 31, 23, 0), LocalDateTime.of(1, 1, 1, 0, 0), LocalDateTime.of(9999, 12, 31, 22, 0),
      LocalDateTime.of(2101, 6, 15, 12, 0));

  @TempDir
  Path dir;

  @Test
  void randomLogsReplayAsTheModelSays() throws Exception {
    for (long seed : ModelRunner.seeds(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)) {
      String log = log(Gen.random(seed));
      try {
        check(seed, log);
      } catch (Exception | AssertionError e) {
        String report = "replay fuzz failed for seed " + seed + " (-Dloyalty.seed=" + seed + "); the log:\n" + log;
        System.err.println(report);
        throw new AssertionError(report, e);
      }
    }
  }

  private void check(long seed, String text) throws Exception {
    Path log = ReplayFixture.write(dir.resolve("log-" + seed + ".csv"), text);
    Path export = dir.resolve("export-" + seed + ".csv");
    ReplaySummary s = new RetailReplay(ReplayOptions.parse(new String[] {log.toString(), "--db",
        dir.resolve("db-" + seed).toString(), "--export", export.toString(), "--quiet"}, Map.of()))
        .run(new ProgressBar(System.err, false, System::nanoTime));
    Model m = new Model(text);

    Tally t = s.tally();
    assertEquals(m.rows, s.rows(), "rows");
    assertEquals(m.malformedRows, s.malformedRows().values().stream().mapToLong(Long::longValue).sum(), "malformed");
    assertEquals(m.invoices.size(), s.invoices(), "invoices");
    assertEquals(m.skipped, t.skipped, "skipped by reason");
    assertEquals(Map.of(), t.refused, "refused");
    assertEquals(m.purchases, t.purchases, "purchases");
    assertEquals(m.cancellations, t.cancellations, "cancellations");
    assertEquals(m.awarded, t.pointsAwarded, "points awarded");
    assertEquals(m.deducted, t.pointsDeducted, "points deducted");
    assertEquals(m.askedBack, t.pointsAskedBack, "points asked back");
    assertEquals(m.capped, t.cancellationsCapped, "cancellations capped");
    assertEquals(m.onZero, t.cancellationsOnZero, "cancellations on a zero balance");
    assertEquals(m.export(), Files.readString(export), "export");

    List<ReplaySummary.Ranked> top = s.allTimeTop();
    assertEquals(Math.min(10, m.lifetime.values().stream().filter(v -> v > 0).count()), top.size(), "top 10 size");
    for (int i = 0; i < top.size(); i++) {
      ReplaySummary.Ranked r = top.get(i);
      assertEquals(m.lifetime.get(r.customerId()), r.points(), "all-time score of " + r.customerId());
      if (i > 0) {
        assertTrue(top.get(i - 1).points() >= r.points(), "all-time board order");
      }
    }
    assertEquals(List.copyOf(m.months.keySet()), List.copyOf(s.monthlyTop().keySet()), "months listed");
    m.months.forEach((month, scores) -> {
      List<ReplaySummary.Ranked> monthTop = s.monthlyTop().get(month);
      assertEquals(Math.min(3, scores.values().stream().filter(v -> v > 0).count()), monthTop.size(), "top 3 size");
      for (int i = 0; i < monthTop.size(); i++) {
        ReplaySummary.Ranked r = monthTop.get(i);
        assertEquals(scores.get(r.customerId()), r.points(), month + " score of " + r.customerId());
        if (i > 0) {
          assertTrue(monthTop.get(i - 1).points() >= r.points(), month + " board order");
        }
      }
    });
  }

  /** A log of 40 to 120 lines over a few invoices and customers. */
  private static String log(RandomGenerator random) {
    int customers = 1 + random.nextInt(6);
    int invoices = 3 + random.nextInt(25);
    List<String> numbers = new ArrayList<>();
    List<Integer> owners = new ArrayList<>();
    for (int i = 0; i < invoices; i++) {
      String prefix = List.of("", "", "", "", "C", "C", "c", "A", "B").get(random.nextInt(9));
      numbers.add(prefix + (536_000 + random.nextInt(400)));
      owners.add(random.nextInt(customers));
    }
    StringBuilder text = new StringBuilder(random.nextInt(5) == 0 ? "" : HEADER);
    int lines = 40 + random.nextInt(81);
    for (int i = 0; i < lines; i++) {
      int invoice = random.nextInt(invoices);
      String number = numbers.get(invoice);
      boolean cancellation = Character.toUpperCase(number.charAt(0)) == 'C';
      int quantity = random.nextInt(8) == 0 ? -random.nextInt(3) : 1 + random.nextInt(12);
      String price = PRICES.get(random.nextInt(PRICES.size()));
      LocalDateTime time = DAYS.get(random.nextInt(DAYS.size())).plusMinutes(random.nextInt(90));
      String date = random.nextBoolean() ? time.toString().replace('T', ' ') + (time.getSecond() == 0 ? ":00" : "")
          : String.format(Locale.ROOT, "%d/%d/%04d %d:%02d", time.getMonthValue(), time.getDayOfMonth(),
              time.getYear(), time.getHour(), time.getMinute());
      int owner = random.nextInt(10) == 0 ? random.nextInt(customers) : owners.get(invoice);
      String customer = switch (random.nextInt(12)) {
        case 0 -> "";
        case 1 -> (17_850 + owner) + ".0";
        case 2 -> "0" + (17_850 + owner);
        default -> Integer.toString(17_850 + owner);
      };
      String[] fields = {number, "85123A", random.nextBoolean() ? "\"MUG, \"\"RED\"\"\"" : "MUG",
          Integer.toString(cancellation ? -quantity : quantity), date, price, customer, "United Kingdom"};
      switch (random.nextInt(25)) {
        case 0 -> fields[3] = "1.5";
        case 1 -> fields[5] = "1e3";
        case 2 -> fields[4] = "2011-02-30 10:00:00";
        case 3 -> fields[6] = "17850x";
        case 4 -> fields[0] = "536-001";
        case 5 -> fields[4] = "1/1/+300000 0:00";
        default -> {
        }
      }
      text.append(String.join(",", fields));
      if (random.nextInt(20) == 0) {
        text.append(",extra");
      }
      text.append(random.nextInt(6) == 0 ? "\r\n" : "\n");
    }
    return text.toString();
  }

  /** The rule of docs/REPLAY.md, worked out from the log's text alone. */
  private static final class Model {
    long rows;
    long malformedRows;
    final Map<String, ModelInvoice> invoices = new HashMap<>();
    final Map<Invoice.SkipReason, Long> skipped = new EnumMap<>(Invoice.SkipReason.class);
    long purchases;
    long cancellations;
    long awarded;
    long deducted;
    BigInteger askedBack = BigInteger.ZERO;
    long capped;
    long onZero;
    final Map<String, Long> balance = new HashMap<>();
    final Map<String, Long> lifetime = new HashMap<>();
    final Map<String, Long> actions = new HashMap<>();
    /** Points awarded per month and customer, for the months that hold an invoice with a time. */
    final Map<YearMonth, Map<String, Long>> months = new LinkedHashMap<>();

    Model(String text) {
      String[] lines = text.split("\r?\n");
      for (int i = 0; i < lines.length; i++) {
        if (i == 0 && lines[0].startsWith("InvoiceNo")) {
          continue;
        }
        rows++;
        read(splitCsv(lines[i]));
      }
      List<ModelInvoice> ordered = new ArrayList<>(invoices.values());
      ordered.sort(Comparator.comparing((ModelInvoice v) -> v.time, Comparator.nullsFirst(Comparator.naturalOrder()))
          .thenComparing(v -> v.number));
      for (ModelInvoice v : ordered) {
        if (v.time != null) {
          months.computeIfAbsent(YearMonth.from(v.time), k -> new HashMap<>());
        }
        apply(v);
      }
    }

    private void read(List<String> f) {
      // The first field names the invoice even of a row of the wrong width (it cannot have shifted).
      String number = f.isEmpty() ? null : f.get(0).strip();
      boolean readable = number != null && number.matches("[A-Za-z0-9]{1,32}");
      if (f.size() != 8) {
        malformedRows++;
        if (readable) {
          invoices.computeIfAbsent(number, ModelInvoice::new).malformed = true;
        }
        return;
      }
      LocalDateTime time = null;
      BigDecimal value = null;
      String customer = null;
      if (readable) {
        time = date(f.get(4).strip());
        String quantity = f.get(3).strip();
        String price = f.get(5).strip();
        String id = f.get(6).strip();
        boolean fieldsRead = time != null && quantity.matches("[+-]?\\d{1,18}")
            && price.matches("[+-]?(\\d{0,18}(\\.\\d{1,10})?)") && !price.matches("[+-]?\\.?")
            && (id.isEmpty() || id.matches("\\d{1,18}(\\.0+)?"));
        if (fieldsRead) {
          value = new BigDecimal(quantity).multiply(new BigDecimal(price));
          customer = id.isEmpty() ? null : new BigInteger(id.replaceAll("\\.0+$", "")).toString();
        }
      }
      if (value == null) {
        malformedRows++;
        if (readable) {
          invoices.computeIfAbsent(number, ModelInvoice::new).malformed = true;
        }
        return;
      }
      invoices.computeIfAbsent(number, ModelInvoice::new).add(time, value, customer);
    }

    private static LocalDateTime date(String s) {
      try {
        LocalDateTime t;
        if (s.contains("/")) {
          String[] dateAndTime = s.split(" ");
          String[] mdy = dateAndTime[0].split("/");
          String[] hm = dateAndTime[1].split(":");
          if (mdy[2].length() < 4) {
            return null;
          }
          t = LocalDateTime.of(Integer.parseInt(mdy[2]), Integer.parseInt(mdy[0]), Integer.parseInt(mdy[1]),
              Integer.parseInt(hm[0]), Integer.parseInt(hm[1]));
        } else {
          t = LocalDateTime.parse(s.replace(' ', 'T'));
        }
        return t.getYear() >= 1 && t.getYear() <= 9999 ? t : null;
      } catch (RuntimeException e) {
        return null;
      }
    }

    private void apply(ModelInvoice v) {
      Invoice.SkipReason reason = v.skipReason();
      if (reason != null) {
        skipped.merge(reason, 1L, Long::sum);
        return;
      }
      long points = v.points();
      String c = v.customer;
      if (v.cancellation()) {
        cancellations++;
        long taken = Math.min(points, balance.getOrDefault(c, 0L));
        balance.put(c, balance.getOrDefault(c, 0L) - taken);
        lifetime.putIfAbsent(c, 0L);
        actions.putIfAbsent(c, 0L);
        deducted += taken;
        askedBack = askedBack.add(v.exactPoints());
        capped += taken < points ? 1 : 0;
        onZero += taken == 0 ? 1 : 0;
      } else {
        purchases++;
        balance.merge(c, points, Long::sum);
        lifetime.merge(c, points, Long::sum);
        actions.merge(c, 1L, Long::sum);
        awarded += points;
        months.get(YearMonth.from(v.time)).merge(c, points, Long::sum);
      }
    }

    String export() {
      StringBuilder out = new StringBuilder("customer_id,balance,lifetime_points,loyalty_actions,rewards_unlocked\n");
      new TreeMap<BigInteger, String>(balance.keySet().stream().collect(Collectors.toMap(
          BigInteger::new, c -> c))).values().forEach(c -> out.append(c).append(',').append(balance.get(c))
          .append(',').append(lifetime.get(c)).append(',').append(actions.get(c)).append(',')
          .append(actions.get(c) / 10).append('\n'));
      return out.toString();
    }
  }

  /** An invoice as the model sees it. */
  private static final class ModelInvoice {
    final String number;
    LocalDateTime time;
    BigDecimal value = BigDecimal.ZERO;
    String customer;
    boolean readLine;
    boolean conflicting;
    boolean malformed;

    ModelInvoice(String number) {
      this.number = number;
    }

    void add(LocalDateTime lineTime, BigDecimal lineValue, String lineCustomer) {
      time = time == null || lineTime.isBefore(time) ? lineTime : time;
      value = value.add(lineValue);
      if (!readLine) {
        readLine = true;
        customer = lineCustomer;
      } else if (!Objects.equals(customer, lineCustomer)) {
        conflicting = true;
      }
    }

    boolean cancellation() {
      return Character.toUpperCase(number.charAt(0)) == 'C';
    }

    long points() {
      return exactPoints().min(BigInteger.valueOf(Long.MAX_VALUE)).longValueExact();
    }

    BigInteger exactPoints() {
      return (cancellation() ? value.abs() : value).setScale(0, RoundingMode.FLOOR).toBigIntegerExact();
    }

    Invoice.SkipReason skipReason() {
      char first = Character.toUpperCase(number.charAt(0));
      if (malformed) {
        return Invoice.SkipReason.MALFORMED_LINE;
      } else if (first == 'A') {
        return Invoice.SkipReason.ADJUSTMENT;
      } else if (first != 'C' && !Character.isDigit(first)) {
        return Invoice.SkipReason.UNKNOWN_PREFIX;
      } else if (conflicting) {
        return Invoice.SkipReason.CONFLICTING_CUSTOMERS;
      } else if (customer == null) {
        return Invoice.SkipReason.NO_CUSTOMER;
      } else if (points() < 1) {
        return Invoice.SkipReason.VALUE_UNDER_ONE;
      } else if (!cancellation() && points() > RetailReplay.MAX_POINTS) {
        // A cancellation takes up to the balance, however much it asks for.
        return Invoice.SkipReason.VALUE_OVER_LIMIT;
      }
      return null;
    }
  }

  /** Splits one CSV line (no line breaks inside quotes in these logs), undoing doubled quotes. */
  private static List<String> splitCsv(String line) {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char ch = line.charAt(i);
      if (quoted && ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
        field.append('"');
        i++;
      } else if (ch == '"') {
        quoted = !quoted;
      } else if (ch == ',' && !quoted) {
        fields.add(field.toString());
        field.setLength(0);
      } else {
        field.append(ch);
      }
    }
    fields.add(field.toString());
    return fields;
  }
}
