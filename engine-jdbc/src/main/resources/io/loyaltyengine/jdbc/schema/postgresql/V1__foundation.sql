-- Loyalty engine schema, version 1 (PostgreSQL): tenants, brands, campaigns, participants and the points ledger.
--
-- Every table carries tenant_id and every primary, unique and foreign key leads with it, so that rows of one tenant
-- stay together and the tables can be distributed by tenant (Citus: create_distributed_table(..., 'tenant_id')).
-- Timestamps are timestamptz (microseconds). Text columns are unbounded: the engine validates lengths. Metadata is
-- json rather than jsonb: json keeps the document verbatim, so numbers read back exactly as they were written.
--
-- The migrator runs this script in one transaction (PostgreSQL DDL is transactional), so plain CREATE is used: a
-- half-applied version cannot exist, and a conflicting object created by someone else fails loudly.

CREATE TABLE tenant (
  tenant_id  bigint NOT NULL,
  name       text NOT NULL,
  type       text NOT NULL,
  created_at timestamptz NOT NULL,
  CONSTRAINT pk_tenant PRIMARY KEY (tenant_id)
);

CREATE TABLE brand (
  tenant_id  bigint NOT NULL,
  brand_id   bigint NOT NULL,
  name       text NOT NULL,
  domain     text NOT NULL,
  created_at timestamptz NOT NULL,
  CONSTRAINT pk_brand PRIMARY KEY (tenant_id, brand_id),
  CONSTRAINT uq_brand_domain UNIQUE (tenant_id, domain)
);

CREATE TABLE campaign (
  tenant_id   bigint NOT NULL,
  campaign_id bigint NOT NULL,
  brand_id    bigint NOT NULL,
  name        text NOT NULL,
  status      text NOT NULL,
  visibility  text NOT NULL,
  time_zone   text NOT NULL,
  created_at  timestamptz NOT NULL,
  CONSTRAINT pk_campaign PRIMARY KEY (tenant_id, campaign_id),
  CONSTRAINT fk_campaign_brand FOREIGN KEY (tenant_id, brand_id) REFERENCES brand (tenant_id, brand_id)
);

CREATE INDEX ix_campaign_brand ON campaign (tenant_id, brand_id, campaign_id);

CREATE TABLE participant (
  tenant_id       bigint NOT NULL,
  participant_id  bigint NOT NULL,
  campaign_id     bigint NOT NULL,
  email           text NOT NULL,
  email_sanitized text NOT NULL,
  first_name      text,
  last_name       text,
  ip_address      text,
  tier            text,
  metadata        json NOT NULL,
  search_text     text NOT NULL,
  points_balance  bigint NOT NULL,
  lifetime_points bigint NOT NULL,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  CONSTRAINT pk_participant PRIMARY KEY (tenant_id, participant_id),
  CONSTRAINT uq_participant_email UNIQUE (tenant_id, campaign_id, email_sanitized),
  CONSTRAINT ck_participant_balance CHECK (points_balance >= 0),
  CONSTRAINT ck_participant_lifetime CHECK (lifetime_points >= 0)
);

CREATE INDEX ix_participant_campaign ON participant (tenant_id, campaign_id, participant_id);

CREATE TABLE ledger_entry (
  tenant_id       bigint NOT NULL,
  entry_id        bigint NOT NULL,
  participant_id  bigint NOT NULL,
  campaign_id     bigint NOT NULL,
  kind            text NOT NULL,
  amount          bigint NOT NULL,
  type            text NOT NULL,
  description     text,
  idempotency_key text,
  balance_after   bigint NOT NULL,
  created_at      timestamptz NOT NULL,
  CONSTRAINT pk_ledger_entry PRIMARY KEY (tenant_id, entry_id),
  -- NULL keys are distinct: entries without a key never collide.
  CONSTRAINT uq_ledger_idempotency_key UNIQUE (tenant_id, idempotency_key)
);

CREATE INDEX ix_ledger_participant ON ledger_entry (tenant_id, participant_id, entry_id);
