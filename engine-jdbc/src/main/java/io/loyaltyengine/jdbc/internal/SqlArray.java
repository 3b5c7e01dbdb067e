package io.loyaltyengine.jdbc.internal;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * An array parameter made by the driver itself ({@link java.sql.Connection#createArrayOf}). Jdbi's
 * {@code bindArray} works out the generic type of the element by reflection on every call, which, with a statement
 * of 27 array parameters, cost more client time than everything else the engine does for an award on PostgreSQL.
 *
 * <p>Its text never shows the values (they can hold personal data), only the element type and the count.
 *
 * <p>Immutable; the values array is not copied and must not change after binding.
 */
final class SqlArray implements Argument {
  private final String elementType;
  private final Object[] values;

  private SqlArray(String elementType, Object[] values) {
    this.elementType = elementType;
    this.values = values;
  }

  /** A {@code bigint[]} (nulls allowed). */
  static SqlArray bigint(Long[] values) {
    return new SqlArray("bigint", values);
  }

  /** An {@code integer[]} (nulls allowed). */
  static SqlArray integer(Integer[] values) {
    return new SqlArray("integer", values);
  }

  /** A {@code text[]} (nulls allowed). */
  static SqlArray text(String[] values) {
    return new SqlArray("text", values);
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
