package io.loyaltyengine.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.loyaltyengine.benchmarks.StoreKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Turns a JMH JSON result file into the short markdown report of a run: the machine, the stores' durability, each
 * issue target with the figure that checks it and whether it is met, then every engine figure beside its baseline
 * with the ratio engine/baseline, then any other figure.
 *
 * <p>Figures are normalised before they are compared: throughput to operations per second, time to seconds per
 * operation, whatever unit JMH wrote. A ratio is engine score / baseline score in the benchmark's own mode: for
 * throughput the share of the baseline's rate the engine reaches (0.70x = 70%), for time how many times longer the
 * engine takes (1.50x). Its error is the first-order sum of the two relative errors (99.9% intervals, as JMH
 * reports them). A target is met when the point estimate meets it; "borderline" says that the interval crosses the
 * bound.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.loyaltyengine.benchmarks.report.ResultsReport
 * --json results/quick.json --md results/quick.md --profile quick [--command "..."] [--load-at-start "..."]
 * [--load-at-end "..."]}
 *
 * <p>Thread-safe: immutable once built.
 */
public final class ResultsReport {
  private static final String PACKAGE = "io.loyaltyengine.benchmarks.";
  /** A percentile of a sampled benchmark, as JMH names its secondary result. */
  private static final Pattern PERCENTILE = Pattern.compile("p\\d.*");
  private static final Set<String> DURABLE = Set.of(StoreKind.H2.name(), StoreKind.POSTGRES.name());
  private static final Set<String> ANY = Set.of();

  /** What a target checks. */
  enum Check {
    /** engine / baseline at least the bound. */
    RATIO_AT_LEAST,
    /** engine / baseline at most the bound. */
    RATIO_AT_MOST,
    /** The engine's rate at least the bound, in operations per second. */
    RATE_AT_LEAST,
    /** The engine's time at most the bound, in seconds per operation. */
    TIME_AT_MOST
  }

