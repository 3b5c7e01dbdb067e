package io.loyaltyengine.examples.replay;

import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads CSV records as RFC 4180 defines them: fields separated by commas, records by CRLF (LF and CR alone are
 * accepted too), a field in double quotes may hold commas, line breaks and doubled quotes ({@code ""} for one).
 *
 * <p>Lenient where the RFC is silent, because a replay must never stop on its data: a byte-order mark at the start
 * is dropped, empty lines are skipped, a quote inside an unquoted field is kept as text, and text after a closing
 * quote is appended to the field. Two things make a record malformed (it is returned with a {@link Problem} and
 * reading goes on): a quote still open at the end of input, and a record longer than the limit (a record on one
 * physical line then drops the rest of that line).
 *
 * <p>A malformed record that runs over more than one physical line (a stray quote opened a field there) is its
 * first line only: reading resumes at its second line, whose text is read again as records of its own, so a stray
 * quote loses one line rather than the lines it swallowed. The reader does so for its own two problems; a caller
 * that finds a record malformed for its own reasons (the wrong number of fields) asks for it with
 * {@link #rereadFromSecondLine()}.
 *
 * <p>Not thread-safe: one reader per input.
 */
final class CsvRecordReader implements Closeable {
  /** Why a record could not be read whole. */
  enum Problem {
    /** A quoted field was still open at the end of input. */
    UNTERMINATED_QUOTE,
    /** The record was longer than the limit. */
    RECORD_TOO_LONG
  }

  /**
   * One record.
   *
   * @param line the physical line (1-based) the record starts on
   * @param fields its fields, in order
   * @param problem why it is malformed, or {@code null}
   */
  record Record(long line, List<String> fields, Problem problem) {
  }

  private static final int EOF = -1;

  private final Reader in;
  private final int maxRecordChars;
  private final char[] buffer = new char[1 << 16];
  private int position;
  private int limit;
  private long line = 1;
  private boolean started;
  private final StringBuilder field = new StringBuilder(64);
  /** The character {@link #peek()} returned last, and whether it came from {@link #pushback}. */
  private int peeked;
  /** Text given back to be read again before the input, from {@link #pushbackPosition}; null if none. */
  private String pushback;
  private int pushbackPosition;
  /** The current record's text after its first physical line, kept from its first line break on. */
  private final StringBuilder tail = new StringBuilder();
  private boolean spanning;
  private long recordLine;

  /**
   * Reads from {@code in}, refusing records longer than {@code maxRecordChars}.
   *
   * @throws IllegalArgumentException if {@code maxRecordChars} is not positive
   */
  CsvRecordReader(Reader in, int maxRecordChars) {
    this.in = Objects.requireNonNull(in, "in");
    if (maxRecordChars < 1) {
      throw new IllegalArgumentException("maxRecordChars must be positive but was " + maxRecordChars);
    }
    this.maxRecordChars = maxRecordChars;
  }

  /**
   * Reads the next record.
   *
   * @return the record, or {@code null} at the end of input
   * @throws IOException if the input cannot be read
   */
  Record next() throws IOException {
    if (!started) {
      started = true;
      if (peek() == '\uFEFF') {
        advance();
      }
    }
    spanning = false;
    tail.setLength(0);
    int c;
    // Empty lines are no records.
    while ((c = peek()) == '\n' || c == '\r') {
      advance();
      endOfLine(c);
    }
    if (c == EOF) {
      return null;
    }
    long startLine = line;
    recordLine = startLine;
    List<String> fields = new ArrayList<>(8);
    field.setLength(0);
    int chars = 0;
    boolean quoted = false;
    boolean atFieldStart = true;
    while (true) {
      c = read();
      if (c == EOF) {
        fields.add(field.toString());
        if (quoted) {
          rereadFromSecondLine();
          return new Record(startLine, fields, Problem.UNTERMINATED_QUOTE);
        }
        return new Record(startLine, fields, null);
      }
      // A line break that ends the record is no character of it.
      if ((quoted || c != '\n' && c != '\r') && ++chars > maxRecordChars) {
        if (!rereadFromSecondLine()) {
          skipRestOfLine(c);
        }
        return new Record(startLine, fields, Problem.RECORD_TOO_LONG);
      }
      if (quoted) {
        if (c == '"') {
          if (peek() == '"') {
            advance();
            field.append('"');
          } else {
            quoted = false;
          }
        } else {
          if (c == '\n' || c == '\r') {
            endOfLine(c);
            field.append('\n');
            // From here on the record's text is kept, to be read again should the record be malformed.
            spanning = true;
          } else {
            field.append((char) c);
          }
        }
        continue;
      }
      switch (c) {
        case ',' -> {
          fields.add(field.toString());
          field.setLength(0);
          atFieldStart = true;
          continue;
        }
        case '\n', '\r' -> {
          endOfLine(c);
          fields.add(field.toString());
          return new Record(startLine, fields, null);
        }
        case '"' -> {
          if (atFieldStart) {
            quoted = true;
            atFieldStart = false;
            continue;
          }
          field.append('"');
        }
        default -> field.append((char) c);
      }
      atFieldStart = false;
    }
  }

  /**
   * Makes the record {@link #next()} returned last end at its first physical line, if it ran over more: the text
   * after that line is read again, as records of its own, by the next calls. Does nothing for a record on one line,
   * or a second time.
   *
   * @return whether there was such text to read again
   */
  boolean rereadFromSecondLine() {
    if (!spanning) {
      return false;
    }
    spanning = false;
    String rest = pushback == null ? "" : pushback.substring(pushbackPosition);
    pushback = tail + rest;
    pushbackPosition = 0;
    tail.setLength(0);
    line = recordLine + 1;
    return true;
  }

  /** Counts a line break; a CR followed by LF is one break. */
  private void endOfLine(int c) throws IOException {
    if (c == '\r' && peek() == '\n') {
      advance();
    }
    line++;
  }

  private void skipRestOfLine(int c) throws IOException {
    while (c != EOF) {
      if (c == '\n' || c == '\r') {
        endOfLine(c);
        return;
      }
      c = read();
    }
  }

  private int read() throws IOException {
    int c = peek();
    if (c != EOF) {
      advance();
    }
    return c;
  }

  /** Moves past the character {@link #peek()} just returned (not EOF), keeping it in the tail of a spanning record. */
  private void advance() {
    if (pushback != null) {
      pushbackPosition++;
    } else {
      position++;
    }
    if (spanning) {
      tail.append((char) peeked);
    }
  }

  private int peek() throws IOException {
    if (pushback != null) {
      if (pushbackPosition < pushback.length()) {
        peeked = pushback.charAt(pushbackPosition);
        return peeked;
      }
      pushback = null;
    }
    if (position == limit) {
      int n = in.read(buffer, 0, buffer.length);
      while (n == 0) {
        n = in.read(buffer, 0, buffer.length);
      }
      if (n < 0) {
        return EOF;
      }
      position = 0;
      limit = n;
    }
    peeked = buffer[position];
    return peeked;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
