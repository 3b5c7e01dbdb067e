-- Loyalty engine schema, version 3 (PostgreSQL): campaign rewards and reward programs, loyalty actions and their
-- counters, earned rewards, coupon pools, the catalog and redemptions.
--
-- As before, every table carries tenant_id and every primary, unique and foreign key leads with it, so the tables can
-- be distributed by tenant and colocated (Citus). Foreign keys go only to rows that are never deleted (campaigns,
-- campaign rewards, catalog rewards): a participant's actions and earned rewards are deleted with it, while its
-- redemptions and the codes it was given stay, as its ledger does not. The migrator runs this script in one
-- transaction.

-- A reward a campaign offers and the goal that unlocks it. reward_limit NULL: unlimited.
CREATE TABLE campaign_reward (
  tenant_id            bigint NOT NULL,
  campaign_reward_id   bigint NOT NULL,
  campaign_id          bigint NOT NULL,
  name                 text NOT NULL,
  type                 text NOT NULL,
  audience             text NOT NULL,
  conversions_required integer NOT NULL,
  reward_limit         integer,
  points               bigint NOT NULL,
  message              text,
  cash_amount_minor    bigint NOT NULL,
  currency             text,
  handler              text,
  created_at           timestamptz NOT NULL,
  CONSTRAINT pk_campaign_reward PRIMARY KEY (tenant_id, campaign_reward_id),
  CONSTRAINT fk_campaign_reward_campaign FOREIGN KEY (tenant_id, campaign_id)
    REFERENCES campaign (tenant_id, campaign_id)
);

-- A campaign's rewards in id order.
CREATE INDEX ix_campaign_reward_campaign ON campaign_reward (tenant_id, campaign_id, campaign_reward_id);

-- A campaign's reward settings; a campaign without a row is AUTO with threshold 0.
CREATE TABLE reward_program (
  tenant_id                  bigint NOT NULL,
  campaign_id                bigint NOT NULL,
  automation                 text NOT NULL,
  coupon_low_stock_threshold integer NOT NULL,
  CONSTRAINT pk_reward_program PRIMARY KEY (tenant_id, campaign_id),
  CONSTRAINT fk_reward_program_campaign FOREIGN KEY (tenant_id, campaign_id)
    REFERENCES campaign (tenant_id, campaign_id)
);

-- A recorded loyalty action with the counts it produced (an idempotent retry answers with them). metadata is json,
-- as participant metadata: the text is kept verbatim, so numbers read back exactly.
CREATE TABLE loyalty_action (
  tenant_id              bigint NOT NULL,
  action_id              bigint NOT NULL,
  campaign_id            bigint NOT NULL,
  participant_id         bigint NOT NULL,
  campaign_reward_id     bigint NOT NULL,
  source                 text NOT NULL,
  metadata               json NOT NULL,
  invited_participant_id bigint,
  idempotency_key        text,
  participant_created    boolean NOT NULL,
  all_time               bigint NOT NULL,
  current_month          bigint NOT NULL,
  previous_month         bigint NOT NULL,
  reward_all_time        bigint NOT NULL,
  reward_current_month   bigint NOT NULL,
  recorded_at            timestamptz NOT NULL,
  CONSTRAINT pk_loyalty_action PRIMARY KEY (tenant_id, action_id),
  -- NULL keys are distinct: actions without a key never collide.
  CONSTRAINT uq_loyalty_action_idempotency_key UNIQUE (tenant_id, idempotency_key)
);

-- Deleting a participant's actions.
CREATE INDEX ix_loyalty_action_participant ON loyalty_action (tenant_id, participant_id, action_id);

-- Action counters: (participant, campaign reward, month) -> count. campaign_reward_id 0 counts toward every reward,
-- year_month 0 counts all time, otherwise year_month is year * 100 + month (named as in the H2 schema, where MONTH
-- is a reserved word). Created with count 0 if absent (ON CONFLICT DO NOTHING), then incremented by one
-- UPDATE ... RETURNING under the row lock.
CREATE TABLE action_count (
  tenant_id          bigint NOT NULL,
  participant_id     bigint NOT NULL,
  campaign_reward_id bigint NOT NULL,
  year_month         integer NOT NULL,
  campaign_id        bigint NOT NULL,
  count              bigint NOT NULL,
  CONSTRAINT pk_action_count PRIMARY KEY (tenant_id, participant_id, campaign_reward_id, year_month),
  CONSTRAINT ck_action_count_count CHECK (count >= 0)
);

-- A campaign's counters of one reward and month, by count: the campaign's action total (reward 0, month 0) and,
-- later, the leaderboards.
CREATE INDEX ix_action_count_campaign ON action_count (tenant_id, campaign_id, campaign_reward_id, year_month, count);

