-- Loyalty engine schema, version 8 (PostgreSQL): node leases. The migrator runs this script in one transaction.
--
-- Every id the engine makes by default carries a node number (0..1023) that tells apart the engine instances
-- sharing this database. An instance leases its number here when it starts, renews the lease while it runs and
-- releases it when it closes, so that two running instances never make the same id (NodePort).
--
-- Not a tenant's table, like loyalty_schema_history: the numbers belong to the engine instances, not to a tenant,
-- so it has no tenant_id (distributed by tenant, it would be a reference table). Every number has its row from the
-- start, so that a claim is one conditional UPDATE of an existing row, decided under its row lock. A number never
-- leased has no holder and expires at the epoch; a released one has no holder and expires when it was released
-- (after the last id made with it). A claim takes a number whose expiry has passed, the earliest first: numbers
-- never leased, then the one released or run out longest ago.
CREATE TABLE node_lease (
  node       integer NOT NULL,
  holder     varchar(64),
  expires_at timestamptz NOT NULL,
  CONSTRAINT pk_node_lease PRIMARY KEY (node),
  CONSTRAINT ck_node_lease_node CHECK (node >= 0 AND node < 1024)
);

INSERT INTO node_lease (node, holder, expires_at)
  SELECT n, NULL, TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00' FROM generate_series(0, 1023) AS n;
