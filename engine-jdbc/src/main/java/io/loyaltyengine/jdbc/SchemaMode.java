package io.loyaltyengine.jdbc;

/**
 * What {@link JdbcStorage} does with the database schema at start. Immutable and thread-safe.
 *
 * <p>Either way, a database whose schema is newer than this engine knows, or whose applied scripts differ from the
 * ones in this jar, is refused.
 */
public enum SchemaMode {
  /**
   * Applies the schema versions the database lacks, in order, holding a lock so that two storages never migrate at
   * once (the default). On PostgreSQL the lock is the database's (an advisory lock), held across processes. On H2 it
   * is a lock in the JVM, by database file: it keeps apart the storages of one process, which is all an H2 database
   * has (a URL naming an H2 server is refused; a host's {@code DataSource} on one should start its processes one at
   * a time). On PostgreSQL a role that may not create tables starts in this mode too once every version is applied
   * (a deployment step migrated the schema): nothing is created then. The tables go to the connection's current
   * schema; one there that a version not yet applied creates, but without that version's columns (another
   * application's), is refused before any script runs.
   */
  MIGRATE,
  /**
   * Changes nothing: fails to start, listing what is missing, unless every schema version is applied. For hosts whose
   * application user may not run DDL: apply the versions in a deployment step (for example by building a
   * {@code JdbcStorage} with {@link #MIGRATE} as a user that may), or run the scripts from
   * {@code io/loyaltyengine/jdbc/schema/<dialect>/} in this jar, in the order of {@code migrations.txt} there, with
   * your own tool and record each in the {@code loyalty_schema_history} table ({@code version INTEGER} primary key,
   * {@code description VARCHAR(200)}, {@code checksum VARCHAR(64)}, {@code applied_at TIMESTAMP WITH TIME ZONE},
   * none null; {@link #MIGRATE} creates it, {@code VALIDATE} does not): its version, its description (the file name's
   * part after {@code __}, underscores as spaces), the SHA-256 of the script in hex (line ends normalized to
   * {@code \n}; another checksum is refused as a changed script, but for the former checksums of a mended script
   * that {@code former-checksums.txt} there lists) and when it was applied.
   */
  VALIDATE
}
