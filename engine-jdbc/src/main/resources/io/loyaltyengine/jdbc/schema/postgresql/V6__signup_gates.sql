-- Loyalty engine schema, version 6 (PostgreSQL): signup gates. The migrator runs this script in one transaction.
--
-- The velocity rule counts a campaign's earlier signups from a signup's IP address and visitor id. Two signups from
-- one address at once would each count before the other recorded itself, and both pass; so a referred signup first
-- locks the rows of its address's and its visitor id's gates, and holds them until it commits. A gate is a bucket
-- (0..4095) of a hash of the address or the visitor id: it names no address, the table holds at most 4,096 rows per
-- campaign, and two addresses sharing a bucket only wait for each other now and then. Keyed by tenant first, as
-- every table. No foreign key to the campaign: its check would hold the campaign row in key-share mode until commit,
-- which the campaign's own lock (coupon uploads, signups of existing participants) would wait for, and a signup
-- holding a gate would wait for that lock: a cycle.
CREATE TABLE referral_signup_gate (
  tenant_id   bigint NOT NULL,
  campaign_id bigint NOT NULL,
  gate        integer NOT NULL,
  CONSTRAINT pk_referral_signup_gate PRIMARY KEY (tenant_id, campaign_id, gate),
  CONSTRAINT ck_referral_signup_gate CHECK (gate >= 0 AND gate < 4096)
);
