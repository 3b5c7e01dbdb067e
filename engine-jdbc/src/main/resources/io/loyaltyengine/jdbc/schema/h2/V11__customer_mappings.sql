-- Loyalty engine schema, version 11 (H2): single sign-on secrets and customer mappings. Idempotent (IF NOT EXISTS):
-- H2 commits DDL statement by statement, and a run that died half-way is completed by the next.
--
-- A tenant's single sign-on secrets, one row per tenant that made one. The secrets verify HMACs, so they are stored
-- as they are (a hash could not), like webhook secrets. previous_secret verifies until previous_secret_until.
CREATE TABLE IF NOT EXISTS sso_secret (
  tenant_id             BIGINT NOT NULL,
  secret                VARCHAR NOT NULL,
  previous_secret       VARCHAR,
  previous_secret_until TIMESTAMP(6) WITH TIME ZONE,
  created_at            TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_sso_secret PRIMARY KEY (tenant_id)
);

-- Which participant a host's customer is: in a campaign a customer id (compared exactly) maps to one participant,
-- and a participant to one customer id. Both are constraints, so that concurrent first logins of a customer make
-- one mapping. Like the referral tables, it does not refer to participant: deleting a participant deletes its
-- mapping in the same transaction, under the participant's row lock.
CREATE TABLE IF NOT EXISTS customer_mapping (
  tenant_id      BIGINT NOT NULL,
  campaign_id    BIGINT NOT NULL,
  customer_id    VARCHAR NOT NULL,
  participant_id BIGINT NOT NULL,
  created_at     TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_customer_mapping PRIMARY KEY (tenant_id, campaign_id, customer_id),
  CONSTRAINT uq_customer_mapping_participant UNIQUE (tenant_id, participant_id)
);
