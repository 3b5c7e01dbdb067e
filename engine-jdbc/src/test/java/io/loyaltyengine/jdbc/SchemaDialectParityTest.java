package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.zaxxer.hikari.HikariDataSource;
import io.loyaltyengine.jdbc.internal.SchemaMigrator;
import io.loyaltyengine.jdbc.internal.Sql;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The two dialects' migrated schemas, read from their catalogs, have the same tables, columns (names, types,
 * nullability, defaults), primary, unique and foreign keys, check constraints and named indexes, so that the stores
 * keep the same data and refuse the same rows. Only what the scripts document differs: JSON text (PostgreSQL's
 * {@code json}, H2's {@code VARCHAR}) and the columns of indexes H2 cannot make partial.
 */
class SchemaDialectParityTest {
  private final Path directory = TestFiles.newDirectory("loyalty-parity-");
  private final String database = EmbeddedPostgresServer.createDatabase();
  private final HikariDataSource postgres = EmbeddedPostgresServer.pool(database, 2);

  @AfterEach
  void cleanUp() {
    postgres.close();
    EmbeddedPostgresServer.dropDatabase(database);
    TestFiles.delete(directory);
  }

  @Test
  void bothDialectsMigrateToTheSameTablesColumnsKeysAndConstraints() {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:file:" + directory.resolve("loyalty") + ";WRITE_DELAY=0");
    Map<String, List<String>> onH2 = described(migrated(h2, SqlDialect.H2));
    Map<String, List<String>> onPostgres = described(migrated(postgres, SqlDialect.POSTGRESQL));
    List<String> differences = new ArrayList<>();
    Set<String> tables = new TreeSet<>(onH2.keySet());
    tables.addAll(onPostgres.keySet());
    for (String table : tables) {
      List<String> h2Facts = onH2.getOrDefault(table, List.of("(no table)"));
      List<String> postgresFacts = onPostgres.getOrDefault(table, List.of("(no table)"));
      for (String fact : h2Facts) {
        if (!postgresFacts.contains(fact)) {
          differences.add(table + ": only on H2: " + fact);
        }
      }
      for (String fact : postgresFacts) {
        if (!h2Facts.contains(fact)) {
          differences.add(table + ": only on PostgreSQL: " + fact);
        }
      }
    }
    assertEquals(List.of(), differences);
  }

  private static Map<String, SchemaCatalog.Table> migrated(DataSource dataSource, SqlDialect dialect) {
    new SchemaMigrator(dataSource, new Sql(dialect)).migrate();
    try (Connection connection = dataSource.getConnection()) {
      return SchemaCatalog.read(connection, dialect);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Each table's facts as sorted texts: its columns, keys, checks, and the names of its named indexes ({@code ix_}:
   * the others are the keys' own, named by each database).
   */
  private static Map<String, List<String>> described(Map<String, SchemaCatalog.Table> tables) {
    Map<String, List<String>> described = new TreeMap<>();
    tables.forEach((name, table) -> {
      Set<String> facts = new TreeSet<>();
      table.columns().forEach((column, c) -> facts.add("column " + column + " " + c.type()
          + (c.nullable() ? " NULL" : " NOT NULL") + (c.hasDefault() ? " DEFAULT" : "")));
      table.keys().forEach((key, k) -> facts.add("key " + key + " " + k.kind() + " " + k.columns()
          + (k.kind() == 'f' ? " -> " + k.referencedTable() + k.references() : "")));
      table.checks().forEach(check -> facts.add("check " + check));
      facts.addAll(table.indexes().keySet().stream().filter(index -> index.startsWith("ix_"))
          .map(index -> "index " + index).collect(Collectors.toSet()));
      described.put(name, List.copyOf(facts));
    });
    return described;
  }
}
