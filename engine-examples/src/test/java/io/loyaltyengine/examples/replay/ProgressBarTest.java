package io.loyaltyengine.examples.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The bar redraws in place at most ten times a second, and says nothing when off. */
class ProgressBarTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  private String text() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void redrawsInPlaceAtMostTenTimesASecond() {
    ProgressBar bar = new ProgressBar(out, true, nanos::get);
    bar.start("applying");
    nanos.addAndGet(1_000_000_000L);
    bar.update(10_000, 0.25);                 // drawn: the first update
    for (int i = 1; i <= 9; i++) {            // 90 ms later in total: not drawn
      nanos.addAndGet(10_000_000L);
      bar.update(10_000 + i, 0.25);
    }
    nanos.addAndGet(10_000_000L);             // 100 ms after the first draw: drawn
    bar.update(20_000, 0.5);
    String s = text();
    assertEquals(2, s.chars().filter(c -> c == '\r').count(), s);
    assertTrue(s.contains("applying [======                  ]  25%  10,000 rows  10,000 rows/s  0:03 left"), s);
    assertTrue(s.contains(" 50%  20,000 rows  18,182 rows/s  0:01 left"), s);
    assertTrue(!s.contains("\n"), "no line ends before finish");
  }

  @Test
  void finishDrawsTheEndAndEndsTheLine() {
    ProgressBar bar = new ProgressBar(out, true, nanos::get);
    bar.start("reading");
    nanos.addAndGet(2_000_000_000L);
    bar.update(5, Double.NaN);
    bar.finish(541_909);
    String s = text();
    assertTrue(s.contains("reading  [                        ]   ?%  5 rows  3 rows/s"), s);
    assertTrue(s.endsWith("100%  541,909 rows  270,955 rows/s  0:02 taken\n"), s);
  }

  @Test
  void aShorterLineBlanksTheRestOfTheLongerOne() {
    ProgressBar bar = new ProgressBar(out, true, nanos::get);
    bar.start("reading");
    nanos.addAndGet(1_000_000_000L);
    bar.update(1_000_000, 0.5);
    nanos.addAndGet(1_000_000_000L);
    bar.update(1, 0.6);
    String[] draws = text().split("\r");
    assertTrue(draws[2].length() >= draws[1].length(), text());
    assertTrue(draws[2].endsWith(" "), text());
  }

  @Test
  void offItWritesNothing() {
    ProgressBar bar = new ProgressBar(out, false, nanos::get);
    bar.start("reading");
    bar.update(1, 0.5);
    bar.finish(2);
    assertEquals("", text());
  }

  @Test
  void clockShowsMinutesOrHours() {
    assertEquals("0:07", ProgressBar.clock(7));
    assertEquals("2:05", ProgressBar.clock(125));
    assertEquals("1:01:01", ProgressBar.clock(3661));
  }
}