  /**
   * An issue target.
   *
   * @param text what the issue asks, as the report shows it
   * @param stores the stores it applies to; empty for any (or none)
   * @param params further parameters a figure must have to count (e.g. 1M participants)
   * @param check how the figure is checked
   * @param bound the bound
   */
  record Target(String text, Set<String> stores, Map<String, String> params, Check check, double bound) {
    boolean appliesTo(Result r) {
      if (!stores.isEmpty() && !stores.contains(r.params().get("store"))) {
        return false;
      }
      for (Map.Entry<String, String> p : params.entrySet()) {
        if (!p.getValue().equals(r.params().get(p.getKey()))) {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * An engine benchmark and its baseline.
   *
   * @param path what is measured
   * @param engine the engine's benchmark, {@code Class.method}
   * @param baseline the baseline's benchmark, {@code Class.method}
   * @param targets the issue targets it checks
   */
  record Comparison(String path, String engine, String baseline, List<Target> targets) {
  }

  /**
   * One JMH result, normalised.
   *
   * @param benchmark {@code Class.method}, or {@code Class.group:method} for one method of a JMH group benchmark
   * @param mode {@code thrpt}, {@code avgt}, {@code sample} or {@code ss}
   * @param threads benchmark threads
   * @param params the JMH parameters
   * @param score operations per second (throughput) or seconds per operation (time)
   * @param error half the 99.9% interval, same unit; NaN when JMH had too few iterations
   * @param secondary secondary results (e.g. {@code commits}), normalised the same way
   */
  record Result(String benchmark, String mode, int threads, Map<String, String> params, double score, double error,
      Map<String, Double> secondary) {
    boolean throughput() {
      return mode.equals("thrpt");
    }

    /** Parameters as the report shows them. */
    String paramText() {
      StringBuilder text = new StringBuilder();
      for (Map.Entry<String, String> p : params.entrySet()) {
        if (text.length() > 0) {
          text.append(", ");
        }
        text.append(p.getKey().equals("store") ? p.getValue() : p.getKey() + "=" + p.getValue());
      }
      return text.length() == 0 ? "-" : text.toString();
    }
  }

  /** The engine benchmarks, their baselines and the targets of issues 6 and 7, in report order. */
  static final List<Comparison> COMPARISONS = List.of(
      new Comparison("award, one call, one commit: time per call (1 thread)", "AwardBenchmark.engineAward",
          "AwardBenchmark.rawAward", List.of(new Target("single-thread award latency within 1.5x of one raw durable"
              + " commit", DURABLE, Map.of(), Check.RATIO_AT_MOST, 1.5))),
      new Comparison("award with an idempotency key vs without: time per call (1 thread)",
          "AwardBenchmark.engineAwardKeyed", "AwardBenchmark.engineAward", List.of()),
      new Comparison("award from 4 threads vs the raw JDBC batch ceiling", "ConcurrentAwardBenchmark.engineAward",
          "BulkAwardBenchmark.rawBulkAward", List.of(new Target("single awards from 4 threads at least 50% of the"
              + " raw JDBC batch ceiling", DURABLE, Map.of(), Check.RATIO_AT_LEAST, 0.5))),
      new Comparison("award from 4 threads vs raw awards from 4 threads (each its own commit)",
          "ConcurrentAwardBenchmark.engineAward", "ConcurrentAwardBenchmark.rawAward", List.of()),
      new Comparison("award from 16 threads vs the raw JDBC batch ceiling (beyond the issue's 4 threads)",
          "ManyThreadsAwardBenchmark.engineAward", "BulkAwardBenchmark.rawBulkAward", List.of()),
      new Comparison("award from 16 threads vs raw awards from 16 threads (each its own commit)",
          "ManyThreadsAwardBenchmark.engineAward", "ManyThreadsAwardBenchmark.rawAward", List.of()),
      new Comparison("bulk award, 1,000 per call (awards/s)", "BulkAwardBenchmark.engineApplyAll",
          "BulkAwardBenchmark.rawBulkAward", List.of(new Target("bulk API at least 70% of raw JDBC batch throughput",
              DURABLE, Map.of(), Check.RATIO_AT_LEAST, 0.7))),
      new Comparison("bulk, 1,000 per call, the middle one refused, vs none refused (operations/s)",
          "BulkAwardBenchmark.engineApplyAllWithARefusal", "BulkAwardBenchmark.engineApplyAll", List.of()),
      new Comparison("deduct, one call, one commit", "DeductBenchmark.engineDeduct", "DeductBenchmark.rawDeduct",
          List.of()),
      new Comparison("catalog redemption", "RedemptionBenchmark.engineRedeem", "RedemptionBenchmark.rawRedeem",
          List.of()),
      new Comparison("recorded action with goal evaluation", "ActionBenchmark.engineRecordAction",
          "ActionBenchmark.rawRecordAction", List.of()),
      new Comparison("coupon assignment (an action unlocking a coupon)", "CouponBenchmark.engineAssignCoupon",
          "CouponBenchmark.rawAssignCoupon", List.of()),
      new Comparison("coupon upload, 1,000 new codes per call into a pool of 50,000 and more (codes/s)",
          "CouponUploadBenchmark.engineUpload", "CouponUploadBenchmark.rawUpload", List.of()),
      new Comparison("award decision, pure core (1 thread)", "AwardDecisionBenchmark.engine",
          "AwardDecisionBenchmark.baseline", List.of(new Target("award decision at 5 million/s or more on one thread",
              ANY, Map.of(), Check.RATE_AT_LEAST, 5e6))),
      new Comparison("referral code decode (legacy)", "ReferralCodeBenchmark.legacyDecode",
          "ReferralCodeBenchmark.legacyBaseline", List.of(new Target("referral-code decode under 300 ns", ANY,
              Map.of(), Check.TIME_AT_MOST, 300e-9))),
      new Comparison("signed referral code verification", "ReferralCodeBenchmark.signedVerify",
          "ReferralCodeBenchmark.signedBaseline", List.of(new Target("signed-code verification under 2 µs", ANY,
              Map.of(), Check.TIME_AT_MOST, 2e-6))),
      new Comparison("leaderboard rank through the API vs SQL count", "LeaderboardBenchmark.indexRank",
          "LeaderboardBenchmark.sqlRank", List.of(new Target("rank under 1 µs through the API at 1M participants"
              + " (issue 6; mean here)", ANY, Map.of("participants", "1000000"), Check.TIME_AT_MOST, 1e-6))),
      new Comparison("leaderboard top-100 through the API vs SQL ORDER BY", "LeaderboardBenchmark.indexTop100",
          "LeaderboardBenchmark.sqlTop100", List.of(new Target("top-100 page under 5 µs at 1M participants"
              + " (issue 6; mean here)", ANY, Map.of("participants", "1000000"), Check.TIME_AT_MOST, 5e-6))),
      new Comparison("recorded action, board indexed vs not",
          "LeaderboardBenchmark.recordAction:recordActionIndexed", "LeaderboardBenchmark.recordAction:recordActionCold",
          List.of(new Target("the index adds under 10% to a recorded action on H2 (issue 6)",
              Set.of(StoreKind.H2.name()), Map.of(), Check.RATIO_AT_MOST, 1.1))),
      new Comparison("board index rank vs a Fenwick tree", "BoardIndexBenchmark.rank",
          "BoardIndexBenchmark.baselineRank", List.of()),
      new Comparison("board index top-100 vs a sorted array", "BoardIndexBenchmark.top100",
          "BoardIndexBenchmark.baselineTop100", List.of()),
      new Comparison("board index score raise vs a Fenwick tree", "BoardIndexBenchmark.raise",
          "BoardIndexBenchmark.baselineRaise", List.of()));

  private final List<Result> results;
  private final JsonNode first;

  private ResultsReport(List<Result> results, JsonNode first) {
    this.results = results;
    this.first = first;
  }

  /** Reads a JMH JSON result file ({@code -rf json}). */
  public static ResultsReport read(Path json) throws IOException {
    return parse(Files.readString(json, StandardCharsets.UTF_8));
  }

  /** Parses the text of a JMH JSON result file. */
  static ResultsReport parse(String json) throws IOException {
    JsonNode root = new ObjectMapper().readTree(json);
    if (root == null || !root.isArray()) {
      throw new IOException("not a JMH JSON result file: the top level is not an array");
    }
    List<Result> results = new ArrayList<>();
    for (JsonNode node : root) {
      Result result = result(node);
      results.add(result);
      results.addAll(groupMembers(node, result));
    }
    return new ResultsReport(results, root.size() > 0 ? root.get(0) : null);
  }

  private static Result result(JsonNode node) throws IOException {
    String benchmark = node.path("benchmark").asText();
    if (benchmark.startsWith(PACKAGE)) {
      benchmark = benchmark.substring(PACKAGE.length());
    }
    String mode = node.path("mode").asText();
    Map<String, String> params = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.path("params").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> p = it.next();
      params.put(p.getKey(), p.getValue().asText());
    }
    JsonNode primary = node.path("primaryMetric");
    String unit = primary.path("scoreUnit").asText();
    Map<String, Double> secondary = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.path("secondaryMetrics").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> m = it.next();
      String secondaryUnit = m.getValue().path("scoreUnit").asText();
      if (isKnownUnit(secondaryUnit)) {
        secondary.put(m.getKey(), normalise(doubleOf(m.getValue().path("score")), secondaryUnit));
      }
    }
    if (!isKnownUnit(unit)) {
      throw new IOException("unknown score unit " + unit + " of " + benchmark);
    }
    return new Result(benchmark, mode, node.path("threads").asInt(1), params,
        normalise(doubleOf(primary.path("score")), unit), normalise(doubleOf(primary.path("scoreError")), unit),
        secondary);
  }

  /**
   * The methods of a JMH group benchmark, each as {@code Class.group:method}: JMH reports the group as one benchmark
   * and each of its methods as a secondary result named after it. Other named secondary results (auxiliary counters
   * such as {@code commits}) come out the same way and are left out of the report's tables; percentiles
   * ({@code p0.50}, {@code method:p0.50}) and profilers' results ({@code ·gc...}) are skipped.
   */
  private static List<Result> groupMembers(JsonNode node, Result group) {
    List<Result> members = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.path("secondaryMetrics").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> m = it.next();
      String name = m.getKey();
      String unit = m.getValue().path("scoreUnit").asText();
      if (name.contains(":") || PERCENTILE.matcher(name).matches() || !isKnownUnit(unit)) {
        continue;
      }
      members.add(new Result(group.benchmark() + ":" + name, group.mode(), group.threads(), group.params(),
          normalise(doubleOf(m.getValue().path("score")), unit),
          normalise(doubleOf(m.getValue().path("scoreError")), unit), Map.of()));
    }
    return members;
  }

