package io.loyaltyengine.jdbc.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The durability rules for H2 URLs, applied when a URL is set: a database in memory ({@code mem:} or {@code .}, or a
 * file on one of H2's in-memory file systems) is refused, a write delay other than 0 is refused, and a URL without one
 * gets {@code ;WRITE_DELAY=0} (H2's default, 500 ms, loses the commits of the last half second when the process dies,
 * although they were reported as done). A database reached through an H2 server ({@code tcp:}, {@code ssl:}, or
 * {@code AUTO_SERVER=TRUE}) is refused too: a server lets other processes write the database, and their transactions
 * do not take turns with this JVM's ({@link H2TransactionGate}), so H2's lost-update defect could undo a committed
 * change.
 *
 * <p>Thread-safe: stateless.
 */
public final class H2Urls {
  private static final String PREFIX = "jdbc:h2:";
  private static final Pattern DIGITS = Pattern.compile("[0-9]{1,9}");
  /** How H2 spells false for a boolean setting, in lower case. */
  private static final Set<String> FALSE = Set.of("false", "0", "no", "n", "f", "off");
  /** H2's file systems that keep their files in the JVM's memory, by scheme in lower case, to H2's spelling. */
  private static final Map<String, String> IN_MEMORY_FILE_SYSTEMS = Map.of("memfs", "memFS", "memlzf", "memLZF",
      "niomemfs", "nioMemFS", "niomemlzf", "nioMemLZF");
  /**
   * H2's file-system wrappers (H2 2.x), in lower case: each keeps its files on the file system of the path it wraps
   * ({@code rec:} and {@code encrypt:} are registered only when used, but a URL may still name them); and
   * {@code file:}, which H2 drops before a path that names another file system.
   */
  private static final Set<String> WRAPPERS =
      Set.of("split", "async", "niomapped", "rec", "retry", "encrypt", "cache", "file");

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
   * @throws IllegalArgumentException for an in-memory database, a write delay other than 0 or a database reached
   *     through a server (the message never repeats the URL, which may hold a password)
   */
  public static String requireDurable(String url) {
    if (!isH2(url)) {
      return url;
    }
    String rest = url.substring(PREFIX.length());
    int semicolon = rest.indexOf(';');
    String database = semicolon < 0 ? rest : rest.substring(0, semicolon);
    String name = withoutServer(database);
    // H2 opens an unnamed in-memory database for the name ".", as for "mem:".
    if (name.toLowerCase(Locale.ROOT).startsWith("mem:") || name.strip().equals(".")) {
      throw new IllegalArgumentException("url names an in-memory H2 database (jdbc:h2:mem: or jdbc:h2:.), whose data"
          + " does not survive the process; use a file database, for example JdbcStorage.h2File(path)");
    }
    String fileSystem = inMemoryFileSystem(name);
    if (fileSystem != null) {
      throw new IllegalArgumentException("url names an H2 database on an in-memory file system (" + fileSystem
          + ":), whose data does not survive the process; use a file database, for example JdbcStorage.h2File(path)");
    }
    if (isServer(database)) {
      throw new IllegalArgumentException("url reaches the H2 database through a server (tcp: or ssl:), which lets"
          + " other processes write it: their transactions do not take turns with this process's, and H2 can then"
          + " lose a committed change (README, Storage); open the file from one process (JdbcStorage.h2File(path)),"
          + " or use PostgreSQL for several processes");
    }
    boolean writeDelaySet = false;
    if (semicolon >= 0) {
      for (String setting : settings(rest.substring(semicolon + 1))) {
        int equals = setting.indexOf('=');
        String key = key(setting);
        String value = equals < 0 ? "" : setting.substring(equals + 1).strip();
        if (key.equalsIgnoreCase("AUTO_SERVER") && !FALSE.contains(value.toLowerCase(Locale.ROOT))) {
          throw new IllegalArgumentException("url sets AUTO_SERVER, which lets other processes write the H2"
              + " database: their transactions do not take turns with this process's, and H2 can then lose a"
              + " committed change (README, Storage); remove the setting, or use PostgreSQL for several processes");
        }
        if (!key.equalsIgnoreCase("WRITE_DELAY")) {
          continue;
        }
        if (!DIGITS.matcher(value).matches() || Integer.parseInt(value) != 0) {
          throw new IllegalArgumentException("url sets WRITE_DELAY"
              + (DIGITS.matcher(value).matches() ? "=" + value : " to a value other than 0")
              + ", but the engine requires WRITE_DELAY=0: with a delay, commits reported as done are lost when the"
              + " process dies; remove the setting or set it to 0");
        }
        writeDelaySet = true;
      }
    }
    if (writeDelaySet) {
      return url;
    }
    // A backslash ending the last setting is its own character, but would escape an appended semicolon: doubled,
    // it stays one backslash of the value.
    int backslashes = 0;
    while (semicolon >= 0 && backslashes < url.length() && url.charAt(url.length() - 1 - backslashes) == '\\') {
      backslashes++;
    }
    return url + (backslashes % 2 == 1 ? "\\" : "") + ";WRITE_DELAY=0";
  }

  /**
   * Whether the H2 URL {@code url} gives the setting {@code key} (letter case ignored), read as H2 reads its settings.
   * A setting the URL gives may not be given again as a connection property with another value: H2 refuses that.
   */
  public static boolean setsSetting(String url, String key) {
    int semicolon = url.indexOf(';');
    if (!isH2(url) || semicolon < 0) {
      return false;
    }
    for (String setting : settings(url.substring(semicolon + 1))) {
      if (key(setting).equalsIgnoreCase(key)) {
        return true;
      }
    }
    return false;
  }

  /** The name of a setting as {@link #settings} split it: what comes before its {@code =}, stripped. */
  private static String key(String setting) {
    int equals = setting.indexOf('=');
    return (equals < 0 ? setting : setting.substring(0, equals)).strip();
  }

  /**
   * The settings after a URL's database part, split as H2 splits them: a backslash escapes the character after it, so
   * {@code PASSWORD=a\;WRITE_DELAY=5} is one setting, a password holding a semicolon.
   */
  private static List<String> settings(String settings) {
    List<String> split = new ArrayList<>();
    StringBuilder setting = new StringBuilder();
    for (int i = 0; i < settings.length(); i++) {
      char c = settings.charAt(i);
      if (c == ';') {
        split.add(setting.toString());
        setting.setLength(0);
      } else if (c == '\\' && i + 1 < settings.length()) {
        setting.append(settings.charAt(++i));
      } else {
        setting.append(c);
      }
    }
    split.add(setting.toString());
    return split;
  }

  /**
   * Whether {@code url} reaches an H2 database through a server ({@code tcp:} or {@code ssl:}), as the URL of a
   * connection's metadata does, which H2 gives without the settings.
   */
  public static boolean namesServer(String url) {
    return isH2(url) && isServer(url.substring(PREFIX.length()));
  }

  /**
   * The in-memory file system, as H2 spells its scheme, that an H2 database is stored on, or null: {@code path} is
   * the database part of a URL or what {@code DATABASE_PATH()} answers, and H2's file-system wrappers are looked
   * through ({@code split:26:memFS:/db} is in memory). Letter case is ignored: H2 itself would take {@code MEMFS:} for
   * a file on disk, but refusing it costs nothing.
   */
  public static String inMemoryFileSystem(String path) {
    for (String scheme : fileSystems(path).schemes()) {
      String fileSystem = IN_MEMORY_FILE_SYSTEMS.get(scheme);
      if (fileSystem != null) {
        return fileSystem;
      }
    }
    return null;
  }

  /**
   * Whether an H2 database at {@code path} (the database part of a URL, or what {@code DATABASE_PATH()} answers) is
   * on a file system whose file an interrupted thread's read or write leaves open: H2's {@code async:} (an
   * {@code AsynchronousFileChannel}: the I/O runs on other threads, and the caller's interrupt stays set) or
   * {@code retry:} (which opens the file again, clearing the interrupt), also behind other wrappers. On H2's default
   * file system, and on the others, the JDK closes the file when a thread with its interrupt set reads or writes it,
   * and H2 then closes the whole database under every connection.
   */
  public static boolean survivesInterrupts(String path) {
    List<String> schemes = fileSystems(path).schemes();
    return schemes.contains("async") || schemes.contains("retry");
  }

  /**
   * The path on disk of an H2 database at {@code path} (what {@code DATABASE_PATH()} answers), looking through H2's
   * file-system wrappers that keep the files under their own names ({@code async:}, {@code retry:}, {@code split:},
   * {@code file:} and the like: {@code async:/data/loyalty} is {@code /data/loyalty}); null for one whose files are
   * not plain ({@code encrypt:}) or not on disk.
   */
  public static String diskPath(String path) {
    FileSystems layers = fileSystems(path);
    for (String scheme : layers.schemes()) {
      if (!WRAPPERS.contains(scheme) || scheme.equals("encrypt")) {
        return null;
      }
    }
    return layers.path();
  }

  /**
   * The file-system schemes in front of an H2 database path, lower-cased, outermost first: H2's wrappers, then the
   * first scheme that is none (an in-memory file system, say), if any; and the path after the wrappers.
   */
  private record FileSystems(List<String> schemes, String path) {
  }

  private static FileSystems fileSystems(String path) {
    List<String> schemes = new ArrayList<>();
    String rest = path;
    int colon;
    // A one-letter scheme is a Windows drive: the path on disk begins there.
    while ((colon = rest.indexOf(':')) > 1) {
      String scheme = rest.substring(0, colon).toLowerCase(Locale.ROOT);
      schemes.add(scheme);
      if (!WRAPPERS.contains(scheme)) {
        break;
      }
      rest = rest.substring(colon + 1);
      // Two wrappers take a parameter before the wrapped path: split:<size shift>: and encrypt:<password>:.
      boolean parameter = scheme.equals("encrypt")
          || scheme.equals("split") && !rest.isEmpty() && Character.isDigit(rest.charAt(0));
      if (parameter) {
        rest = rest.substring(rest.indexOf(':') + 1);
      }
    }
    return new FileSystems(schemes, rest);
  }

  /**
   * The database part of a server URL: {@code tcp://host:port/name} becomes {@code name}, as does H2's form without
   * the slashes, {@code tcp:host:port/name} (also {@code ssl:}). The in-memory checks look through a server: its
   * name is refused for being in memory, which says more than being on a server.
   */
  private static String withoutServer(String database) {
    if (isServer(database)) {
      int server = database.startsWith("//", 4) ? 6 : 4;
      int slash = database.indexOf('/', server);
      return slash < 0 ? "" : database.substring(slash + 1);
    }
    return database;
  }

  /** Whether the database part of a URL names a server ({@code tcp:} or {@code ssl:}). */
  private static boolean isServer(String database) {
    return database.regionMatches(true, 0, "tcp:", 0, 4) || database.regionMatches(true, 0, "ssl:", 0, 4);
  }
}
