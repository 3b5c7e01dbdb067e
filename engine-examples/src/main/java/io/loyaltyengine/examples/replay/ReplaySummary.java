package io.loyaltyengine.examples.replay;

import java.io.PrintStream;
import java.time.YearMonth;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a replay did, for the closing report: the log, the invoices applied and skipped, the points, the rewards,
 * the boards (by points awarded) and the time taken. Immutable once built.
 *
 * @param source the log's file name
 * @param gzipped whether the log was gzipped
 * @param target where the replay ran (no credentials)
 * @param rows data rows read
 * @param malformedRows malformed rows by problem
 * @param invoices invoices in the log
 * @param tally what the replay did to them
 * @param customersInLog distinct customer ids on the log's readable rows
 * @param customers participants of the replay's campaign (one per customer ever applied, all runs)
 * @param loyaltyActions loyalty actions recorded in the campaign (all runs)
 * @param allTimeTop the top 10 of the all-time board by points awarded
 * @param monthlyTop the top 3 by points awarded of each month that holds an invoice of the log (Europe/London
 *     months), in order
 * @param readNanos time to read and group the log
 * @param applyNanos time to apply the invoices
 * @param batch invoices per commit
 */
record ReplaySummary(String source, boolean gzipped, String target, long rows,
    Map<OrderLog.RowProblem, Long> malformedRows, long invoices, Tally tally, long customersInLog, long customers,
    long loyaltyActions, List<Ranked> allTimeTop, Map<YearMonth, List<Ranked>> monthlyTop, long readNanos,
    long applyNanos, int batch) {

  /**
   * One row of a board.
   *
   * @param rank the rank (equal scores share one)
   * @param customerId the customer
   * @param points points awarded in the board's period
   */
  record Ranked(long rank, String customerId, long points) {
  }

  /** Data rows per second over reading and applying. */
  double rowsPerSecond() {
    return rows / seconds(readNanos + applyNanos);
  }

  /** Invoices handled (applied, skipped, refused or found applied) per second of the apply phase. */
  double invoicesPerSecond() {
    return invoices / seconds(applyNanos);
  }

  private static double seconds(long nanos) {
    return Math.max(1e-9, nanos / 1e9);
  }

  /** Prints the report. */
  void print(PrintStream out) {
    long malformed = malformedRows.values().stream().mapToLong(Long::longValue).sum();
    out.printf(Locale.ROOT, "Online Retail replay of %s (%s) on %s%n", source, gzipped ? "gzip" : "plain", target);
    out.printf(Locale.ROOT, "Rows             %,d read, %,d malformed%s%n", rows, malformed,
        malformed == 0 ? "" : " (" + describe(malformedRows.entrySet().stream()
            .collect(Collectors.toMap(e -> e.getKey().label(), Map.Entry::getValue))) + ")");
    out.printf(Locale.ROOT, "Invoices         %,d: %,d applied (%,d purchases, %,d cancellations), %,d skipped,"
            + " %,d refused by the engine, %,d applied by an earlier run%n",
        invoices, tally.applied(), tally.purchases, tally.cancellations, tally.skippedTotal(), tally.refusedTotal(),
        tally.alreadyApplied);
    for (Invoice.SkipReason reason : Invoice.SkipReason.values()) {
      Long n = tally.skipped.get(reason);
      if (n != null) {
        out.printf(Locale.ROOT, "  skipped        %,8d  %s%n", n, reason.label());
      }
    }
    tally.refused.forEach((code, n) -> out.printf(Locale.ROOT, "  refused        %,8d  %s%n", n, code));
    if (tally.replayedByKey > 0) {
      out.printf(Locale.ROOT, "  replayed       %,8d  already in the ledger (same idempotency keys), changed nothing%n",
          tally.replayedByKey);
    }
    out.printf(Locale.ROOT, "Customers        %,d in the campaign (%,d enrolled by this run); %,d in the log%n",
        customers, tally.newCustomers, customersInLog);
    out.printf(Locale.ROOT, "Points           %,d awarded, %,d deducted (cancellations asked for %,d: %,d capped at"
            + " the balance, %,d of them on a zero balance)%n",
        tally.pointsAwarded, tally.pointsDeducted, tally.pointsAskedBack, tally.cancellationsCapped,
        tally.cancellationsOnZero);
    out.printf(Locale.ROOT, "Rewards          %,d unlocked by this run (one every 10 purchase invoices); %,d loyalty"
        + " actions in the campaign%n", tally.rewardsUnlocked, loyaltyActions);
    out.printf(Locale.ROOT, "Time             %.1f s reading, %.1f s applying (%,d invoices per commit):"
            + " %,.0f rows/s, %,.0f invoices/s%n",
        readNanos / 1e9, applyNanos / 1e9, batch, rowsPerSecond(), invoicesPerSecond());
    out.println();
    out.println("All-time top 10 by points awarded");
    for (Ranked r : allTimeTop) {
      out.printf(Locale.ROOT, "  %3d. customer %-8s %,12d%n", r.rank(), r.customerId(), r.points());
    }
    out.println();
    out.println("Top 3 of each month by points awarded (Europe/London)");
    monthlyTop.forEach((month, top) -> out.printf(Locale.ROOT, "  %s  %s%n", month, top.isEmpty() ? "-"
        : top.stream().map(r -> String.format(Locale.ROOT, "%d. %s %,d", r.rank(), r.customerId(), r.points()))
            .collect(Collectors.joining("  |  "))));
  }

  private static String describe(Map<String, Long> counts) {
    return counts.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).sorted()
        .collect(Collectors.joining(", "));
  }
}
