package io.loyaltyengine.examples.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 4180 records, and the leniency a replay needs to never stop on its data. */
class CsvRecordReaderTest {

  private static List<CsvRecordReader.Record> read(String text, int max) throws IOException {
    List<CsvRecordReader.Record> records = new ArrayList<>();
    try (CsvRecordReader reader = new CsvRecordReader(new StringReader(text), max)) {
      CsvRecordReader.Record r;
      while ((r = reader.next()) != null) {
        records.add(r);
      }
    }
    return records;
  }

  private static List<CsvRecordReader.Record> read(String text) throws IOException {
    return read(text, 1_000);
  }

  @Test
  void quotedFieldsHoldCommasDoubledQuotesAndLineBreaks() throws IOException {
    List<CsvRecordReader.Record> r = read("a,\"b, c\",\"say \"\"hi\"\"\",\"one\r\ntwo\",\"\"\nnext,row\n");
    assertEquals(List.of("a", "b, c", "say \"hi\"", "one\ntwo", ""), r.get(0).fields());
    assertNull(r.get(0).problem());
    assertEquals(List.of("next", "row"), r.get(1).fields());
    assertEquals(1, r.get(0).line());
    assertEquals(3, r.get(1).line(), "the quoted line break counts as a line");
  }

  @Test
  void crlfLfAndCrAllEndRecordsAndEmptyLinesAreSkipped() throws IOException {
    List<CsvRecordReader.Record> r = read("a,b\r\n\r\nc,d\re,f\n\n\ng,h");
    assertEquals(List.of(List.of("a", "b"), List.of("c", "d"), List.of("e", "f"), List.of("g", "h")),
        r.stream().map(CsvRecordReader.Record::fields).toList());
    assertEquals(List.of(1L, 3L, 4L, 7L), r.stream().map(CsvRecordReader.Record::line).toList());
  }

  @Test
  void aByteOrderMarkIsDroppedAtTheStartOnly() throws IOException {
    List<CsvRecordReader.Record> r = read("\uFEFFInvoiceNo,x\n\uFEFFy,z\n");
    assertEquals(List.of("InvoiceNo", "x"), r.get(0).fields());
    assertEquals(List.of("\uFEFFy", "z"), r.get(1).fields());
  }

  @Test
  void emptyFieldsAndATrailingCommaAreFields() throws IOException {
    assertEquals(List.of("", "a", "", ""), read(",a,,\n").get(0).fields());
  }

  @Test
  void strayQuotesAreKeptAsText() throws IOException {
    // A quote inside an unquoted field stays; text after a closing quote is appended.
    assertEquals(List.of("12\" RULER", "ab c"), read("12\" RULER,\"ab\" c\n").get(0).fields());
  }

  @Test
  void aQuoteOpenAtTheEndIsReportedNotThrown() throws IOException {
    List<CsvRecordReader.Record> r = read("a,b\nc,\"never closed\nd,e\n");
    assertEquals(3, r.size());
    assertNull(r.get(0).problem());
    assertEquals(CsvRecordReader.Problem.UNTERMINATED_QUOTE, r.get(1).problem());
    assertEquals(List.of("d", "e"), r.get(2).fields(), "the line after the stray quote's is read again");
    assertEquals(3, r.get(2).line());
  }

  /**
   * A record over several lines that its caller finds malformed is its first line only: the rest is read again,
   * line ends as they were, and a stray quote found while reading it again gives back its own rest in turn.
   */
  @Test
  void aMalformedRecordOverSeveralLinesIsReadAgainFromItsSecondLine() throws IOException {
    String text = "a,\"b\r\nc,\"d\r\ne,\"f\rg,h\"\ni,j\n";
    try (CsvRecordReader reader = new CsvRecordReader(new StringReader(text), 1_000)) {
      assertEquals(List.of("a", "b\nc,d"), reader.next().fields());
      assertEquals(true, reader.rereadFromSecondLine());
      assertEquals(false, reader.rereadFromSecondLine(), "once");
      CsvRecordReader.Record second = reader.next();
      assertEquals(List.of("c", "d\ne,f"), second.fields());
      assertEquals(2, second.line());
      assertEquals(true, reader.rereadFromSecondLine());
      CsvRecordReader.Record third = reader.next();
      assertEquals(List.of("e", "f\ng,h"), third.fields());
      assertEquals(3, third.line());
      CsvRecordReader.Record fourth = reader.next();
      assertEquals(List.of("i", "j"), fourth.fields());
      assertEquals(false, reader.rereadFromSecondLine(), "one line");
      assertEquals(5, fourth.line());
      assertNull(reader.next());
    }
  }

  @Test
  void aRecordOverTheLimitIsReportedAndReadingResumesOnTheNextLine() throws IOException {
    List<CsvRecordReader.Record> r = read("a,b\n\"" + "x".repeat(50) + "\nnext,row\nlast,one\n", 20);
    assertEquals(CsvRecordReader.Problem.RECORD_TOO_LONG, r.get(1).problem());
    assertEquals(List.of("next", "row"), r.get(2).fields());
    assertEquals(3, r.get(2).line());
    assertEquals(List.of("last", "one"), r.get(3).fields());
  }

  @Test
  void theLastRecordNeedsNoLineBreak() throws IOException {
    List<CsvRecordReader.Record> r = read("a,b\nc,\"d\"");
    assertEquals(List.of("c", "d"), r.get(1).fields());
    assertNull(r.get(1).problem());
  }

  @Test
  void recordsSpanningTheBufferAreReadWhole() throws IOException {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 20_000; i++) {
      text.append(i).append(",\"q, ").append(i).append("\"\r\n");
    }
    List<CsvRecordReader.Record> r = read(text.toString());
    assertEquals(20_000, r.size());
    assertEquals(List.of("12345", "q, 12345"), r.get(12_345).fields());
  }
}
