-- Loyalty engine schema, version 4 (H2): referrals. A participant's fraud-screening risk, referral settings, signing
-- keys, short codes, signups, who referred whom, unique visitors, stats counters and conversions.
--
-- As before, every table carries tenant_id and every primary, unique and foreign key leads with it. No table refers
-- to participant: a participant's signup, referrals, visitors and stats are deleted with it, while its conversions
-- stay, as its redemptions do, and its short code stays reserved. Every statement is idempotent (IF NOT EXISTS): H2
-- commits DDL statement by statement, and a run that died half-way is completed by the next.

-- The screening of the referral that brought a participant in: NULL until screened. A profile update never writes
-- them.
ALTER TABLE participant ADD COLUMN IF NOT EXISTS risk_level VARCHAR;
ALTER TABLE participant ADD COLUMN IF NOT EXISTS risk_reason VARCHAR;

-- A campaign's referral settings; a campaign without a row has the defaults. Conversion points: mode NONE (0, NULL),
-- FIXED (points, NULL) or PER_UNIT (0, points per currency unit, at most 10,000 with 4 decimals). The velocity
-- window is in seconds. referrer_reward_id is checked by the engine (a PARTICIPANT reward of the campaign).
CREATE TABLE IF NOT EXISTS referral_program (
  tenant_id               BIGINT NOT NULL,
  campaign_id             BIGINT NOT NULL,
  goal                    VARCHAR NOT NULL,
  require_signed_codes    BOOLEAN NOT NULL,
  referrer_reward_id      BIGINT,
  conversion_mode         VARCHAR NOT NULL,
  conversion_fixed_points BIGINT NOT NULL,
  conversion_per_unit     NUMERIC(9, 4),
  on_medium_risk          VARCHAR NOT NULL,
  on_high_risk            VARCHAR NOT NULL,
  velocity_limit          INTEGER NOT NULL,
  velocity_window_seconds BIGINT NOT NULL,
  CONSTRAINT pk_referral_program PRIMARY KEY (tenant_id, campaign_id),
  CONSTRAINT fk_referral_program_campaign FOREIGN KEY (tenant_id, campaign_id)
    REFERENCES campaign (tenant_id, campaign_id)
);

-- A tenant's keys for signed referral codes, numbered from 1; the highest signs, every key verifies. The secrets sign
-- codes, so they are stored as they are (a hash could not sign).
CREATE TABLE IF NOT EXISTS referral_signing_key (
  tenant_id  BIGINT NOT NULL,
  key_id     INTEGER NOT NULL,
  secret     VARBINARY NOT NULL,
  created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_referral_signing_key PRIMARY KEY (tenant_id, key_id)
);

-- A participant's short code, made on first request and kept: one per participant, unique in the campaign. Codes are
-- stored upper case and looked up exactly. Kept when the participant is deleted, so that a link shared before can
-- never credit another participant.
CREATE TABLE IF NOT EXISTS referral_short_code (
  tenant_id      BIGINT NOT NULL,
  participant_id BIGINT NOT NULL,
  campaign_id    BIGINT NOT NULL,
  code           VARCHAR NOT NULL,
  CONSTRAINT pk_referral_short_code PRIMARY KEY (tenant_id, participant_id),
  CONSTRAINT uq_referral_short_code_code UNIQUE (tenant_id, campaign_id, code)
);

-- The facts of a participant's first signup, which screening compares later signups with. Personal data: deleted
-- with the participant.
CREATE TABLE IF NOT EXISTS referral_signup (
  tenant_id      BIGINT NOT NULL,
  participant_id BIGINT NOT NULL,
  campaign_id    BIGINT NOT NULL,
  ip_address     VARCHAR,
  visitor_id     VARCHAR,
  customer_id    VARCHAR,
  created_at     TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_referral_signup PRIMARY KEY (tenant_id, participant_id)
);

-- The velocity rule: a campaign's signups from one IP address, or one visitor id, since some time.
CREATE INDEX IF NOT EXISTS ix_referral_signup_ip ON referral_signup (tenant_id, campaign_id, ip_address, created_at);
CREATE INDEX IF NOT EXISTS ix_referral_signup_visitor
  ON referral_signup (tenant_id, campaign_id, visitor_id, created_at);

-- Who referred whom: at most one referral per invited participant, never overwritten.
CREATE TABLE IF NOT EXISTS referral (
  tenant_id   BIGINT NOT NULL,
  invited_id  BIGINT NOT NULL,
  campaign_id BIGINT NOT NULL,
  referrer_id BIGINT NOT NULL,
  code_kind   VARCHAR NOT NULL,
  risk_level  VARCHAR NOT NULL,
  risk_reason VARCHAR NOT NULL,
  status      VARCHAR NOT NULL,
  created_at  TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_referral PRIMARY KEY (tenant_id, invited_id),
  CONSTRAINT ck_referral_status CHECK (status IN ('COUNTED', 'IN_REVIEW', 'REJECTED', 'RECORDED'))
);

-- A referrer's referrals in invited id order; also deleting a referrer's referrals.
CREATE INDEX IF NOT EXISTS ix_referral_referrer ON referral (tenant_id, referrer_id, invited_id);

-- The visitors of a referrer's code, each counted once.
CREATE TABLE IF NOT EXISTS referral_visitor (
  tenant_id      BIGINT NOT NULL,
  participant_id BIGINT NOT NULL,
  visitor_id     VARCHAR NOT NULL,
  campaign_id    BIGINT NOT NULL,
  created_at     TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_referral_visitor PRIMARY KEY (tenant_id, participant_id, visitor_id)
);

-- A participant's referral counters, created at zero if absent and then added to by one UPDATE under the row lock.
-- revenue: the order value of conversions not reversed.
CREATE TABLE IF NOT EXISTS referral_stats (
  tenant_id       BIGINT NOT NULL,
  participant_id  BIGINT NOT NULL,
  campaign_id     BIGINT NOT NULL,
  impressions     BIGINT NOT NULL,
  shares          BIGINT NOT NULL,
  clicks          BIGINT NOT NULL,
  unique_visitors BIGINT NOT NULL,
  signups         BIGINT NOT NULL,
  conversions     BIGINT NOT NULL,
  reversals       BIGINT NOT NULL,
  revenue         NUMERIC(24, 4) NOT NULL,
  CONSTRAINT pk_referral_stats PRIMARY KEY (tenant_id, participant_id)
);

-- A campaign's totals.
CREATE INDEX IF NOT EXISTS ix_referral_stats_campaign ON referral_stats (tenant_id, campaign_id);

-- A tracked conversion: one per order id and campaign. Kept when its referrer is deleted, for audit.
CREATE TABLE IF NOT EXISTS referral_conversion (
  tenant_id       BIGINT NOT NULL,
  conversion_id   BIGINT NOT NULL,
  campaign_id     BIGINT NOT NULL,
  referrer_id     BIGINT NOT NULL,
  order_id        VARCHAR NOT NULL,
  order_value     NUMERIC(17, 4) NOT NULL,
  points          BIGINT NOT NULL,
  status          VARCHAR NOT NULL,
  points_reversed BIGINT NOT NULL,
  created_at      TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  reversed_at     TIMESTAMP(6) WITH TIME ZONE,
  CONSTRAINT pk_referral_conversion PRIMARY KEY (tenant_id, conversion_id),
  CONSTRAINT uq_referral_conversion_order UNIQUE (tenant_id, campaign_id, order_id),
  CONSTRAINT ck_referral_conversion_status CHECK (status IN ('CONVERTED', 'REVERSED'))
);
