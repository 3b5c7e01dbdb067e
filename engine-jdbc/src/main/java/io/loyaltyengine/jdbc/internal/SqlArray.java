package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.jdbc.SqlDialect;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.function.Function;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * An array parameter made by the driver itself ({@link java.sql.Connection#createArrayOf}). Jdbi's
 * {@code bindArray} works out the generic type of the element by reflection on every call, which, with a statement
 * of 27 array parameters, cost more client time than everything else the engine does for an award on PostgreSQL.
 *
 * <p>Its text never shows the values (they can hold personal data), only the element type and the count.
 *
 * <p>Immutable.
 */
final class SqlArray implements Argument {
  private final String elementType;
  private final Object[] values;

  private SqlArray(String elementType, Object[] values) {
    this.elementType = elementType;
    this.values = values;
  }

  /** A {@code bigint[]} of one field of every row (nulls kept). */
  static <R> SqlArray bigint(List<R> rows, Function<R, Long> field) {
    return new SqlArray("bigint", column(rows, field, new Long[rows.size()]));
  }

  /** An {@code integer[]} of one field of every row (nulls kept). */
  static <R> SqlArray integer(List<R> rows, Function<R, Integer> field) {
    return new SqlArray("integer", column(rows, field, new Integer[rows.size()]));
  }

  /** A {@code text[]} of one field of every row (nulls kept). */
  static <R> SqlArray text(List<R> rows, Function<R, String> field) {
    return new SqlArray("text", column(rows, field, new String[rows.size()]));
  }

  /**
   * A time of every row (nulls kept) as the dialect's statements take an array of times: on H2 a
   * {@code timestamp with time zone[]} of {@link Rows#utcMicros}, as {@link Rows#timestamp} binds one; on PostgreSQL a {@code bigint[]} of microseconds since the epoch, which the
   * statement converts (an exact integer, where a driver's timestamp array would go through text).
   */
  static <R> SqlArray times(SqlDialect dialect, List<R> rows, Function<R, Instant> field) {
    if (dialect == SqlDialect.POSTGRESQL) {
      return bigint(rows, r -> {
        Instant instant = field.apply(r);
        return instant == null ? null : Rows.epochMicros(instant);
      });
    }
    return new SqlArray("timestamp with time zone",
        column(rows, r -> Rows.utcMicros(field.apply(r)), new OffsetDateTime[rows.size()]));
  }

  /**
   * Fills {@code values} with the field of every row. Typed ({@code Long[]}, not {@code Object[]}) so that the
   * PostgreSQL driver can send numbers in its binary format instead of one text literal to parse.
   */
  private static <R, T> T[] column(List<R> rows, Function<R, ? extends T> field, T[] values) {
    for (int i = 0; i < values.length; i++) {
      values[i] = field.apply(rows.get(i));
    }
    return values;
  }

  @Override
  public void apply(int position, PreparedStatement statement, StatementContext ctx) throws SQLException {
    Array array = statement.getConnection().createArrayOf(elementType, values);
    ctx.addCleanable(array::free);
    statement.setArray(position, array);
  }

  @Override
  public String toString() {
    return elementType + "[" + values.length + "]";
  }
}