-- A reward a participant earned: one cycle (unlock) of a campaign reward, at most once each.
CREATE TABLE earned_reward (
  tenant_id          bigint NOT NULL,
  earned_reward_id   bigint NOT NULL,
  campaign_id        bigint NOT NULL,
  participant_id     bigint NOT NULL,
  campaign_reward_id bigint NOT NULL,
  cycle              integer NOT NULL,
  type               text NOT NULL,
  status             text NOT NULL,
  unread             boolean NOT NULL,
  points             bigint NOT NULL,
  coupon_code        text,
  message            text,
  cash_amount_minor  bigint NOT NULL,
  currency           text,
  waiting_reason     text,
  action_id          bigint NOT NULL,
  earned_at          timestamptz NOT NULL,
  approved_at        timestamptz,
  fulfilled_at       timestamptz,
  CONSTRAINT pk_earned_reward PRIMARY KEY (tenant_id, earned_reward_id),
  CONSTRAINT uq_earned_reward_cycle UNIQUE (tenant_id, participant_id, campaign_reward_id, cycle),
  CONSTRAINT fk_earned_reward_campaign_reward FOREIGN KEY (tenant_id, campaign_reward_id)
    REFERENCES campaign_reward (tenant_id, campaign_reward_id),
  CONSTRAINT ck_earned_reward_status CHECK (status IN ('PENDING', 'APPROVED', 'FULFILLED', 'REMOVED'))
);

-- A participant's rewards newest first; also counts by status, whether a winner, and deleting.
CREATE INDEX ix_earned_reward_participant ON earned_reward (tenant_id, participant_id, earned_reward_id);
-- The rewards an action unlocked.
CREATE INDEX ix_earned_reward_action ON earned_reward (tenant_id, action_id, earned_reward_id);
-- A campaign's winners (participants with a reward not removed).
CREATE INDEX ix_earned_reward_winners ON earned_reward (tenant_id, campaign_id, participant_id)
  WHERE status <> 'REMOVED';
-- Approved coupon rewards waiting for a code, oldest first: few at any time, so only they are indexed.
CREATE INDEX ix_earned_reward_waiting ON earned_reward (tenant_id, campaign_id, earned_reward_id)
  WHERE status = 'APPROVED' AND type = 'COUPON' AND coupon_code IS NULL;

-- A campaign's coupon pool. A code is FREE until it is assigned to one earned reward; a reward gets at most one
-- code (NULL earned_reward_id of free codes never collide). Codes are bearer secrets, stored as uploaded.
CREATE TABLE coupon_code (
  tenant_id        bigint NOT NULL,
  campaign_id      bigint NOT NULL,
  coupon_id        bigint NOT NULL,
  code             text NOT NULL,
  status           text NOT NULL,
  earned_reward_id bigint,
  participant_id   bigint,
  created_at       timestamptz NOT NULL,
  assigned_at      timestamptz,
  CONSTRAINT pk_coupon_code PRIMARY KEY (tenant_id, campaign_id, coupon_id),
  CONSTRAINT uq_coupon_code_code UNIQUE (tenant_id, campaign_id, code),
  CONSTRAINT uq_coupon_code_earned_reward UNIQUE (tenant_id, earned_reward_id),
  CONSTRAINT fk_coupon_code_campaign FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaign (tenant_id, campaign_id),
  CONSTRAINT ck_coupon_code_status CHECK (status IN ('FREE', 'ASSIGNED'))
);

-- The free (or assigned) codes of a pool in id order: the next code to assign (FOR UPDATE SKIP LOCKED), what is
-- left, what was given.
CREATE INDEX ix_coupon_code_status ON coupon_code (tenant_id, campaign_id, status, coupon_id);

-- A campaign's catalog: rewards redeemed with points. stock NULL: unlimited; never below zero.
CREATE TABLE catalog_reward (
  tenant_id         bigint NOT NULL,
  catalog_reward_id bigint NOT NULL,
  campaign_id       bigint NOT NULL,
  name              text NOT NULL,
  description       text,
  points_cost       bigint NOT NULL,
  type              text NOT NULL,
  stock             bigint,
  active            boolean NOT NULL,
  created_at        timestamptz NOT NULL,
  CONSTRAINT pk_catalog_reward PRIMARY KEY (tenant_id, catalog_reward_id),
  CONSTRAINT fk_catalog_reward_campaign FOREIGN KEY (tenant_id, campaign_id)
    REFERENCES campaign (tenant_id, campaign_id),
  CONSTRAINT ck_catalog_reward_stock CHECK (stock >= 0)
);

-- A campaign's catalog in id order.
CREATE INDEX ix_catalog_reward_campaign ON catalog_reward (tenant_id, campaign_id, catalog_reward_id);

-- A catalog reward redeemed by a participant, with the deduction's ledger entry and the balance after it.
CREATE TABLE redemption (
  tenant_id         bigint NOT NULL,
  redemption_id     bigint NOT NULL,
  catalog_reward_id bigint NOT NULL,
  participant_id    bigint NOT NULL,
  points_spent      bigint NOT NULL,
  ledger_entry_id   bigint NOT NULL,
  balance           bigint NOT NULL,
  idempotency_key   text,
  redeemed_at       timestamptz NOT NULL,
  CONSTRAINT pk_redemption PRIMARY KEY (tenant_id, redemption_id),
  -- NULL keys are distinct: redemptions without a key never collide.
  CONSTRAINT uq_redemption_idempotency_key UNIQUE (tenant_id, idempotency_key),
  CONSTRAINT fk_redemption_catalog_reward FOREIGN KEY (tenant_id, catalog_reward_id)
    REFERENCES catalog_reward (tenant_id, catalog_reward_id)
);
