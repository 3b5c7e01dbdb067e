-- Loyalty engine schema, version 4 (PostgreSQL): referrals. A participant's fraud-screening risk, referral settings,
-- signing keys, short codes, signups, who referred whom, unique visitors, stats counters and conversions.
--
-- As before, every table carries tenant_id and every primary, unique and foreign key leads with it, so the tables can
-- be distributed by tenant and colocated (Citus). No table refers to participant: a participant's signup, referrals,
-- visitors and stats are deleted with it, while its conversions stay, as its redemptions do, and its short code stays
-- reserved. The migrator runs this script in one transaction.

-- The screening of the referral that brought a participant in: NULL until screened. A profile update never writes
-- them. Without a default, PostgreSQL adds the columns without rewriting the table.
ALTER TABLE participant ADD COLUMN risk_level text, ADD COLUMN risk_reason text;

-- A campaign's referral settings; a campaign without a row has the defaults. Conversion points: mode NONE (0, NULL),
-- FIXED (points, NULL) or PER_UNIT (0, points per currency unit, at most 10,000 with 4 decimals). The velocity
-- window is in seconds. referrer_reward_id is checked by the engine (a PARTICIPANT reward of the campaign).
CREATE TABLE referral_program (
  tenant_id               bigint NOT NULL,
  campaign_id             bigint NOT NULL,
  goal                    text NOT NULL,
  require_signed_codes    boolean NOT NULL,
  referrer_reward_id      bigint,
  conversion_mode         text NOT NULL,
  conversion_fixed_points bigint NOT NULL,
  conversion_per_unit     numeric(9, 4),
  on_medium_risk          text NOT NULL,
  on_high_risk            text NOT NULL,
  velocity_limit          integer NOT NULL,
  velocity_window_seconds bigint NOT NULL,
  CONSTRAINT pk_referral_program PRIMARY KEY (tenant_id, campaign_id),
  CONSTRAINT fk_referral_program_campaign FOREIGN KEY (tenant_id, campaign_id)
    REFERENCES campaign (tenant_id, campaign_id)
);

-- A tenant's keys for signed referral codes, numbered from 1; the highest signs, every key verifies. The secrets sign
-- codes, so they are stored as they are (a hash could not sign).
CREATE TABLE referral_signing_key (
  tenant_id  bigint NOT NULL,
  key_id     integer NOT NULL,
  secret     bytea NOT NULL,
  created_at timestamptz NOT NULL,
  CONSTRAINT pk_referral_signing_key PRIMARY KEY (tenant_id, key_id)
);

-- A participant's short code, made on first request and kept: one per participant, unique in the campaign. Codes are
-- stored upper case and looked up exactly. Kept when the participant is deleted, so that a link shared before can
-- never credit another participant.
CREATE TABLE referral_short_code (
  tenant_id      bigint NOT NULL,
  participant_id bigint NOT NULL,
  campaign_id    bigint NOT NULL,
  code           text NOT NULL,
  CONSTRAINT pk_referral_short_code PRIMARY KEY (tenant_id, participant_id),
  CONSTRAINT uq_referral_short_code_code UNIQUE (tenant_id, campaign_id, code)
);

-- The facts of a participant's first signup, which screening compares later signups with. Personal data: deleted
-- with the participant.
CREATE TABLE referral_signup (
  tenant_id      bigint NOT NULL,
  participant_id bigint NOT NULL,
  campaign_id    bigint NOT NULL,
  ip_address     text,
  visitor_id     text,
  customer_id    text,
  created_at     timestamptz NOT NULL,
  CONSTRAINT pk_referral_signup PRIMARY KEY (tenant_id, participant_id)
);

-- The velocity rule: a campaign's signups from one IP address, or one visitor id, since some time.
CREATE INDEX ix_referral_signup_ip ON referral_signup (tenant_id, campaign_id, ip_address, created_at);
CREATE INDEX ix_referral_signup_visitor ON referral_signup (tenant_id, campaign_id, visitor_id, created_at);

-- Who referred whom: at most one referral per invited participant, never overwritten.
CREATE TABLE referral (
  tenant_id   bigint NOT NULL,
  invited_id  bigint NOT NULL,
  campaign_id bigint NOT NULL,
  referrer_id bigint NOT NULL,
  code_kind   text NOT NULL,
  risk_level  text NOT NULL,
  risk_reason text NOT NULL,
  status      text NOT NULL,
  created_at  timestamptz NOT NULL,
  CONSTRAINT pk_referral PRIMARY KEY (tenant_id, invited_id),
  CONSTRAINT ck_referral_status CHECK (status IN ('COUNTED', 'IN_REVIEW', 'REJECTED', 'RECORDED'))
);

-- A referrer's referrals in invited id order; also deleting a referrer's referrals.
CREATE INDEX ix_referral_referrer ON referral (tenant_id, referrer_id, invited_id);

-- The visitors of a referrer's code, each counted once.
CREATE TABLE referral_visitor (
  tenant_id      bigint NOT NULL,
  participant_id bigint NOT NULL,
  visitor_id     text NOT NULL,
  campaign_id    bigint NOT NULL,
  created_at     timestamptz NOT NULL,
  CONSTRAINT pk_referral_visitor PRIMARY KEY (tenant_id, participant_id, visitor_id)
);

-- A participant's referral counters, added to in the database under the row lock by one INSERT ... ON CONFLICT DO
-- UPDATE (the first addition creates the row). revenue: the order value of conversions not reversed.
CREATE TABLE referral_stats (
  tenant_id       bigint NOT NULL,
  participant_id  bigint NOT NULL,
  campaign_id     bigint NOT NULL,
  impressions     bigint NOT NULL,
  shares          bigint NOT NULL,
  clicks          bigint NOT NULL,
  unique_visitors bigint NOT NULL,
  signups         bigint NOT NULL,
  conversions     bigint NOT NULL,
  reversals       bigint NOT NULL,
  revenue         numeric(24, 4) NOT NULL,
  CONSTRAINT pk_referral_stats PRIMARY KEY (tenant_id, participant_id)
);

-- A campaign's totals.
CREATE INDEX ix_referral_stats_campaign ON referral_stats (tenant_id, campaign_id);

-- A tracked conversion: one per order id and campaign. Kept when its referrer is deleted, for audit.
CREATE TABLE referral_conversion (
  tenant_id       bigint NOT NULL,
  conversion_id   bigint NOT NULL,
  campaign_id     bigint NOT NULL,
  referrer_id     bigint NOT NULL,
  order_id        text NOT NULL,
  order_value     numeric(17, 4) NOT NULL,
  points          bigint NOT NULL,
  status          text NOT NULL,
  points_reversed bigint NOT NULL,
  created_at      timestamptz NOT NULL,
  reversed_at     timestamptz,
  CONSTRAINT pk_referral_conversion PRIMARY KEY (tenant_id, conversion_id),
  CONSTRAINT uq_referral_conversion_order UNIQUE (tenant_id, campaign_id, order_id),
  CONSTRAINT ck_referral_conversion_status CHECK (status IN ('CONVERTED', 'REVERSED'))
);
