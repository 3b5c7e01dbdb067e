package io.loyaltyengine.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A migrated schema as its database's catalog describes it (information_schema and pg_catalog on PostgreSQL,
 * INFORMATION_SCHEMA on H2), in one vocabulary for both dialects: names in lower case, types as {@code bigint},
 * {@code integer}, {@code boolean}, {@code text}, {@code varchar(n)}, {@code bytes}, {@code numeric(p,s)},
 * {@code timestamptz(p)}. Read from the connection's current schema. Stateless.
 */
final class SchemaCatalog {
  /** A column: its type in the common vocabulary, whether it takes NULL, whether it has a default. */
  record Column(String type, boolean nullable, boolean hasDefault) {
  }

  /** A primary, unique or foreign key ({@code kind} p, u or f); {@code references} empty but for a foreign key. */
  record Key(char kind, List<String> columns, String referencedTable, List<String> references) {
  }

  /**
   * An index, with its key columns in order; {@code unique} for a unique one (constraints' own included),
   * {@code partial} for one with a WHERE clause.
   */
  record Index(List<String> columns, boolean unique, boolean partial) {
  }

  /** A table: its columns, keys and check constraints by name, and its indexes by name. */
  record Table(Map<String, Column> columns, Map<String, Key> keys, List<String> checks, Map<String, Index> indexes) {
  }

  private SchemaCatalog() {
  }

  /** The base tables of {@code connection}'s current schema, by name. */
  static Map<String, Table> read(Connection connection, SqlDialect dialect) {
    try {
      Map<String, Table> tables = new TreeMap<>();
      String schema = connection.getSchema();
      for (String name : strings(connection, "SELECT table_name FROM information_schema.tables"
          + " WHERE table_schema = ? AND table_type = 'BASE TABLE'", schema)) {
        tables.put(lower(name), new Table(new TreeMap<>(), new TreeMap<>(), new ArrayList<>(), new TreeMap<>()));
      }
      readColumns(connection, dialect, schema, tables);
      if (dialect == SqlDialect.POSTGRESQL) {
        readPostgresConstraints(connection, tables);
        readPostgresIndexes(connection, tables);
      } else {
        readH2Constraints(connection, schema, tables);
        readH2Indexes(connection, schema, tables);
      }
      return tables;
    } catch (SQLException e) {
      throw new IllegalStateException("reading the catalog failed", e);
    }
  }