  /** JMH writes NaN and infinities as strings. */
  private static double doubleOf(JsonNode node) {
    if (node.isNumber()) {
      return node.asDouble();
    }
    if (node.isTextual()) {
      try {
        return Double.parseDouble(node.asText());
      } catch (NumberFormatException e) {
        return Double.NaN;
      }
    }
    return Double.NaN;
  }

  private static boolean isKnownUnit(String unit) {
    String[] parts = unit.split("/");
    return parts.length == 2 && (parts[0].equals("ops") && seconds(parts[1]) > 0
        || parts[1].equals("op") && seconds(parts[0]) > 0);
  }

  /** Operations per second, or seconds per operation. */
  static double normalise(double value, String unit) {
    String[] parts = unit.split("/");
    return parts[0].equals("ops") ? value / seconds(parts[1]) : value * seconds(parts[0]);
  }

  private static double seconds(String unit) {
    return switch (unit) {
      case "ns" -> 1e-9;
      case "us" -> 1e-6;
      case "ms" -> 1e-3;
      case "s" -> 1;
      case "min" -> 60;
      case "hr" -> 3600;
      case "day" -> 86400;
      default -> -1;
    };
  }

  /**
   * Where the benchmarks wrote their databases: the {@code java.io.tmpdir} of the benchmark JVMs, as JMH's JSON lists
   * their options (the launcher's own, such as run.sh's {@code JAVA_OPTS}, and {@code -jvmArgsAppend}), or
   * {@code otherwise} when they set none. The last setting wins, as on a java command line.
   */
  Path dataDir(Path otherwise) {
    String prefix = "-Djava.io.tmpdir=";
    Path dir = otherwise;
    if (first != null) {
      for (JsonNode arg : first.path("jvmArgs")) {
        if (arg.asText().startsWith(prefix)) {
          dir = Path.of(arg.asText().substring(prefix.length()));
        }
      }
    }
    return dir;
  }

