package io.loyaltyengine.jdbc.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The lock file H2 keeps beside a database opened with {@code AUTO_SERVER} ({@code <path>.lock.db}, a properties file
 * whose {@code server} names the TCP server the opening process started for other processes). H2 reports
 * {@code AUTO_SERVER} nowhere on a connection, so this file is how a host {@code DataSource}'s database is found to
 * be served. A process that dies leaves the file behind, and a later open without {@code AUTO_SERVER} neither uses
 * nor removes it, so the server it names is asked too: only one that accepts a connection counts.
 *
 * <p>Thread-safe: stateless.
 */
final class H2LockFile {
  /** How long the named server has to accept a connection; it runs beside the database, usually in this process. */
  static final int CONNECT_TIMEOUT_MILLIS = 1_000;

  private H2LockFile() {
  }

  /**
   * Whether the database at {@code databasePath} (as {@code DATABASE_PATH()} gives it) is open with a live
   * {@code AUTO_SERVER}. H2 keeps the lock file beside the database file, also behind a file-system wrapper that
   * keeps the file's name ({@code retry:}, which {@code JdbcStorage.h2File} opens, {@code async:}, {@code split:}; see
   * {@link H2Urls#diskPath}). A path on another file system, a missing or unreadable lock file, one naming no server
   * (H2's {@code FILE_LOCK=FILE} alone) and a server that does not answer all count as not served.
   */
  static boolean namesLiveServer(String databasePath) {
    String diskPath = H2Urls.diskPath(databasePath);
    if (diskPath == null) {
      return false;
    }
    Path file;
    try {
      file = Path.of(diskPath + ".lock.db");
    } catch (InvalidPathException e) {
      return false;
    }
    if (!Files.isRegularFile(file)) {
      return false;
    }
    Properties lock = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      lock.load(in);
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
    String server = lock.getProperty("server");
    int colon = server == null ? -1 : server.lastIndexOf(':');
    if (colon <= 0) {
      return false;
    }
    int port;
    try {
      port = Integer.parseInt(server.substring(colon + 1).strip());
    } catch (NumberFormatException e) {
      return false;
    }
    if (port < 1 || port > 65_535) {
      return false;
    }
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(server.substring(0, colon).strip(), port), CONNECT_TIMEOUT_MILLIS);
      return true;
    } catch (IOException | IllegalArgumentException | SecurityException e) {
      return false;
    }
  }
}
