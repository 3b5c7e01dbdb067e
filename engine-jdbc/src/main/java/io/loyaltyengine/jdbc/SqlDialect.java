package io.loyaltyengine.jdbc;

/**
 * The databases {@link JdbcStorage} speaks to. Detected from the database's product name unless set with
 * {@link JdbcStorage.Builder#dialect(SqlDialect)}. Immutable and thread-safe.
 */
public enum SqlDialect {
  /** H2 2.x, embedded in the host's process (the default storage). */
  H2("h2"),
  /** PostgreSQL 13 or later, for several host instances sharing one database. */
  POSTGRESQL("postgresql");

  private final String scriptDirectory;

  SqlDialect(String scriptDirectory) {
    this.scriptDirectory = scriptDirectory;
  }

  /** The directory, under {@code io/loyaltyengine/jdbc/schema/} in this jar, of this dialect's schema scripts. */
  public String scriptDirectory() {
    return scriptDirectory;
  }
}