  /** The results read, in file order. */
  List<Result> results() {
    return results;
  }

  /**
   * The markdown report.
   *
   * @param profile the profile's name
   * @param command the command that ran the suite
   * @param loadAtStart the load average when the run started, or null
   * @param machine the machine
   * @param written when the report is written
   */
  public String markdown(String profile, String command, String loadAtStart, Machine machine, Instant written) {
    StringBuilder md = new StringBuilder();
    md.append("# Benchmark results: ").append(profile).append(" profile\n\n");
    md.append("Written ").append(DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(
        written.atOffset(ZoneOffset.UTC).withNano(0).toLocalDateTime())).append(" UTC from the JMH results of `")
        .append(command).append("`");
    if (first != null) {
      md.append(" (").append(first.path("forks").asInt()).append(" fork, ")
          .append(first.path("warmupIterations").asInt()).append(" x ").append(first.path("warmupTime").asText())
          .append(" warm-up, ").append(first.path("measurementIterations").asInt()).append(" x ")
          .append(first.path("measurementTime").asText()).append(" measured, per benchmark and store)");
    }
    md.append(".\n\n");

    md.append("## Machine\n\n| | |\n|---|---|\n");
    md.append("| CPU | ").append(machine.cpu()).append(", ").append(machine.cores()).append(" logical cores |\n");
    md.append("| Memory | ").append(machine.memory()).append(" |\n");
    if (first != null) {
      md.append("| JDK | ").append(first.path("vmName").asText()).append(' ')
          .append(first.path("jdkVersion").asText()).append(" (").append(first.path("vmVersion").asText())
          .append(") |\n");
    }
    md.append("| OS | ").append(machine.os()).append(" |\n");
    md.append("| Disk (databases) | ").append(machine.disk()).append(" |\n");
    md.append("| Load average (1, 5, 15 min) | ");
    if (loadAtStart != null && !loadAtStart.isBlank()) {
      md.append(loadAtStart.strip()).append(" at the start, ");
    }
    md.append(machine.load()).append(" at the end: the machine is shared, so figures move between runs |\n\n");

    md.append("Stores: ");
    StringBuilder stores = new StringBuilder();
    for (StoreKind kind : StoreKind.values()) {
      if (stores.length() > 0) {
        stores.append("; ");
      }
      stores.append("**").append(kind.name()).append("** ").append(kind.durability());
    }
    md.append(stores).append(".\n\n");

    md.append("Ratios are engine/baseline: for a rate, the share of the baseline's rate the engine reaches "
        + "(0.70x = 70%); for a time, how many times longer the engine takes. Errors are JMH's 99.9% half-intervals"
        + " (n/a with too few iterations).\n\n");

    targets(md);
    comparisons(md);
    others(md);
    return md.toString();
  }

