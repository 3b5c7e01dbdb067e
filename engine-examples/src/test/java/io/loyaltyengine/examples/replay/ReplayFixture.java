package io.loyaltyengine.examples.replay;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/**
 * The committed fixture {@code replay/online_retail_fixture.csv}: 49 data rows in 42 invoices of five customers
 * that exercise every rule and every skip reason. The figures the tests expect are worked out by hand in
 * {@link RetailReplayTest}.
 */
final class ReplayFixture {
  private ReplayFixture() {
  }

  /** The fixture's text. */
  static String text() {
    try (InputStream in = ReplayFixture.class.getResourceAsStream("/replay/online_retail_fixture.csv")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes {@code text} to {@code file} as UTF-8. */
  static Path write(Path file, String text) throws IOException {
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return file;
  }

  /** Writes {@code text} gzipped to {@code file}, whatever its name. */
  static Path writeGzipped(Path file, String text) throws IOException {
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return file;
  }
}
