-- Loyalty engine schema, version 11 (PostgreSQL): single sign-on secrets and customer mappings. The migrator runs
-- this script in one transaction.
--
-- A tenant's single sign-on secrets, one row per tenant that made one. The secrets verify HMACs, so they are stored
-- as they are (a hash could not), like webhook secrets. previous_secret verifies until previous_secret_until.
CREATE TABLE sso_secret (
  tenant_id             bigint NOT NULL,
  secret                text NOT NULL,
  previous_secret       text,
  previous_secret_until timestamptz,
  created_at            timestamptz NOT NULL,
  CONSTRAINT pk_sso_secret PRIMARY KEY (tenant_id)
);

-- Which participant a host's customer is: in a campaign a customer id (compared exactly) maps to one participant,
-- and a participant to one customer id. Both are constraints, so that concurrent first logins of a customer make
-- one mapping. Like the referral tables, it does not refer to participant: deleting a participant deletes its
-- mapping in the same transaction, under the participant's row lock.
CREATE TABLE customer_mapping (
  tenant_id      bigint NOT NULL,
  campaign_id    bigint NOT NULL,
  customer_id    text NOT NULL,
  participant_id bigint NOT NULL,
  created_at     timestamptz NOT NULL,
  CONSTRAINT pk_customer_mapping PRIMARY KEY (tenant_id, campaign_id, customer_id),
  CONSTRAINT uq_customer_mapping_participant UNIQUE (tenant_id, participant_id)
);
