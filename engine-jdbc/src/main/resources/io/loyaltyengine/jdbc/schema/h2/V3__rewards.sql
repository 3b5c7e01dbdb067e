-- Loyalty engine schema, version 3 (H2): campaign rewards and reward programs, loyalty actions and their counters,
-- earned rewards, coupon pools, the catalog and redemptions.
--
-- As before, every table carries tenant_id and every primary, unique and foreign key leads with it. Foreign keys go
-- only to rows that are never deleted (campaigns, campaign rewards, catalog rewards): a participant's actions and
-- earned rewards are deleted with it, while its redemptions and the codes it was given stay, as its ledger does not.
-- Every statement is idempotent (IF NOT EXISTS): H2 commits DDL statement by statement, and a run that died
-- half-way is completed by the next.

-- A reward a campaign offers and the goal that unlocks it. reward_limit NULL: unlimited.
CREATE TABLE IF NOT EXISTS campaign_reward (
  tenant_id            BIGINT NOT NULL,
  campaign_reward_id   BIGINT NOT NULL,
  campaign_id          BIGINT NOT NULL,
  name                 VARCHAR NOT NULL,
  type                 VARCHAR NOT NULL,
  audience             VARCHAR NOT NULL,
  conversions_required INTEGER NOT NULL,
  reward_limit         INTEGER,
  points               BIGINT NOT NULL,
  message              VARCHAR,
  cash_amount_minor    BIGINT NOT NULL,
  currency             VARCHAR,
  handler              VARCHAR,
  created_at           TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_campaign_reward PRIMARY KEY (tenant_id, campaign_reward_id),
  CONSTRAINT fk_campaign_reward_campaign FOREIGN KEY (tenant_id, campaign_id)
    REFERENCES campaign (tenant_id, campaign_id)
);

-- A campaign's rewards in id order.
CREATE INDEX IF NOT EXISTS ix_campaign_reward_campaign ON campaign_reward (tenant_id, campaign_id, campaign_reward_id);

-- A campaign's reward settings; a campaign without a row is AUTO with threshold 0.
CREATE TABLE IF NOT EXISTS reward_program (
  tenant_id                  BIGINT NOT NULL,
  campaign_id                BIGINT NOT NULL,
  automation                 VARCHAR NOT NULL,
  coupon_low_stock_threshold INTEGER NOT NULL,
  CONSTRAINT pk_reward_program PRIMARY KEY (tenant_id, campaign_id),
  CONSTRAINT fk_reward_program_campaign FOREIGN KEY (tenant_id, campaign_id)
    REFERENCES campaign (tenant_id, campaign_id)
);

-- A recorded loyalty action with the counts it produced (an idempotent retry answers with them). metadata is JSON
-- text, as participant metadata.
CREATE TABLE IF NOT EXISTS loyalty_action (
  tenant_id              BIGINT NOT NULL,
  action_id              BIGINT NOT NULL,
  campaign_id            BIGINT NOT NULL,
  participant_id         BIGINT NOT NULL,
  campaign_reward_id     BIGINT NOT NULL,
  source                 VARCHAR NOT NULL,
  metadata               VARCHAR NOT NULL,
  invited_participant_id BIGINT,
  idempotency_key        VARCHAR,
  participant_created    BOOLEAN NOT NULL,
  all_time               BIGINT NOT NULL,
  current_month          BIGINT NOT NULL,
  previous_month         BIGINT NOT NULL,
  reward_all_time        BIGINT NOT NULL,
  reward_current_month   BIGINT NOT NULL,
  recorded_at            TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_loyalty_action PRIMARY KEY (tenant_id, action_id),
  -- NULL keys are distinct: actions without a key never collide.
  CONSTRAINT uq_loyalty_action_idempotency_key UNIQUE (tenant_id, idempotency_key)
);

-- Deleting a participant's actions.
CREATE INDEX IF NOT EXISTS ix_loyalty_action_participant ON loyalty_action (tenant_id, participant_id, action_id);

-- Action counters: (participant, campaign reward, month) -> count. campaign_reward_id 0 counts toward every reward,
-- year_month 0 counts all time, otherwise year_month is year * 100 + month (MONTH is a reserved word in H2).
-- Incremented by one conditional update each, under the row lock.
CREATE TABLE IF NOT EXISTS action_count (
  tenant_id          BIGINT NOT NULL,
  participant_id     BIGINT NOT NULL,
  campaign_reward_id BIGINT NOT NULL,
  year_month         INTEGER NOT NULL,
  campaign_id        BIGINT NOT NULL,
  count              BIGINT NOT NULL,
  CONSTRAINT pk_action_count PRIMARY KEY (tenant_id, participant_id, campaign_reward_id, year_month),
  CONSTRAINT ck_action_count_count CHECK (count >= 0)
);

-- A campaign's counters of one reward and month, by count: the campaign's action total (reward 0, month 0) and,
-- later, the leaderboards.
CREATE INDEX IF NOT EXISTS ix_action_count_campaign
  ON action_count (tenant_id, campaign_id, campaign_reward_id, year_month, count);