  private static void readColumns(Connection connection, SqlDialect dialect, String schema, Map<String, Table> tables)
      throws SQLException {
    String sql = "SELECT table_name, column_name, data_type, is_nullable, column_default, character_maximum_length,"
        + " numeric_precision, numeric_scale, datetime_precision FROM information_schema.columns"
        + " WHERE table_schema = ? ORDER BY table_name, ordinal_position";
    try (PreparedStatement p = connection.prepareStatement(sql)) {
      p.setString(1, schema);
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          Table table = tables.get(lower(r.getString(1)));
          if (table == null) {
            continue;
          }
          String type = type(dialect, lower(r.getString(3)), number(r, 6), number(r, 7), number(r, 8),
              number(r, 9));
          table.columns().put(lower(r.getString(2)),
              new Column(type, "YES".equalsIgnoreCase(r.getString(4)), r.getString(5) != null));
        }
      }
    }
  }

  /** A column type in the common vocabulary; JSON text (PostgreSQL's json, H2's VARCHAR) is {@code text}. */
  private static String type(SqlDialect dialect, String type, Long length, Long precision, Long scale,
      Long datetimePrecision) {
    // H2's VARCHAR and VARBINARY without a length have its largest length.
    boolean unbounded = length == null || (dialect == SqlDialect.H2 && length >= 1_000_000_000L);
    return switch (type) {
      case "bigint", "integer", "boolean" -> type;
      case "text", "json" -> "text";
      case "character varying" -> unbounded ? "text" : "varchar(" + length + ")";
      case "bytea", "binary varying" -> unbounded ? "bytes" : "varbinary(" + length + ")";
      case "numeric" -> "numeric(" + precision + "," + scale + ")";
      case "timestamp with time zone" -> "timestamptz(" + datetimePrecision + ")";
      default -> type + "?";
    };
  }

  private static void readPostgresConstraints(Connection connection, Map<String, Table> tables)
      throws SQLException {
    String columns = "(SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(%s) WITH ORDINALITY k (attnum, n)"
        + " JOIN pg_attribute a ON a.attrelid = %s AND a.attnum = k.attnum)";
    String sql = "SELECT c.conname, c.contype, t.relname, " + columns.formatted("c.conkey", "c.conrelid")
        + ", f.relname, " + columns.formatted("c.confkey", "c.confrelid")
        + " FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
        + " JOIN pg_namespace s ON s.oid = t.relnamespace LEFT JOIN pg_class f ON f.oid = c.confrelid"
        + " WHERE s.nspname = current_schema() AND c.contype IN ('p', 'u', 'f', 'c')";
    try (PreparedStatement p = connection.prepareStatement(sql); ResultSet r = p.executeQuery()) {
      while (r.next()) {
        Table table = tables.get(r.getString(3));
        if (table == null) {
          continue;
        }
        char kind = r.getString(2).charAt(0);
        if (kind == 'c') {
          table.checks().add(r.getString(1));
        } else {
          table.keys().put(r.getString(1), new Key(kind, list(r.getString(4)),
              kind == 'f' ? r.getString(5) : "", kind == 'f' ? list(r.getString(6)) : List.of()));
        }
      }
    }
  }

  private static void readPostgresIndexes(Connection connection, Map<String, Table> tables) throws SQLException {
    String sql = "SELECT i.relname, t.relname, x.indisunique, x.indpred IS NOT NULL,"
        + " (SELECT string_agg(replace(pg_get_indexdef(x.indexrelid, k, true), '\"', '')"
        + " || CASE WHEN x.indoption[k - 1] & 1 = 1 THEN ' DESC' ELSE '' END, ',' ORDER BY k)"
        + " FROM generate_series(1, x.indnkeyatts) k)"
        + " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
        + " JOIN pg_namespace s ON s.oid = t.relnamespace WHERE s.nspname = current_schema()";
    try (PreparedStatement p = connection.prepareStatement(sql); ResultSet r = p.executeQuery()) {
      while (r.next()) {
        Table table = tables.get(r.getString(2));
        if (table != null) {
          table.indexes().put(r.getString(1), new Index(list(lower(r.getString(5))), r.getBoolean(3),
              r.getBoolean(4)));
        }
      }
    }
  }

  private static void readH2Constraints(Connection connection, String schema, Map<String, Table> tables)
      throws SQLException {
    String keyColumns = "(SELECT LISTAGG(k.column_name, ',') WITHIN GROUP (ORDER BY k.ordinal_position)"
        + " FROM information_schema.key_column_usage k WHERE k.constraint_schema = %1$s.constraint_schema"
        + " AND k.constraint_name = %1$s.constraint_name)";
    String sql = "SELECT c.constraint_name, c.constraint_type, c.table_name, " + keyColumns.formatted("c") + ","
        + " u.table_name, " + keyColumns.formatted("u")
        + " FROM information_schema.table_constraints c LEFT JOIN information_schema.referential_constraints f"
        + " ON f.constraint_schema = c.constraint_schema AND f.constraint_name = c.constraint_name"
        + " LEFT JOIN information_schema.table_constraints u ON u.constraint_schema = f.unique_constraint_schema"
        + " AND u.constraint_name = f.unique_constraint_name WHERE c.table_schema = ?";
    try (PreparedStatement p = connection.prepareStatement(sql)) {
      p.setString(1, schema);
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          Table table = tables.get(lower(r.getString(3)));
          if (table == null) {
            continue;
          }
          String name = lower(r.getString(1));
          char kind = switch (r.getString(2)) {
            case "PRIMARY KEY" -> 'p';
            case "UNIQUE" -> 'u';
            case "FOREIGN KEY" -> 'f';
            default -> 'c';
          };
          if (kind == 'c') {
            table.checks().add(name);
          } else {
            table.keys().put(name, new Key(kind, list(lower(r.getString(4))),
                kind == 'f' ? lower(r.getString(5)) : "", kind == 'f' ? list(lower(r.getString(6))) : List.of()));
          }
        }
      }
    }
  }

  private static void readH2Indexes(Connection connection, String schema, Map<String, Table> tables)
      throws SQLException {
    String sql = "SELECT i.index_name, i.table_name, i.index_type_name,"
        + " (SELECT LISTAGG(c.column_name || CASE WHEN c.ordering_specification = 'DESC' THEN ' DESC' ELSE '' END,"
        + " ',') WITHIN GROUP (ORDER BY c.ordinal_position)"
        + " FROM information_schema.index_columns c WHERE c.index_schema = i.index_schema"
        + " AND c.index_name = i.index_name)"
        + " FROM information_schema.indexes i WHERE i.table_schema = ?";
    try (PreparedStatement p = connection.prepareStatement(sql)) {
      p.setString(1, schema);
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          Table table = tables.get(lower(r.getString(2)));
          if (table != null) {
            boolean unique = !"INDEX".equals(r.getString(3));
            table.indexes().put(lower(r.getString(1)), new Index(list(lower(r.getString(4))), unique, false));
          }
        }
      }
    }
  }

  private static List<String> strings(Connection connection, String sql, String parameter) throws SQLException {
    List<String> values = new ArrayList<>();
    try (PreparedStatement p = connection.prepareStatement(sql)) {
      p.setString(1, parameter);
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          values.add(r.getString(1));
        }
      }
    }
    return values;
  }

  private static Long number(ResultSet r, int column) throws SQLException {
    long value = r.getLong(column);
    return r.wasNull() ? null : value;
  }

  private static List<String> list(String commaSeparated) {
    return commaSeparated == null ? List.of() : Arrays.stream(commaSeparated.split(",")).map(String::strip).toList();
  }

  private static String lower(String name) {
    return name == null ? null : name.toLowerCase(Locale.ROOT);
  }
}
