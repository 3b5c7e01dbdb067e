package io.loyaltyengine.examples.replay;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Comparator;
import java.util.Objects;

/**
 * One invoice of the order log: its lines added up. Its value is the exact sum of Quantity x UnitPrice over its
 * readable lines, its time the earliest of their times (UK local time), its customer the one its lines name.
 *
 * <p>What the replay does with it is decided here, by the fixed rule of the replay: a purchase (a number that
 * starts with a digit) with a customer and a value of at least 1 awards floor(value) points; a cancellation
 * ({@code C...}) with a customer deducts floor(|value|) points, capped at the balance; everything else is skipped
 * for a {@link SkipReason}.
 *
 * <p>Not thread-safe while lines are added; read-only afterwards.
 */
final class Invoice {
  /** The zone the log's times are written in, and the replay campaign's zone. */
  static final ZoneId UK = ZoneId.of("Europe/London");

  /** Time order (an invoice without a readable line first), ties by invoice number compared as text. */
  static final Comparator<Invoice> REPLAY_ORDER = Comparator
      .comparing(Invoice::time, Comparator.nullsFirst(Comparator.naturalOrder()))
      .thenComparing(Invoice::number);

  /** What an invoice is, by the prefix of its number. */
  enum Kind {
    /** No letter prefix: a sale. */
    PURCHASE,
    /** {@code C...}: a cancellation (a refund of earlier sales, which it does not name). */
    CANCELLATION,
    /** {@code A...}: a bookkeeping adjustment. */
    ADJUSTMENT,
    /** Any other letter prefix. */
    OTHER
  }

  /** Why an invoice changes nothing. */
  enum SkipReason {
    /** One of its lines could not be read, so its value is unknown. */
    MALFORMED_LINE("a line could not be read"),
    /** An adjustment invoice ({@code A...}). */
    ADJUSTMENT("adjustment invoice (A...)"),
    /** A number with a letter prefix other than C and A. */
    UNKNOWN_PREFIX("unknown invoice prefix"),
    /** Its lines name different customers (or some name one and some none). */
    CONFLICTING_CUSTOMERS("lines name different customers"),
    /** No customer id. */
    NO_CUSTOMER("no customer"),
    /** A purchase worth less than 1, or a cancellation of less than 1. */
    VALUE_UNDER_ONE("value under 1"),
    /** More points than the engine takes in one operation. */
    VALUE_OVER_LIMIT("value over the engine's per-operation limit");

    private final String label;

    SkipReason(String label) {
      this.label = label;
    }

    /** Words for the summary. */
    String label() {
      return label;
    }
  }

  private final String number;
  private LocalDateTime time;
  private BigDecimal value = BigDecimal.ZERO;
  private String customerId;
  private boolean hasReadableLine;
  private boolean conflictingCustomers;
  private boolean malformedLine;
  private int lines;

  /** An invoice without lines yet. */
  Invoice(String number) {
    this.number = Objects.requireNonNull(number, "number");
  }

  /** Adds a readable line. */
  void add(LocalDateTime lineTime, BigDecimal lineValue, String lineCustomerId) {
    lines++;
    value = value.add(lineValue);
    if (time == null || lineTime.isBefore(time)) {
      time = lineTime;
    }
    if (!hasReadableLine) {
      hasReadableLine = true;
      customerId = lineCustomerId;
    } else if (!Objects.equals(customerId, lineCustomerId)) {
      conflictingCustomers = true;
    }
  }

  /** Adds a line that names this invoice but could not be read. */
  void addMalformed() {
    lines++;
    malformedLine = true;
  }

  /** The invoice number, as written. */
  String number() {
    return number;
  }

  /** The earliest time of its readable lines, UK local time; null if none was readable. */
  LocalDateTime time() {
    return time;
  }

  /** {@link #time()} as an instant, read in Europe/London (a time in the spring-forward gap moves forward). */
  Instant instant() {
    return time.atZone(UK).toInstant();
  }

  /** The exact sum of Quantity x UnitPrice over its readable lines. */
  BigDecimal value() {
    return value;
  }

  /** The customer id (digits, without {@code .0}), or null. */
  String customerId() {
    return customerId;
  }

  /** Lines of the log that name this invoice, readable or not. */
  int lines() {
    return lines;
  }

  /** What the invoice is, by its number's prefix. */
  Kind kind() {
    char first = number.charAt(0);
    if (first >= '0' && first <= '9') {
      return Kind.PURCHASE;
    }
    return switch (Character.toUpperCase(first)) {
      case 'C' -> Kind.CANCELLATION;
      case 'A' -> Kind.ADJUSTMENT;
      default -> Kind.OTHER;
    };
  }

  /** The points at stake: floor(value) for a purchase, floor(|value|) for a cancellation. */
  BigDecimal points() {
    return (kind() == Kind.CANCELLATION ? value.abs() : value).setScale(0, RoundingMode.FLOOR);
  }

  /**
   * Why the replay skips this invoice, or null if it applies it.
   *
   * @param maxPointsPerOperation the engine's limit on one award or deduction
   */
  SkipReason skipReason(long maxPointsPerOperation) {
    if (malformedLine) {
      return SkipReason.MALFORMED_LINE;
    }
    Kind kind = kind();
    if (kind == Kind.ADJUSTMENT) {
      return SkipReason.ADJUSTMENT;
    }
    if (kind == Kind.OTHER) {
      return SkipReason.UNKNOWN_PREFIX;
    }
    if (conflictingCustomers) {
      return SkipReason.CONFLICTING_CUSTOMERS;
    }
    if (customerId == null) {
      return SkipReason.NO_CUSTOMER;
    }
    BigDecimal points = points();
    if (points.signum() <= 0) {
      return SkipReason.VALUE_UNDER_ONE;
    }
    // A cancellation takes at most the balance, in as many deductions as it needs (RetailReplay).
    if (kind == Kind.PURCHASE && points.compareTo(BigDecimal.valueOf(maxPointsPerOperation)) > 0) {
      return SkipReason.VALUE_OVER_LIMIT;
    }
    return null;
  }

  @Override
  public String toString() {
    // No customer id: the replay never writes one to a log line or an exception.
    return "Invoice[" + number + ", " + time + ", lines=" + lines + "]";
  }
}
