-- Loyalty engine schema, version 1 (H2): tenants, brands, campaigns, participants and the points ledger.
--
-- Every table carries tenant_id and every primary, unique and foreign key leads with it, so that rows of one tenant
-- stay together and the schema can be distributed by tenant. Timestamps are stored with their zone (always UTC as
-- written by the engine) at microsecond precision. Text columns are unbounded: the engine validates lengths.
--
-- H2 commits every DDL statement on its own, so a run that dies half-way leaves some objects behind. Every statement
-- is therefore idempotent (IF NOT EXISTS): the migrator records the version only after the whole script ran, and a
-- repeated run completes what is missing.

CREATE TABLE IF NOT EXISTS tenant (
  tenant_id  BIGINT NOT NULL,
  name       VARCHAR NOT NULL,
  type       VARCHAR NOT NULL,
  created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_tenant PRIMARY KEY (tenant_id)
);

CREATE TABLE IF NOT EXISTS brand (
  tenant_id  BIGINT NOT NULL,
  brand_id   BIGINT NOT NULL,
  name       VARCHAR NOT NULL,
  domain     VARCHAR NOT NULL,
  created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_brand PRIMARY KEY (tenant_id, brand_id),
  CONSTRAINT uq_brand_domain UNIQUE (tenant_id, domain)
);

CREATE TABLE IF NOT EXISTS campaign (
  tenant_id   BIGINT NOT NULL,
  campaign_id BIGINT NOT NULL,
  brand_id    BIGINT NOT NULL,
  name        VARCHAR NOT NULL,
  status      VARCHAR NOT NULL,
  visibility  VARCHAR NOT NULL,
  time_zone   VARCHAR NOT NULL,
  created_at  TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_campaign PRIMARY KEY (tenant_id, campaign_id),
  CONSTRAINT fk_campaign_brand FOREIGN KEY (tenant_id, brand_id) REFERENCES brand (tenant_id, brand_id)
);

CREATE INDEX IF NOT EXISTS ix_campaign_brand ON campaign (tenant_id, brand_id, campaign_id);

CREATE TABLE IF NOT EXISTS participant (
  tenant_id       BIGINT NOT NULL,
  participant_id  BIGINT NOT NULL,
  campaign_id     BIGINT NOT NULL,
  email           VARCHAR NOT NULL,
  email_sanitized VARCHAR NOT NULL,
  first_name      VARCHAR,
  last_name       VARCHAR,
  ip_address      VARCHAR,
  tier            VARCHAR,
  metadata        VARCHAR NOT NULL,
  search_text     VARCHAR NOT NULL,
  points_balance  BIGINT NOT NULL,
  lifetime_points BIGINT NOT NULL,
  created_at      TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  updated_at      TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_participant PRIMARY KEY (tenant_id, participant_id),
  CONSTRAINT uq_participant_email UNIQUE (tenant_id, campaign_id, email_sanitized),
  CONSTRAINT ck_participant_balance CHECK (points_balance >= 0),
  CONSTRAINT ck_participant_lifetime CHECK (lifetime_points >= 0)
);

CREATE INDEX IF NOT EXISTS ix_participant_campaign ON participant (tenant_id, campaign_id, participant_id);

CREATE TABLE IF NOT EXISTS ledger_entry (
  tenant_id       BIGINT NOT NULL,
  entry_id        BIGINT NOT NULL,
  participant_id  BIGINT NOT NULL,
  campaign_id     BIGINT NOT NULL,
  kind            VARCHAR NOT NULL,
  amount          BIGINT NOT NULL,
  type            VARCHAR NOT NULL,
  description     VARCHAR,
  idempotency_key VARCHAR,
  balance_after   BIGINT NOT NULL,
  created_at      TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_ledger_entry PRIMARY KEY (tenant_id, entry_id),
  -- NULL keys are distinct: entries without a key never collide.
  CONSTRAINT uq_ledger_idempotency_key UNIQUE (tenant_id, idempotency_key)
);

CREATE INDEX IF NOT EXISTS ix_ledger_participant ON ledger_entry (tenant_id, participant_id, entry_id);
