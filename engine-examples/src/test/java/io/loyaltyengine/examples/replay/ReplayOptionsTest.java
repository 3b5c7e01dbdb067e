package io.loyaltyengine.examples.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The command line: defaults, combinations and errors naming the option. */
class ReplayOptionsTest {

  private static ReplayOptions parse(String... args) {
    return ReplayOptions.parse(args, Map.of());
  }

  private static String fieldOfError(String... args) {
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> parse(args));
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    return e.field().orElseThrow();
  }

  @Test
  void anH2FileIsTheDefault() {
    ReplayOptions o = parse("log.csv.gz");
    assertEquals(Path.of("log.csv.gz"), o.log());
    assertEquals(Path.of("target/replay-db"), o.h2File());
    assertNull(o.jdbcUrl());
    assertEquals("jdbc:h2:retry:" + Path.of("target/replay-db").toAbsolutePath().normalize()
        + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000;QUERY_CACHE_SIZE=64", o.url());
    assertEquals(ReplayOptions.DEFAULT_BATCH, o.batch());
    assertFalse(o.quiet());
    assertNull(o.export());
  }

  @Test
  void everyOption() {
    ReplayOptions o = parse("--jdbc-url", "jdbc:postgresql://db/shop?ssl=true", "--user", "loyalty", "--password",
        "secret", "--export", "out.csv", "--batch", "250", "--quiet", "log.csv");
    assertEquals("jdbc:postgresql://db/shop?ssl=true", o.url());
    assertNull(o.h2File());
    assertEquals("loyalty", o.user());
    assertEquals("secret", o.password());
    assertEquals(Path.of("out.csv"), o.export());
    assertEquals(250, o.batch());
    assertTrue(o.quiet());
    assertEquals("JDBC jdbc:postgresql://db/shop", o.target(), "the query, which may hold a password, is left out");
    assertFalse(o.toString().contains("secret"));
  }

  @Test
  void theSummarysTargetHoldsNoPasswordOfTheUrlsOwnSettingsOrAuthority() {
    ReplayOptions h2 = parse("--jdbc-url", "jdbc:h2:file:/data/shop;USER=sa;PASSWORD=h2-url-secret", "log.csv");
    assertFalse(h2.target().contains("h2-url-secret"), h2.target());
    assertFalse(h2.toString().contains("h2-url-secret"), h2.toString());
    assertTrue(h2.target().contains("/data/shop"), "still says where: " + h2.target());
    ReplayOptions authority = parse("--jdbc-url", "jdbc:postgresql://loyalty:pg-url-secret@db/shop", "log.csv");
    assertFalse(authority.target().contains("pg-url-secret"), authority.target());
    assertFalse(authority.toString().contains("pg-url-secret"), authority.toString());
    ReplayOptions at = parse("--jdbc-url", "jdbc:postgresql://loyalty:p@ss-url-secret@db/shop", "log.csv");
    assertEquals("JDBC jdbc:postgresql://db/shop", at.target(), "a password holding an @ goes whole");
  }

  /** A password holding an unescaped '/', '?', '#' or ';' (generated ones do) goes whole too, and the host stays. */
  @Test
  void theSummarysTargetHoldsNoPartOfAnAuthorityPasswordHoldingAUrlDelimiter() {
    for (String password : new String[] {"Hunter2/Tail7", "Hunter2?Tail7", "Hunter2#Tail7", "Hunter2;Tail7",
        "Hun@ter2/Tail7"}) {
      ReplayOptions o = parse("--jdbc-url", "jdbc:postgresql://loyalty:" + password + "@db/shop?ssl=true", "log.csv");
      for (String part : new String[] {"Hunter2", "Hun", "Tail7"}) {
        assertFalse(o.target().contains(part), password + ": " + o.target());
        assertFalse(o.toString().contains(part), password + ": " + o.toString());
      }
      assertEquals("JDBC jdbc:postgresql://db/shop", o.target(), password);
    }
    ReplayOptions noAuthority = parse("--jdbc-url", "jdbc:postgresql://db/shop?user=me@example.com", "log.csv");
    assertEquals("JDBC jdbc:postgresql://db/shop", noAuthority.target(), "an @ of the query is no authority's");
  }

  /** A password holding a '/' and then what reads as a query ({@code pa/ss?x=1}) goes whole too. */
  @Test
  void theSummarysTargetHoldsNoPartOfAnAuthorityPasswordHoldingWhatReadsAsAQuery() {
    for (String url : new String[] {"jdbc:postgresql://loyalty:Hunter2/Tail7?x=1@db/shop?password=End7",
        "jdbc:postgresql://loyalty:Hunter2/Tail7;x=1@ss@db:5432/shop",
        "jdbc:postgresql://loyalty:Hunter2/Tail7?x=1@db"}) {
      ReplayOptions o = parse("--jdbc-url", url, "log.csv");
      for (String part : new String[] {"Hunter2", "Tail7", "End7"}) {
        assertFalse(o.target().contains(part), url + ": " + o.target());
        assertFalse(o.toString().contains(part), url + ": " + o.toString());
      }
      assertTrue(o.target().startsWith("JDBC jdbc:postgresql://db"), url + ": " + o.target());
    }
    ReplayOptions noAuthority = parse("--jdbc-url", "jdbc:postgresql://db:5432/shop?user=me@example.com", "log.csv");
    assertEquals("JDBC jdbc:postgresql://db:5432/shop", noAuthority.target(), "an @ of the query is no authority's");
  }

  @Test
  void thePasswordMayComeFromTheEnvironment() {
    ReplayOptions o = ReplayOptions.parse(new String[] {"log.csv", "--jdbc-url", "jdbc:postgresql://db/shop"},
        Map.of(ReplayOptions.PASSWORD_VARIABLE, "from-env"));
    assertEquals("from-env", o.password());
  }

  @Test
  void mistakesNameTheirOption() {
    assertEquals("LOG", fieldOfError());
    assertEquals("LOG", fieldOfError("a.csv", "b.csv"));
    assertEquals("--db", fieldOfError("a.csv", "--db"));
    assertEquals("--db", fieldOfError("a.csv", "--db", "x", "--jdbc-url", "jdbc:h2:file:/tmp/x"));
    assertEquals("--db", fieldOfError("a.csv", "--db", "x", "--db", "y"));
    assertEquals("--db", fieldOfError("a.csv", "--db", "/tmp/x;WRITE_DELAY=500"), "no settings through the path");
    assertEquals("--user", fieldOfError("a.csv", "--user", "u"));
    assertEquals("--jdbc-url", fieldOfError("a.csv", "--jdbc-url", "postgresql://db"));
    assertEquals("--jdbc-url", fieldOfError("a.csv", "--jdbc-url", "jdbc:h2:mem:shop"), "the engine refuses it");
    assertEquals("--batch", fieldOfError("a.csv", "--batch", "0"));
    assertEquals("--batch", fieldOfError("a.csv", "--batch", "many"));
    assertEquals("--verbose", fieldOfError("a.csv", "--verbose"));
  }

  /**
   * An option written with its value after an '=' ({@code --password=...}), as many tools take them, is refused
   * without printing the value: it may be the password, or a URL holding one.
   */
  @Test
  void anOptionWrittenWithItsValueIsRefusedWithoutTheValue() {
    for (String arg : new String[] {"--password=s3cret-pw", "--jdbc-url=jdbc:postgresql://app:s3cret-pw@db/shop",
        "--user=app:s3cret-pw"}) {
      LoyaltyException e = assertThrows(LoyaltyException.class, () -> parse("a.csv", arg));
      assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
      assertEquals(arg.substring(0, arg.indexOf('=')), e.field().orElseThrow());
      assertFalse(e.toString().contains("s3cret"), e.toString());
    }
  }

  @Test
  void aPathTheFileSystemCannotNameIsItsOptionsErrorWithoutTheValue() {
    for (String[] args : new String[][] {{"log\0-private.csv"}, {"a.csv", "--db", "db\0-private"},
        {"a.csv", "--export", "out\0-private.csv"}}) {
      LoyaltyException e = assertThrows(LoyaltyException.class, () -> parse(args));
      assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
      assertEquals(args.length == 1 ? "LOG" : args[1], e.field().orElseThrow());
      assertFalse(e.getMessage().contains("private"), e.getMessage());
    }
  }
}