  private void targets(StringBuilder md) {
    md.append("## Issue targets\n\n");
    md.append("| target | store | engine | baseline | engine/baseline | met |\n|---|---|---|---|---|---|\n");
    for (Comparison c : COMPARISONS) {
      for (Target t : c.targets()) {
        boolean any = false;
        for (Result e : find(c.engine())) {
          if (!t.appliesTo(e)) {
            continue;
          }
          any = true;
          Result b = baselineOf(c, e);
          md.append("| ").append(t.text()).append(" | ").append(e.paramText()).append(" | ").append(figure(e))
              .append(" | ").append(b == null ? "not run" : figure(b)).append(" | ")
              .append(b == null ? "-" : ratioText(e, b)).append(" | ").append(verdict(t, e, b)).append(" |\n");
        }
        if (!any) {
          md.append("| ").append(t.text()).append(" | ").append(t.stores().isEmpty() ? "-" : String.join(", ",
              t.stores())).append(" | not run | | | not measured in this run |\n");
        }
      }
    }
    md.append('\n');
  }

  private void comparisons(StringBuilder md) {
    md.append("## Engine against baseline\n\n");
    md.append("| path | benchmark | store, params | threads | engine | baseline | engine/baseline | note |\n"
        + "|---|---|---|---|---|---|---|---|\n");
    for (Comparison c : COMPARISONS) {
      for (Result e : find(c.engine())) {
        Result b = baselineOf(c, e);
        md.append("| ").append(c.path()).append(" | `").append(c.engine()).append("` vs `").append(c.baseline())
            .append("` | ").append(e.paramText()).append(" | ").append(e.threads()).append(" | ")
            .append(figure(e)).append(" | ").append(b == null ? "not run" : figure(b)).append(" | ")
            .append(b == null ? "-" : ratioText(e, b)).append(" | ").append(note(e)).append(" |\n");
      }
    }
    md.append('\n');
  }

  private void others(StringBuilder md) {
    Set<String> covered = new LinkedHashSet<>();
    for (Comparison c : COMPARISONS) {
      covered.add(c.engine());
      covered.add(c.baseline());
    }
    List<Result> rest = results.stream()
        .filter(r -> !covered.contains(r.benchmark()) && !r.benchmark().contains(":"))
        .toList();
    if (rest.isEmpty()) {
      return;
    }
    md.append("## Other results\n\n| benchmark | store, params | threads | score |\n|---|---|---|---|\n");
    for (Result r : rest) {
      md.append("| `").append(r.benchmark()).append("` | ").append(r.paramText()).append(" | ").append(r.threads())
          .append(" | ").append(figure(r)).append(" |\n");
    }
    md.append('\n');
  }

  /** The mean group-commit batch, when the engine counted its commits. */
  private static String note(Result e) {
    Double commits = e.secondary().get("commits");
    if (commits == null || !(commits > 0)) {
      return "";
    }
    return String.format(Locale.ROOT, "%s commits/s: %.1f awards per commit on average", rate(commits),
        e.score() / commits);
  }

  private List<Result> find(String benchmark) {
    return results.stream().filter(r -> r.benchmark().equals(benchmark)).toList();
  }

  /** The baseline result with the same parameters as {@code engine}. */
  private Result baselineOf(Comparison c, Result engine) {
    return results.stream()
        .filter(r -> r.benchmark().equals(c.baseline()) && r.params().equals(engine.params())
            && r.mode().equals(engine.mode()))
        .findFirst().orElse(null);
  }

  static String verdict(Target t, Result e, Result b) {
    double value;
    double low;
    double high;
    double errorE = Double.isNaN(e.error()) ? 0 : e.error();
    switch (t.check()) {
      case RATIO_AT_LEAST, RATIO_AT_MOST -> {
        if (b == null) {
          return "no baseline in this run";
        }
        value = e.score() / b.score();
        double spread = value * relativeError(e, b);
        low = value - spread;
        high = value + spread;
      }
      default -> {
        value = e.score();
        low = value - errorE;
        high = value + errorE;
      }
    }
    boolean atLeast = t.check() == Check.RATIO_AT_LEAST || t.check() == Check.RATE_AT_LEAST;
    boolean met = atLeast ? value >= t.bound() : value <= t.bound();
    boolean borderline = low <= t.bound() && t.bound() <= high;
    return (met ? "**yes**" : "**no**") + (borderline ? " (borderline: the interval crosses the bound)" : "");
  }

