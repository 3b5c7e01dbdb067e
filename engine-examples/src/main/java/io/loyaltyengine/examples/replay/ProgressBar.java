package io.loyaltyengine.examples.replay;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar on the terminal: the phase, a bar, the rows done, rows per second and the time left,
 * redrawn in place with a carriage return at most ten times a second. Written to standard error, so standard
 * output keeps only the summary; off (it writes nothing) when there is no console or with {@code --quiet}.
 *
 * <p>Not thread-safe: driven by the replay's one thread.
 */
final class ProgressBar {
  /** The shortest time between two redraws. */
  static final long REDRAW_NANOS = 100_000_000L;
  private static final int WIDTH = 24;

  private final PrintStream out;
  private final boolean enabled;
  private final LongSupplier nanoTime;
  private String phase;
  private long phaseStart;
  private long lastDraw;
  private int lastLength;

  /**
   * A bar on {@code out}.
   *
   * @param out where to draw (standard error)
   * @param enabled whether to draw at all
   * @param nanoTime the time source, {@link System#nanoTime} outside tests
   */
  ProgressBar(PrintStream out, boolean enabled, LongSupplier nanoTime) {
    this.out = Objects.requireNonNull(out, "out");
    this.enabled = enabled;
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  /** A bar on standard error, on when the process has a console and {@code quiet} is false. */
  static ProgressBar forTerminal(boolean quiet) {
    return new ProgressBar(System.err, !quiet && System.console() != null, System::nanoTime);
  }

  /** Starts a phase ("reading", "applying"): its rates count from now. */
  void start(String phaseName) {
    this.phase = Objects.requireNonNull(phaseName, "phaseName");
    this.phaseStart = nanoTime.getAsLong();
    this.lastDraw = phaseStart - REDRAW_NANOS;
  }

  /**
   * Reports progress; redraws if the last redraw is at least {@link #REDRAW_NANOS} old.
   *
   * @param rows rows done in this phase
   * @param fraction the part of the phase done, 0..1, or NaN if unknown
   */
  void update(long rows, double fraction) {
    if (!enabled) {
      return;
    }
    long now = nanoTime.getAsLong();
    if (now - lastDraw < REDRAW_NANOS) {
      return;
    }
    lastDraw = now;
    draw(rows, fraction, now);
  }

  /** Draws the phase's final state and ends the line. */
  void finish(long rows) {
    if (!enabled) {
      return;
    }
    draw(rows, 1.0, nanoTime.getAsLong());
    out.print('\n');
    out.flush();
    lastLength = 0;
  }

  private void draw(long rows, double fraction, long now) {
    double seconds = Math.max(1e-9, (now - phaseStart) / 1e9);
    StringBuilder line = new StringBuilder(96);
    line.append('\r').append(String.format(Locale.ROOT, "%-8s [", phase));
    boolean known = !Double.isNaN(fraction);
    double f = known ? Math.max(0, Math.min(1, fraction)) : 0;
    int filled = (int) Math.round(f * WIDTH);
    for (int i = 0; i < WIDTH; i++) {
      line.append(i < filled ? '=' : ' ');
    }
    line.append("] ");
    line.append(known ? String.format(Locale.ROOT, "%3d%%", (int) Math.floor(f * 100)) : "  ?%");
    line.append(String.format(Locale.ROOT, "  %,d rows  %,d rows/s", rows, Math.round(rows / seconds)));
    if (known && f > 0 && f < 1) {
      line.append("  ").append(clock(Math.round(seconds * (1 - f) / f))).append(" left");
    } else if (known && f >= 1) {
      line.append("  ").append(clock(Math.round(seconds))).append(" taken");
    }
    int length = line.length();
    for (int i = length; i < lastLength; i++) {
      line.append(' ');
    }
    lastLength = length;
    out.print(line);
    out.flush();
  }

  /** Seconds as {@code m:ss}, or {@code h:mm:ss} from an hour. */
  static String clock(long seconds) {
    long s = Math.max(0, seconds);
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
