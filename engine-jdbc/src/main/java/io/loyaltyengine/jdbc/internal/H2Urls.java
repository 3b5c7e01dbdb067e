package io.loyaltyengine.jdbc.internal;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The durability rules for H2 URLs, applied when a URL is set: a database in memory is refused, a write delay other
 * than 0 is refused, and a URL without one gets {@code ;WRITE_DELAY=0} (H2's default, 500 ms, loses the commits of
 * the last half second when the process dies, although they were reported as done).
 *
 * <p>Thread-safe: stateless.
 */
public final class H2Urls {
  private static final String PREFIX = "jdbc:h2:";
  private static final Pattern DIGITS = Pattern.compile("[0-9]{1,9}");

  private H2Urls() {
  }

  /** Whether {@code url} is an H2 URL. */
  public static boolean isH2(String url) {
    return url.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
  }

  /**
   * The URL to open: {@code url} itself, or with {@code ;WRITE_DELAY=0} appended when it sets no write delay. Other
   * URLs are returned unchanged.
   *
   * @throws IllegalArgumentException for an in-memory database or a write delay other than 0 (the message never
   *     repeats the URL, which may hold a password)
   */
  public static String requireDurable(String url) {
    if (!isH2(url)) {
      return url;
    }
    String rest = url.substring(PREFIX.length());
    int semicolon = rest.indexOf(';');
    String database = semicolon < 0 ? rest : rest.substring(0, semicolon);
    if (withoutServer(database).toLowerCase(Locale.ROOT).startsWith("mem:")) {
      throw new IllegalArgumentException("url names an in-memory H2 database (jdbc:h2:mem:), whose data does not"
          + " survive the process; use a file database, for example JdbcStorage.h2File(path)");
    }
    boolean writeDelaySet = false;
    if (semicolon >= 0) {
      for (String setting : rest.substring(semicolon + 1).split(";")) {
        int equals = setting.indexOf('=');
        String key = (equals < 0 ? setting : setting.substring(0, equals)).strip();
        if (!key.equalsIgnoreCase("WRITE_DELAY")) {
          continue;
        }
        String value = equals < 0 ? "" : setting.substring(equals + 1).strip();
        if (!DIGITS.matcher(value).matches() || Integer.parseInt(value) != 0) {
          throw new IllegalArgumentException("url sets WRITE_DELAY"
              + (DIGITS.matcher(value).matches() ? "=" + value : " to a value other than 0")
              + ", but the engine requires WRITE_DELAY=0: with a delay, commits reported as done are lost when the"
              + " process dies; remove the setting or set it to 0");
        }
        writeDelaySet = true;
      }
    }
    return writeDelaySet ? url : url + ";WRITE_DELAY=0";
  }

  /** The database part of a server URL ({@code tcp://host:port/name} becomes {@code name}). */
  private static String withoutServer(String database) {
    String lower = database.toLowerCase(Locale.ROOT);
    if (lower.startsWith("tcp://") || lower.startsWith("ssl://")) {
      int slash = database.indexOf('/', "tcp://".length());
      return slash < 0 ? "" : database.substring(slash + 1);
    }
    return database;
  }
}
