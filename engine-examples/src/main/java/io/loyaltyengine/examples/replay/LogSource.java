package io.loyaltyengine.examples.replay;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;

/**
 * Opens an order log, plain or gzipped, for reading as UTF-8 text. Gzip is recognised by its magic bytes
 * ({@code 1f 8b}), not by the file's name, so a compressed file named {@code .csv} and a plain one named
 * {@code .gz} are both read right. Bytes that are not valid UTF-8 become U+FFFD instead of failing the read (they
 * can only be in free text such as a description; a number or date holding one is then a malformed row).
 *
 * <p>Thread-safe: {@link #bytesRead()} may be read from any thread while another reads the text.
 */
final class LogSource {
  private final Path path;
  private final long size;
  private final AtomicLong bytesRead = new AtomicLong();

  private LogSource(Path path, long size) {
    this.path = path;
    this.size = size;
  }

  /**
   * A source for the file at {@code path}.
   *
   * @throws IOException if the file does not exist or cannot be read
   */
  static LogSource of(Path path) throws IOException {
    return new LogSource(path, Files.size(path));
  }

  /** The file's size in bytes (compressed, for a gzipped file). */
  long size() {
    return size;
  }

  /** Bytes of the file read so far (compressed, for a gzipped file), for progress. */
  long bytesRead() {
    return bytesRead.get();
  }

  /** Whether the file starts with the gzip magic bytes. */
  boolean gzipped() throws IOException {
    try (InputStream in = Files.newInputStream(path)) {
      return isGzip(in.readNBytes(2));
    }
  }

  /**
   * Opens the text. The caller closes it.
   *
   * @throws IOException if the file cannot be opened, or its gzip header is damaged
   */
  Reader open() throws IOException {
    bytesRead.set(0);
    InputStream file = new Counting(Files.newInputStream(path), bytesRead);
    BufferedInputStream buffered = new BufferedInputStream(file, 1 << 16);
    try {
      buffered.mark(2);
      byte[] magic = buffered.readNBytes(2);
      buffered.reset();
      InputStream text = isGzip(magic) ? new GZIPInputStream(buffered, 1 << 16) : buffered;
      return new InputStreamReader(text, StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE));
    } catch (IOException | RuntimeException e) {
      buffered.close();
      throw e;
    }
  }

  private static boolean isGzip(byte[] magic) {
    return magic.length == 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b;
  }

  /** Counts the bytes that pass through. */
  private static final class Counting extends FilterInputStream {
    private final AtomicLong count;

    Counting(InputStream in, AtomicLong count) {
      super(in);
      this.count = count;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count.incrementAndGet();
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count.addAndGet(n);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = super.skip(n);
      count.addAndGet(skipped);
      return skipped;
    }
  }
}
