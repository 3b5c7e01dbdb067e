package io.loyaltyengine.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsReportTest {
  private static final Machine MACHINE = new Machine("Test CPU", 2, "4.0 GiB", "Test OS, Linux 6", "/dev/vda (ext4)",
      "0.50 0.40 0.30");

  /** One JMH result as {@code -rf json} writes it (the fields the report reads, and a few it does not). */
  private static String result(String benchmark, String mode, int threads, String store, Object score, Object error,
      String unit, String secondary) {
    return """
        {
          "jmhVersion" : "1.37", "benchmark" : "io.loyaltyengine.benchmarks.%s", "mode" : "%s",
          "threads" : %d, "forks" : 1, "jdkVersion" : "17.0.15", "vmName" : "OpenJDK 64-Bit Server VM",
          "vmVersion" : "17.0.15+6", "warmupIterations" : 1, "warmupTime" : "1 s", "measurementIterations" : 3,
          "measurementTime" : "1 s", %s
          "primaryMetric" : { "score" : %s, "scoreError" : %s, "scoreUnit" : "%s", "rawData" : [[1.0]] },
          "secondaryMetrics" : { %s }
        }""".formatted(benchmark, mode, threads,
        store.isEmpty() ? "" : "\"params\" : { \"store\" : \"" + store + "\" },", json(score), json(error), unit,
        secondary);
  }

  private static String json(Object value) {
    return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
  }

  private static String file(String... results) {
    return "[" + String.join(",", results) + "]";
  }

  @Test
  void unitsAreNormalisedToOperationsPerSecondAndSecondsPerOperation() throws IOException {
    ResultsReport report = ResultsReport.parse(file(
        result("AwardDecisionBenchmark.engine", "thrpt", 1, "", 12.5, 0.5, "ops/us", ""),
        result("ReferralCodeBenchmark.legacyDecode", "avgt", 1, "", 250.0, 10.0, "ns/op", ""),
        result("AwardBenchmark.engineAward", "avgt", 1, "H2", 3.0, "NaN", "ms/op", "")));
    List<ResultsReport.Result> results = report.results();
    assertEquals(12.5e6, results.get(0).score(), 1e-3);
    assertEquals(0.5e6, results.get(0).error(), 1e-3);
    assertEquals(250e-9, results.get(1).score(), 1e-15);
    assertEquals(3e-3, results.get(2).score(), 1e-12);
    assertTrue(Double.isNaN(results.get(2).error()));
    assertEquals("AwardBenchmark.engineAward", results.get(2).benchmark());
  }

  @Test
  void targetsAreJudgedOnTheRatioOrTheEngineFigure() throws IOException {
    String markdown = ResultsReport.parse(file(
        // Latency: 4 ms against 2 ms is 2x, over the 1.5x bound; its error 2 x (0.1/4 + 0.1/2).
        result("AwardBenchmark.engineAward", "avgt", 1, "H2", 4000.0, 100.0, "us/op", ""),
        result("AwardBenchmark.rawAward", "avgt", 1, "H2", 2000.0, 100.0, "us/op", ""),
        // 4 threads: 20,000 against a batch ceiling of 30,000 is 0.67x, over the 0.5x bound.
        result("ConcurrentAwardBenchmark.engineAward", "thrpt", 4, "POSTGRES", 20000.0, 500.0, "ops/s",
            "\"commits\" : { \"score\" : 2500.0, \"scoreError\" : 10.0, \"scoreUnit\" : \"ops/s\" },"
                + " \"·stack\" : { \"score\" : \"NaN\", \"scoreError\" : \"NaN\", \"scoreUnit\" : \"---\" }"),
        result("BulkAwardBenchmark.rawBulkAward", "thrpt", 1, "POSTGRES", 30000.0, 600.0, "ops/s", ""),
        // Pure: 3 ops/us is 3 million per second, under the 5 million bound.
        result("AwardDecisionBenchmark.engine", "thrpt", 1, "", 3.0, 0.1, "ops/us", ""),
        result("AwardDecisionBenchmark.baseline", "thrpt", 1, "", 300.0, 1.0, "ops/us", "")))
        .markdown("quick", "benchmarks/run.sh quick", "1.00 0.50 0.20", MACHINE, Instant.EPOCH);

    assertRow(markdown, "single-thread award latency within 1.5x", "| H2 | 4.00 ms ± 0.10 ms | 2.00 ms ± 0.10 ms |"
        + " 2.00x ± 0.15 | **no** |");
    assertRow(markdown, "at least 50% of the raw JDBC batch ceiling", "| POSTGRES | 20,000 ± 500 ops/s |"
        + " 30,000 ± 600 ops/s | 0.67x ± 0.03 | **yes** |");
    assertRow(markdown, "award decision at 5 million/s", "| 3.00 M ± 0.10 M ops/s | 300.00 M ± 1.00 M ops/s |"
        + " 0.0100x ± 0.0004 | **no** |");
    // The mean batch of group commit, from the engine's commits per second.
    assertRow(markdown, "| `ConcurrentAwardBenchmark.engineAward` vs `BulkAwardBenchmark.rawBulkAward`",
        "2,500 commits/s: 8.0 awards per commit on average");
    // Targets whose figures this run did not measure say so.
    assertRow(markdown, "bulk API at least 70%", "not measured in this run");
    assertTrue(markdown.contains("| CPU | Test CPU, 2 logical cores |"), markdown);
    assertTrue(markdown.contains("OpenJDK 64-Bit Server VM 17.0.15 (17.0.15+6)"), markdown);
    assertTrue(markdown.contains("1.00 0.50 0.20 at the start, 0.50 0.40 0.30 at the end"), markdown);
    assertTrue(markdown.contains("fsync=on, synchronous_commit=on, full_page_writes=on"), markdown);
    assertFalse(markdown.contains("stack"), markdown);
  }

  @Test
  void theMethodsOfAGroupBenchmarkAreComparedFromItsSecondaryResults() throws IOException {
    String member = "\"score\" : %s, \"scoreError\" : %s, \"scoreUnit\" : \"us/op\", \"rawData\" : [[1.0]]";
    String markdown = ResultsReport.parse(file(
        // JMH's form of a @Group: the group's mean as the primary result, each method and percentile a secondary.
        result("LeaderboardBenchmark.recordAction", "sample", 2, "H2", 4250.0, 150.0, "us/op",
            "\"p0.50\" : { \"score\" : 4100.0, \"scoreError\" : \"NaN\", \"scoreUnit\" : \"us/op\" },"
                + " \"recordActionCold\" : { " + member.formatted(4000.0, 100.0) + " },"
                + " \"recordActionCold:p0.50\" : { \"score\" : 3900.0, \"scoreError\" : \"NaN\","
                + " \"scoreUnit\" : \"us/op\" },"
                + " \"recordActionIndexed\" : { " + member.formatted(4500.0, 200.0) + " }")))
        .markdown("full", "benchmarks/run.sh full", null, MACHINE, Instant.EPOCH);
    // 4.5 ms against 4.0 ms is 1.125x, over the 1.1x bound; its error 1.125 x (0.2/4.5 + 0.1/4).
    assertRow(markdown, "the index adds under 10% to a recorded action on H2", "| H2 | 4.50 ms ± 0.20 ms |"
        + " 4.00 ms ± 0.10 ms | 1.13x ± 0.08 | **no** (borderline");
    // The group's own mean is among the other results; its methods, percentiles included, are not.
    String others = markdown.substring(markdown.indexOf("## Other results"));
    assertRow(others, "| `LeaderboardBenchmark.recordAction`", "| H2 | 2 | 4.25 ms ± 0.15 ms |");
    assertEquals(1, others.lines().filter(line -> line.startsWith("| `")).count(), others);
    assertFalse(markdown.contains("p0.50"), markdown);
  }

  @Test
  void aComparisonWithoutItsBaselineAndAFigureWithoutErrorAreShownAsSuch() throws IOException {
    String markdown = ResultsReport.parse(file(
        result("DeductBenchmark.engineDeduct", "thrpt", 1, "H2", 500.0, "NaN", "ops/s", ""),
        result("SomethingElseBenchmark.run", "avgt", 1, "IN_MEMORY", 42.0, 1.0, "ns/op", "")))
        .markdown("full", "benchmarks/run.sh full", null, MACHINE, Instant.EPOCH);
    assertRow(markdown, "| deduct, one call, one commit", "| H2 | 1 | 500 ops/s (± n/a) | not run | - |");
    assertRow(markdown, "| `SomethingElseBenchmark.run`", "| IN_MEMORY | 1 | 42.0 ns ± 1.0 ns |");
  }

  @Test
  void anIntervalAcrossTheBoundIsBorderline() {
    ResultsReport.Target atLeastHalf = new ResultsReport.Target("t", Set.of(), Map.of(),
        ResultsReport.Check.RATIO_AT_LEAST, 0.5);
    ResultsReport.Result engine = new ResultsReport.Result("E.e", "thrpt", 4, Map.of(), 520, 40, Map.of());
    ResultsReport.Result baseline = new ResultsReport.Result("B.b", "thrpt", 1, Map.of(), 1000, 10, Map.of());
    assertEquals("**yes** (borderline: the interval crosses the bound)",
        ResultsReport.verdict(atLeastHalf, engine, baseline));
    ResultsReport.Result clear = new ResultsReport.Result("E.e", "thrpt", 4, Map.of(), 600, 10, Map.of());
    assertEquals("**yes**", ResultsReport.verdict(atLeastHalf, clear, baseline));
  }

  @Test
  void aFileThatIsNotJmhJsonIsRefused() {
    assertThrows(IOException.class, () -> ResultsReport.parse("{\"benchmark\": \"x\"}"));
    assertThrows(IOException.class, () -> ResultsReport.parse(file(
        result("AwardBenchmark.engineAward", "avgt", 1, "H2", 1.0, 0.1, "furlongs/op", ""))));
  }

  @Test
  void theCommandLineWritesTheReportOfAJsonFile(@TempDir Path dir) throws IOException {
    Path json = dir.resolve("quick.json");
    Path md = dir.resolve("quick.md");
    Files.writeString(json, file(result("DeductBenchmark.engineDeduct", "thrpt", 1, "H2", 500.0, 5.0, "ops/s", ""),
        result("DeductBenchmark.rawDeduct", "thrpt", 1, "H2", 1000.0, 10.0, "ops/s", "")));

    ResultsReport.main(new String[] {"--json", json.toString(), "--md", md.toString(), "--profile", "quick",
        "--load-at-start", "1.00 1.00 1.00", "--load-at-end", "2.00 2.00 2.00"});

    String markdown = Files.readString(md);
    assertTrue(markdown.startsWith("# Benchmark results: quick profile"), markdown);
    assertTrue(markdown.contains("1.00 1.00 1.00 at the start, 2.00 2.00 2.00 at the end"), markdown);
    assertRow(markdown, "| deduct, one call, one commit", "| 500 ± 5 ops/s | 1,000 ± 10 ops/s | 0.50x ± 0.01 |");
    assertThrows(IllegalArgumentException.class, () -> ResultsReport.main(new String[] {"--json", json.toString()}));
  }

  @Test
  void theDiskIsTheOneHoldingTheBenchmarkJvmsTemporaryDirectory(@TempDir Path dir) throws IOException {
    // JMH hands the launcher's JVM options (run.sh's JAVA_OPTS) and -jvmArgsAppend to the benchmark's JVMs, not to
    // the report's: with -Djava.io.tmpdir there, the databases lie on that directory's disk, which JMH's JSON names.
    Path elsewhere = Path.of("/dev/shm");
    String thereDisk = Machine.disk(Path.of("/"), elsewhere);
    assumeTrue(Files.isDirectory(elsewhere) && !thereDisk.equals(
        Machine.disk(Path.of("/"), Path.of(System.getProperty("java.io.tmpdir")))), "needs /dev/shm on another mount");
    Path json = dir.resolve("quick.json");
    Path md = dir.resolve("quick.md");
    Files.writeString(json, file(result("DeductBenchmark.engineDeduct", "thrpt", 1, "H2", 500.0, 5.0, "ops/s", "")
        .replace("\"forks\" : 1,", "\"forks\" : 1, \"jvmArgs\" : [ \"-Xmx2g\", \"-Djava.io.tmpdir=" + elsewhere
            + "\" ],")));

    ResultsReport.main(new String[] {"--json", json.toString(), "--md", md.toString(), "--profile", "quick"});

    assertRow(Files.readString(md), "| Disk (databases) |", "| " + thereDisk + " |");
  }

  @Test
  void theMachineIsReadFromProcSysAndOsRelease(@TempDir Path root) throws IOException {
    write(root, "proc/cpuinfo", "processor\t: 0\nmodel name\t: AMD EPYC\n\nprocessor\t: 1\nmodel name\t: AMD EPYC\n");
    write(root, "proc/meminfo", "MemTotal:       24510000 kB\nMemFree:        1000 kB\n");
    write(root, "etc/os-release", "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n");
    write(root, "proc/sys/kernel/osrelease", "6.1.0-test\n");
    write(root, "proc/loadavg", "3.03 1.94 2.62 2/345 6789\n");
    write(root, "proc/mounts", "proc /proc proc rw 0 0\n/dev/vda / ext4 rw 0 0\ntmpfs /run tmpfs rw 0 0\n");
    write(root, "sys/block/vda/queue/rotational", "1\n");

    Machine machine = Machine.probe(root, Path.of("/tmp"));

    assertEquals("AMD EPYC", machine.cpu());
    assertEquals(2, machine.cores());
    assertEquals("23.4 GiB", machine.memory());
    assertEquals("Debian GNU/Linux 12 (bookworm), Linux 6.1.0-test", machine.os());
    assertEquals("3.03 1.94 2.62", machine.load());
    assertEquals("/dev/vda (ext4), virtio block device (a virtual machine's disk; the medium beneath is not"
        + " visible), kernel reports rotational", machine.disk());
    // A directory under another mount is on that mount's device.
    assertEquals("tmpfs (tmpfs)", Machine.disk(root, Path.of("/run/user")));
  }

  @Test
  void aMachineWithoutProcIsUnknownRatherThanAFailure(@TempDir Path root) {
    Machine machine = Machine.probe(root, Path.of("/tmp"));
    assertEquals("unknown", machine.cpu());
    assertEquals("unknown", machine.disk());
    assertTrue(machine.cores() > 0);
  }

  private static void write(Path root, String file, String text) throws IOException {
    Path path = root.resolve(file);
    Files.createDirectories(path.getParent());
    Files.writeString(path, text);
  }

  /** Asserts that a line of {@code markdown} holds both {@code start} and {@code rest}. */
  private static void assertRow(String markdown, String start, String rest) {
    for (String line : markdown.split("\n")) {
      if (line.contains(start) && line.contains(rest)) {
        return;
      }
    }
    throw new AssertionError("no line with [" + start + "] and [" + rest + "] in:\n" + markdown);
  }
}
