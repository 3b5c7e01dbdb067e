/**
 * The JDBC storage of the loyalty engine: an embedded H2 file by default, PostgreSQL when several host instances
 * share one database.
 *
 * <pre>{@code
 * LoyaltyEngine engine = LoyaltyEngine.builder()
 *     .storage(JdbcStorage.h2File(Path.of("data/loyalty")))
 *     .build();
 * }</pre>
 *
 * <p>{@link io.loyaltyengine.jdbc.JdbcStorage} creates (or validates) its schema at start from versioned SQL
 * scripts shipped in this jar under {@code io/loyaltyengine/jdbc/schema/<dialect>/}. Engine operations can join a
 * transaction the host opened on the same database through {@link io.loyaltyengine.jdbc.JdbcHostTransaction}.
 */
package io.loyaltyengine.jdbc;
