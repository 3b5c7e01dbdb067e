package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.loyaltyengine.jdbc.internal.SchemaMigrator;
import io.loyaltyengine.jdbc.internal.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The migrated schema, read from each database's catalog, keeps what ARCHITECTURE.md promises so that it can be
 * distributed by tenant (Citus style): "Every table carries {@code tenant_id} and every primary and unique key leads
 * with it", and only the named secondary indexes that serve work across tenants do not; the migrator's
 * {@code loyalty_schema_history} and {@code node_lease} are the only tables without a tenant. A foreign key between
 * tenants' tables includes the distribution column on both sides ({@code tenant_id} to {@code tenant_id}), as Citus
 * requires of a foreign key between distributed tables.
 */
abstract class SchemaCatalogTestBase {
  /** The tables that are no tenant's. */
  static final Set<String> WITHOUT_TENANT = Set.of("loyalty_schema_history", "node_lease");

  /** The dialect under test. */
  abstract SqlDialect dialect();

  /** A DataSource on a fresh, empty database; the same database each call. */
  abstract DataSource dataSource();

  /** Drops the database and closes what {@link #dataSource()} opened. */
  abstract void closeDatabase();

  /** The secondary indexes that serve work across tenants, which ARCHITECTURE.md names for this dialect. */
  abstract Set<String> crossTenantIndexes();

  @AfterEach
  void cleanUp() {
    closeDatabase();
  }

  /** The engine's latest schema, migrated into a fresh database, as its catalog describes it. */
  Map<String, SchemaCatalog.Table> migrated() {
    new SchemaMigrator(dataSource(), new Sql(dialect())).migrate();
    try (Connection connection = dataSource().getConnection()) {
      return SchemaCatalog.read(connection, dialect());
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void everyTableCarriesTenantIdAndEveryKeyAndIndexLeadsWithItButTheNamedCrossTenantIndexes() {
    Map<String, SchemaCatalog.Table> tables = migrated();
    List<String> breaches = new ArrayList<>();
    Set<String> tenantless = new TreeSet<>();
    Set<String> crossTenant = new TreeSet<>();
    tables.forEach((name, table) -> {
      SchemaCatalog.Column tenant = table.columns().get("tenant_id");
      if (tenant == null) {
        tenantless.add(name);
        return;
      }
      if (!tenant.type().equals("bigint") || tenant.nullable()) {
        breaches.add(name + ".tenant_id is " + tenant);
      }
      if (table.keys().values().stream().noneMatch(k -> k.kind() == 'p')) {
        breaches.add(name + " has no primary key");
      }
      table.keys().forEach((keyName, key) -> {
        if (key.kind() != 'f' && !key.columns().get(0).equals("tenant_id")) {
          breaches.add(name + "." + keyName + " " + key.columns() + " does not lead with tenant_id");
        }
        if (key.kind() == 'f') {
          int at = key.columns().indexOf("tenant_id");
          if (at != 0 || !key.references().get(at).equals("tenant_id")
              || !tables.get(key.referencedTable()).columns().containsKey("tenant_id")) {
            breaches.add(name + "." + keyName + " " + key.columns() + " -> " + key.referencedTable()
                + key.references() + " does not join tenant_id to tenant_id");
          }
        }
      });
      table.indexes().forEach((indexName, index) -> {
        if (!index.columns().get(0).equals("tenant_id")) {
          if (index.unique() || !crossTenantIndexes().contains(indexName)) {
            breaches.add(name + "." + indexName + " " + index.columns() + (index.unique() ? " (unique)" : "")
                + " does not lead with tenant_id");
          } else {
            crossTenant.add(indexName);
          }
        }
      });
    });
    assertEquals(WITHOUT_TENANT, tenantless, "the tables without tenant_id");
    assertEquals(crossTenantIndexes(), crossTenant, "the indexes named as serving work across tenants");
    assertEquals(List.of(), breaches, "breaches of ARCHITECTURE.md's promise");
  }
}