-- A reward a participant earned: one cycle (unlock) of a campaign reward, at most once each.
CREATE TABLE IF NOT EXISTS earned_reward (
  tenant_id          BIGINT NOT NULL,
  earned_reward_id   BIGINT NOT NULL,
  campaign_id        BIGINT NOT NULL,
  participant_id     BIGINT NOT NULL,
  campaign_reward_id BIGINT NOT NULL,
  cycle              INTEGER NOT NULL,
  type               VARCHAR NOT NULL,
  status             VARCHAR NOT NULL,
  unread             BOOLEAN NOT NULL,
  points             BIGINT NOT NULL,
  coupon_code        VARCHAR,
  message            VARCHAR,
  cash_amount_minor  BIGINT NOT NULL,
  currency           VARCHAR,
  waiting_reason     VARCHAR,
  action_id          BIGINT NOT NULL,
  earned_at          TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  approved_at        TIMESTAMP(6) WITH TIME ZONE,
  fulfilled_at       TIMESTAMP(6) WITH TIME ZONE,
  CONSTRAINT pk_earned_reward PRIMARY KEY (tenant_id, earned_reward_id),
  CONSTRAINT uq_earned_reward_cycle UNIQUE (tenant_id, participant_id, campaign_reward_id, cycle),
  CONSTRAINT fk_earned_reward_campaign_reward FOREIGN KEY (tenant_id, campaign_reward_id)
    REFERENCES campaign_reward (tenant_id, campaign_reward_id),
  CONSTRAINT ck_earned_reward_status CHECK (status IN ('PENDING', 'APPROVED', 'FULFILLED', 'REMOVED'))
);

-- A participant's rewards newest first; also counts by status, whether a winner, and deleting.
CREATE INDEX IF NOT EXISTS ix_earned_reward_participant ON earned_reward (tenant_id, participant_id, earned_reward_id);
-- The rewards an action unlocked.
CREATE INDEX IF NOT EXISTS ix_earned_reward_action ON earned_reward (tenant_id, action_id, earned_reward_id);
-- A campaign's winners (participants with a reward not removed).
CREATE INDEX IF NOT EXISTS ix_earned_reward_winners ON earned_reward (tenant_id, campaign_id, participant_id, status);
-- Approved coupon rewards waiting for a code, oldest first (H2 has no partial indexes: the APPROVED/COUPON range of
-- this one).
CREATE INDEX IF NOT EXISTS ix_earned_reward_waiting
  ON earned_reward (tenant_id, campaign_id, status, type, earned_reward_id);

-- A campaign's coupon pool. A code is FREE until it is assigned to one earned reward; a reward gets at most one
-- code (NULL earned_reward_id of free codes never collide). Codes are bearer secrets, stored as uploaded.
CREATE TABLE IF NOT EXISTS coupon_code (
  tenant_id        BIGINT NOT NULL,
  campaign_id      BIGINT NOT NULL,
  coupon_id        BIGINT NOT NULL,
  code             VARCHAR NOT NULL,
  status           VARCHAR NOT NULL,
  earned_reward_id BIGINT,
  participant_id   BIGINT,
  created_at       TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  assigned_at      TIMESTAMP(6) WITH TIME ZONE,
  CONSTRAINT pk_coupon_code PRIMARY KEY (tenant_id, campaign_id, coupon_id),
  CONSTRAINT uq_coupon_code_code UNIQUE (tenant_id, campaign_id, code),
  CONSTRAINT uq_coupon_code_earned_reward UNIQUE (tenant_id, earned_reward_id),
  CONSTRAINT fk_coupon_code_campaign FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaign (tenant_id, campaign_id),
  CONSTRAINT ck_coupon_code_status CHECK (status IN ('FREE', 'ASSIGNED'))
);

-- The free (or assigned) codes of a pool in id order: the next code to assign, what is left, what was given.
CREATE INDEX IF NOT EXISTS ix_coupon_code_status ON coupon_code (tenant_id, campaign_id, status, coupon_id);

-- A campaign's catalog: rewards redeemed with points. stock NULL: unlimited; never below zero.
CREATE TABLE IF NOT EXISTS catalog_reward (
  tenant_id         BIGINT NOT NULL,
  catalog_reward_id BIGINT NOT NULL,
  campaign_id       BIGINT NOT NULL,
  name              VARCHAR NOT NULL,
  description       VARCHAR,
  points_cost       BIGINT NOT NULL,
  type              VARCHAR NOT NULL,
  stock             BIGINT,
  active            BOOLEAN NOT NULL,
  created_at        TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_catalog_reward PRIMARY KEY (tenant_id, catalog_reward_id),
  CONSTRAINT fk_catalog_reward_campaign FOREIGN KEY (tenant_id, campaign_id)
    REFERENCES campaign (tenant_id, campaign_id),
  CONSTRAINT ck_catalog_reward_stock CHECK (stock >= 0)
);

-- A campaign's catalog in id order.
CREATE INDEX IF NOT EXISTS ix_catalog_reward_campaign ON catalog_reward (tenant_id, campaign_id, catalog_reward_id);

-- A catalog reward redeemed by a participant, with the deduction's ledger entry and the balance after it.
CREATE TABLE IF NOT EXISTS redemption (
  tenant_id         BIGINT NOT NULL,
  redemption_id     BIGINT NOT NULL,
  catalog_reward_id BIGINT NOT NULL,
  participant_id    BIGINT NOT NULL,
  points_spent      BIGINT NOT NULL,
  ledger_entry_id   BIGINT NOT NULL,
  balance           BIGINT NOT NULL,
  idempotency_key   VARCHAR,
  redeemed_at       TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_redemption PRIMARY KEY (tenant_id, redemption_id),
  -- NULL keys are distinct: redemptions without a key never collide.
  CONSTRAINT uq_redemption_idempotency_key UNIQUE (tenant_id, idempotency_key),
  CONSTRAINT fk_redemption_catalog_reward FOREIGN KEY (tenant_id, catalog_reward_id)
    REFERENCES catalog_reward (tenant_id, catalog_reward_id)
);