  private static double relativeError(Result e, Result b) {
    double re = Double.isNaN(e.error()) ? 0 : e.error() / e.score();
    double rb = Double.isNaN(b.error()) ? 0 : b.error() / b.score();
    return re + rb;
  }

  static String ratioText(Result e, Result b) {
    double ratio = e.score() / b.score();
    String format = ratio >= 100 ? "%.0f" : ratio >= 10 ? "%.1f" : ratio >= 0.1 ? "%.2f" : "%.4f";
    String text = String.format(Locale.ROOT, format + "x", ratio);
    if (Double.isNaN(e.error()) || Double.isNaN(b.error())) {
      return text;
    }
    return text + String.format(Locale.ROOT, " ± " + format, ratio * relativeError(e, b));
  }

  /** A score with its error and unit. */
  static String figure(Result r) {
    boolean noError = Double.isNaN(r.error());
    if (r.throughput()) {
      return number(r.score(), r.score()) + (noError ? "" : " ± " + number(r.error(), r.score())) + " ops/s"
          + (noError ? " (± n/a)" : "");
    }
    return time(r.score(), r.score()) + (noError ? " (± n/a)" : " ± " + time(r.error(), r.score()));
  }

  /** A rate in operations per second, without its unit. */
  static String rate(double opsPerSecond) {
    return number(opsPerSecond, opsPerSecond);
  }

  /** A number in the style that suits {@code scale} (the score), so a score and its error read alike. */
  private static String number(double value, double scale) {
    if (Double.isNaN(value)) {
      return "n/a";
    }
    if (scale >= 1e6) {
      return String.format(Locale.ROOT, "%.2f M", value / 1e6);
    }
    if (scale >= 100) {
      return String.format(Locale.ROOT, "%,.0f", value);
    }
    return String.format(Locale.ROOT, "%.1f", value);
  }

  /** A time in the unit that suits {@code scale} (the score), so a score and its error share a unit. */
  static String time(double seconds, double scale) {
    if (Double.isNaN(seconds)) {
      return "n/a";
    }
    if (scale < 1e-6) {
      return String.format(Locale.ROOT, "%.1f ns", seconds * 1e9);
    }
    if (scale < 1e-3) {
      return String.format(Locale.ROOT, "%.2f µs", seconds * 1e6);
    }
    if (scale < 1) {
      return String.format(Locale.ROOT, "%.2f ms", seconds * 1e3);
    }
    return String.format(Locale.ROOT, "%.2f s", seconds);
  }

  /**
   * Writes the markdown report of a JMH JSON file.
   *
   * <p>Arguments: {@code --json FILE --md FILE --profile NAME [--command TEXT] [--load-at-start TEXT]
   * [--load-at-end TEXT]} (the load average at the end is read from the machine unless given, for a report written
   * again later from the same JSON).
   */
  public static void main(String[] args) throws IOException {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected an option --name, got " + args[i]);
      }
      options.put(args[i].substring(2), args[i + 1]);
    }
    if (args.length % 2 != 0 || !options.keySet().containsAll(List.of("json", "md", "profile"))) {
      throw new IllegalArgumentException("usage: ResultsReport --json FILE --md FILE --profile NAME"
          + " [--command TEXT] [--load-at-start TEXT] [--load-at-end TEXT]");
    }
    ResultsReport report = read(Path.of(options.get("json")));
    Machine machine = Machine.probe(Path.of("/"), report.dataDir(Path.of(System.getProperty("java.io.tmpdir"))));
    if (options.containsKey("load-at-end")) {
      machine = new Machine(machine.cpu(), machine.cores(), machine.memory(), machine.os(), machine.disk(),
          options.get("load-at-end"));
    }
    String command = options.getOrDefault("command", "benchmarks/run.sh " + options.get("profile"));
    Files.writeString(Path.of(options.get("md")), report.markdown(options.get("profile"), command,
        options.get("load-at-start"), machine, Instant.now()), StandardCharsets.UTF_8);
  }
}
