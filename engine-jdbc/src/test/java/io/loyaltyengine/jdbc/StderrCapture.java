package io.loyaltyengine.jdbc;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Captures what is written to {@link System#err} (where slf4j-simple logs) while an action runs. Tests run one at a
 * time in the test JVM, so swapping the stream is safe here.
 */
final class StderrCapture {
  private StderrCapture() {
  }

  /** Runs {@code action} and returns what it logged. */
  static String capture(Runnable action) {
    PrintStream original = System.err;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setErr(original);
    }
    return buffer.toString(StandardCharsets.UTF_8);
  }
}
