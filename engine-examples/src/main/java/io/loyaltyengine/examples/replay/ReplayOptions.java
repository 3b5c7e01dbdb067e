package io.loyaltyengine.examples.replay;

import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.jdbc.JdbcStorage;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The replay's command line.
 *
 * <pre>
 * OnlineRetailReplay LOG [--db PATH | --jdbc-url URL [--user USER] [--password PASSWORD]]
 *                        [--export FILE] [--batch N] [--quiet]
 * </pre>
 *
 * <ul>
 *   <li>{@code LOG}: the order log, plain or gzipped CSV (required);
 *   <li>{@code --db PATH}: the H2 database file (H2 adds {@code .mv.db}); the default, {@value #DEFAULT_DB};
 *   <li>{@code --jdbc-url URL}: any other database the engine supports (PostgreSQL), instead of {@code --db};
 *       {@code --user} and {@code --password} go with it (the password may also come from the environment
 *       variable {@value #PASSWORD_VARIABLE}, which keeps it out of the process list);
 *   <li>{@code --export FILE}: write one CSV row per customer at the end;
 *   <li>{@code --batch N}: invoices per commit, 1..100,000 (default {@value #DEFAULT_BATCH});
 *   <li>{@code --quiet}: no progress bar.
 * </ul>
 *
 * @param log the order log
 * @param h2File the H2 database file, or null with a JDBC URL
 * @param jdbcUrl the JDBC URL, or null for H2
 * @param user the database user, or null
 * @param password the database password, or null
 * @param export where to write the per-customer CSV, or null
 * @param batch invoices per commit
 * @param quiet whether to leave out the progress bar
 */
record ReplayOptions(Path log, Path h2File, String jdbcUrl, String user, String password, Path export, int batch,
    boolean quiet) {
  /**
   * What follows the {@code @} of a URL's authority: a host (a name, or an IPv6 address in brackets) and an optional
   * port, up to the path, query, settings or fragment, or the URL's end.
   */
  private static final Pattern HOST =
      Pattern.compile("(?:\\[[^\\]/@]*\\]|[^/?#;@:\\[\\]]*)(?::[0-9]*)?(?=[/?#;]|$)");
  /** A path, then a query or settings begun ({@code /shop?user=}): an {@code @} after it is a value's. */
  private static final Pattern PARAMETERS_BEGUN = Pattern.compile("/[^?;]*[?;][A-Za-z0-9_.\\-]+=");
  /** A port (or none), then the end of the authority: what follows a host's {@code :} ({@code //db:5432/shop}). */
  private static final Pattern PORT = Pattern.compile("[0-9]*(?=[/?#;]|$)");


  /** The H2 file used without {@code --db} or {@code --jdbc-url}. */
  static final String DEFAULT_DB = "target/replay-db";
  /** Invoices per commit without {@code --batch}. */
  static final int DEFAULT_BATCH = 1_000;
  /** The environment variable read for the password when {@code --password} is not given. */
  static final String PASSWORD_VARIABLE = "REPLAY_DB_PASSWORD";
  /** What to print on a usage error. */
  static final String USAGE = "usage: OnlineRetailReplay LOG.csv[.gz] [--db PATH | --jdbc-url URL [--user USER]"
      + " [--password PASSWORD]] [--export FILE] [--batch N] [--quiet]";

  /** Checks the combination. */
  ReplayOptions {
    Objects.requireNonNull(log, "log");
    if ((h2File == null) == (jdbcUrl == null)) {
      throw new IllegalArgumentException("exactly one of h2File and jdbcUrl");
    }
  }

  /**
   * The JDBC URL to connect to: the given one, or the H2 file's as {@code JdbcStorage.h2File} builds it (its
   * {@code QUERY_CACHE_SIZE=64} keeps the 25 or so statements an invoice cycles through parsed: about 15% less CPU
   * than H2's default of 8).
   */
  String url() {
    if (jdbcUrl != null) {
      return jdbcUrl;
    }
    return "jdbc:h2:retry:" + h2File.toAbsolutePath().normalize()
        + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000;QUERY_CACHE_SIZE=64";
  }

  /**
   * Where the replay runs, for the summary (no credentials): the URL without the user information of a
   * {@code user:password@} authority (to the {@code @} before the host: a password may hold an {@code @}, {@code /},
   * {@code ?}, {@code #} or {@code ;}), and without its settings (a query, or H2's {@code ;NAME=value} list, either of
   * which may hold a password).
   */
  String target() {
    if (h2File != null) {
      return "H2 file " + h2File;
    }
    String url = jdbcUrl;
    int authority = url.indexOf("//");
    int at = authority < 0 ? -1 : userInfoEnd(url, authority + 2);
    if (at >= 0) {
      url = url.substring(0, authority + 2) + url.substring(at + 1);
    }
    int end = url.length();
    for (char separator : new char[] {'?', ';'}) {
      int index = url.indexOf(separator);
      if (index >= 0 && index < end) {
        end = index;
      }
    }
    return "JDBC " + url.substring(0, end);
  }

  /**
   * The index of the {@code @} that ends the user information of the authority starting at {@code start}, or -1, as
   * the engine's JDBC storage finds it to mask a logged URL: the last {@code @} followed by a host that is followed
   * by a path ({@code @db/shop}, wherever it is: a password may hold {@code /?x=1}), by nothing else of the
   * authority's user information (the first such {@code @} when the authority's first {@code :} is followed by no
   * port: {@code //app:pa/ss?x=1@db}), or by no query or settings a path began since the host before
   * ({@code //db:5432/shop?user=me@example.com}: that {@code @} is a value's).
   */
  private static int userInfoEnd(String url, int start) {
    int colon = url.indexOf(':', start);
    boolean password = colon >= 0 && noneOf(url, start, colon, "/?#;[]")
        && !PORT.matcher(url).region(colon + 1, url.length()).lookingAt();
    int end = -1;
    int from = start;
    for (int at = url.indexOf('@', start); at >= 0; at = url.indexOf('@', at + 1)) {
      Matcher host = HOST.matcher(url).region(at + 1, url.length());
      if (!host.lookingAt()) {
        continue;
      }
      boolean path = host.end() < url.length() && url.charAt(host.end()) == '/';
      if (path || (end < 0 && password) || !PARAMETERS_BEGUN.matcher(url).region(from, at).find()) {
        end = at;
        from = host.end();
      }
    }
    return end;
  }

  /** Whether {@code url} holds none of {@code chars} from {@code from} to {@code to}. */
  private static boolean noneOf(String url, int from, int to, String chars) {
    for (int i = from; i < to; i++) {
      if (chars.indexOf(url.charAt(i)) >= 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Reads the command line.
   *
   * @param args the arguments
   * @param environment the process environment (for the password variable)
   * @throws LoyaltyException VALIDATION_ERROR naming the option that is missing, repeated, unknown or out of range
   */
  static ReplayOptions parse(String[] args, Map<String, String> environment) {
    Path log = null;
    Path db = null;
    String url = null;
    String user = null;
    String password = null;
    Path export = null;
    Integer batch = null;
    boolean quiet = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--db" -> db = path("--db", once("--db", db, value(args, ++i, arg)));
        case "--jdbc-url" -> url = once("--jdbc-url", url, value(args, ++i, arg));
        case "--user" -> user = once("--user", user, value(args, ++i, arg));
        case "--password" -> password = once("--password", password, value(args, ++i, arg));
        case "--export" -> export = path("--export", once("--export", export, value(args, ++i, arg)));
        case "--batch" -> batch = batch(once("--batch", batch, value(args, ++i, arg)));
        case "--quiet" -> quiet = true;
        default -> {
          if (arg.startsWith("--")) {
            // Never the value of an --option=value: it may be the password, or a URL holding one.
            int equals = arg.indexOf('=');
            String option = equals < 0 ? arg : arg.substring(0, equals);
            throw LoyaltyException.validation(option, equals < 0 ? "unknown option " + arg + "; " + USAGE
                : option + " takes its value as the next argument (" + option + " VALUE), not after '='; " + USAGE);
          }
          if (log != null) {
            throw LoyaltyException.validation("LOG", "one order log only; " + USAGE);
          }
          log = path("LOG", arg);
        }
      }
    }
    if (log == null) {
      throw LoyaltyException.validation("LOG", "the order log is required; " + USAGE);
    }
    if (db != null && url != null) {
      throw LoyaltyException.validation("--db", "--db and --jdbc-url exclude each other; " + USAGE);
    }
    if (url == null && (user != null || password != null)) {
      throw LoyaltyException.validation(user != null ? "--user" : "--password",
          "--user and --password go with --jdbc-url; " + USAGE);
    }
    if (url != null && !url.startsWith("jdbc:")) {
      throw LoyaltyException.validation("--jdbc-url", "--jdbc-url must start with jdbc:");
    }
    // The storage's own checks, before the log is read: an H2 in-memory database or a write delay would lose
    // commits, and a ';' in the path would add settings to the H2 URL. Their messages name the setting, not the URL.
    storageAccepts("--jdbc-url", url, JdbcStorage.builder()::url);
    storageAccepts("--db", db, JdbcStorage.builder()::h2File);
    if (url != null && password == null) {
      password = environment.get(PASSWORD_VARIABLE);
    }
    if (url == null && db == null) {
      db = Path.of(DEFAULT_DB);
    }
    return new ReplayOptions(log, url == null ? db : null, url, user, password, export,
        batch == null ? DEFAULT_BATCH : batch, quiet);
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length || args[i].startsWith("--")) {
      throw LoyaltyException.validation(option, option + " needs a value; " + USAGE);
    }
    return args[i];
  }

  private static <T> String once(String option, T previous, String value) {
    if (previous != null) {
      throw LoyaltyException.validation(option, option + " was given twice");
    }
    return value;
  }

  private static Path path(String option, String value) {
    try {
      return Path.of(value);
    } catch (InvalidPathException e) {
      // Its message quotes the path.
      throw LoyaltyException.validation(option, option + " is not a path this file system can name");
    }
  }

  private static int batch(String value) {
    try {
      int n = Integer.parseInt(value);
      if (n >= 1 && n <= 100_000) {
        return n;
      }
    } catch (NumberFormatException e) {
      // Reported below, without the value.
    }
    throw LoyaltyException.validation("--batch", "--batch must be a whole number between 1 and 100000");
  }

  @Override
  public String toString() {
    return "ReplayOptions[" + log + ", " + target() + ", export=" + export + ", batch=" + batch + ", quiet=" + quiet
        + "]";
  }

  /**
   * Runs a {@code JdbcStorage.Builder} setter's check of {@code option}'s value, if given: its refusal is the
   * option's.
   */
  private static <T> void storageAccepts(String option, T value, Consumer<T> setter) {
    if (value == null) {
      return;
    }
    try {
      setter.accept(value);
    } catch (IllegalArgumentException e) {
      throw LoyaltyException.validation(option, option + " cannot be used: " + e.getMessage());
    }
  }
}
