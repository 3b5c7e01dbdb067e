package io.loyaltyengine.jdbc;

/**
 * What {@link JdbcStorage} does with the database schema at start. Immutable and thread-safe.
 *
 * <p>Either way, a database whose schema is newer than this engine knows, or whose applied scripts differ from the
 * ones in this jar, is refused.
 */
public enum SchemaMode {
  /**
   * Applies the schema versions the database lacks, in order, holding a lock so that two instances never migrate at
   * once (the default).
   */
  MIGRATE,
  /**
   * Changes nothing: fails to start, listing what is missing, unless every schema version is applied. For hosts whose
   * application user may not run DDL: apply the versions in a deployment step (for example by building a
   * {@code JdbcStorage} with {@link #MIGRATE} as a user that may), or run the scripts from
   * {@code io/loyaltyengine/jdbc/schema/<dialect>/} in this jar with your own tool and record each in the
   * {@code loyalty_schema_history} table.
   */
  VALIDATE
}
