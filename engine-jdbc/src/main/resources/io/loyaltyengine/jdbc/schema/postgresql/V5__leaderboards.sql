-- Loyalty engine schema, version 5 (PostgreSQL): leaderboards. When each action counter last changed, points
-- counters per participant and month, participants by creation time, removals from the boards, and each closed
-- month's winners.
--
-- As before, every table carries tenant_id and every primary, unique and foreign key leads with it, so the tables can
-- be distributed by tenant and colocated (Citus). A board is read from the counters themselves (participants LEFT
-- JOIN counters, ordered by score), never from a copy that a job would have to reset: a counter belongs to its month
-- (year_month), so a new month starts at zero by itself. The migrator runs this script in one transaction.

-- When a counter last changed, so that an index can catch up with other instances' writes. Existing rows get the
-- epoch, not the time of the migration: when they really changed is unknown, every index is built by a full read
-- after the migration (indexes live in process memory), so a row that old is never missed; the migration time would
-- only make every existing row look freshly changed. A constant default adds the column without rewriting the
-- table; it is dropped afterwards (existing rows keep the epoch): every writer states the time.
ALTER TABLE action_count ADD COLUMN updated_at timestamptz NOT NULL DEFAULT '1970-01-01 00:00:00+00';
ALTER TABLE action_count ALTER COLUMN updated_at DROP DEFAULT;

-- A campaign's counters changed since some time (catching up).
CREATE INDEX ix_action_count_changed ON action_count (tenant_id, campaign_id, updated_at);

-- Points counters: (participant, month) -> points awarded. year_month 0 counts all time, otherwise year * 100 +
-- month in the campaign's time zone, as action_count. Deductions never lower them. Added to by one
-- INSERT ... ON CONFLICT DO UPDATE, under the row lock.
CREATE TABLE points_count (
  tenant_id      bigint NOT NULL,
  participant_id bigint NOT NULL,
  year_month     integer NOT NULL,
  campaign_id    bigint NOT NULL,
  points         bigint NOT NULL,
  updated_at     timestamptz NOT NULL,
  CONSTRAINT pk_points_count PRIMARY KEY (tenant_id, participant_id, year_month),
  CONSTRAINT ck_points_count_points CHECK (points >= 0)
);

-- The all-time points board of existing participants: their lifetime points (all points ever credited). Months are
-- not backfilled: the points of the current month count from this version on. Changed "at the epoch", as above.
-- Filled before its indexes are built, which is faster.
INSERT INTO points_count (tenant_id, participant_id, year_month, campaign_id, points, updated_at)
  SELECT tenant_id, participant_id, 0, campaign_id, lifetime_points, '1970-01-01 00:00:00+00'
  FROM participant
  WHERE lifetime_points > 0;

-- A campaign's board of one month by points; and its counters changed since some time.
CREATE INDEX ix_points_count_board ON points_count (tenant_id, campaign_id, year_month, points);
CREATE INDEX ix_points_count_changed ON points_count (tenant_id, campaign_id, updated_at);

-- A campaign's participants by creation time: board members created before a cutoff (PREV_MONTH), and new members
-- since some time (catching up).
CREATE INDEX ix_participant_created ON participant (tenant_id, campaign_id, created_at, participant_id);

-- Participants that left their campaign's boards (deleted), so that other instances' indexes drop them. Only ids and
-- a time: no personal data stays behind.
CREATE TABLE board_removal (
  tenant_id      bigint NOT NULL,
  campaign_id    bigint NOT NULL,
  participant_id bigint NOT NULL,
  removed_at     timestamptz NOT NULL,
  CONSTRAINT pk_board_removal PRIMARY KEY (tenant_id, campaign_id, participant_id)
);

-- A campaign's removals since some time.
CREATE INDEX ix_board_removal_removed ON board_removal (tenant_id, campaign_id, removed_at);

-- A closed month's winners, recorded once (inserted if absent on the key) by whichever instance reads them first.
-- metric: ACTIONS or POINTS; year_month: year * 100 + month in the campaign's time zone.
CREATE TABLE month_winners (
  tenant_id   bigint NOT NULL,
  campaign_id bigint NOT NULL,
  metric      text NOT NULL,
  year_month  integer NOT NULL,
  recorded_at timestamptz NOT NULL,
  CONSTRAINT pk_month_winners PRIMARY KEY (tenant_id, campaign_id, metric, year_month),
  CONSTRAINT ck_month_winners_metric CHECK (metric IN ('ACTIONS', 'POINTS'))
);

-- The rows of recorded winners, position 1 first. Kept when a winner is deleted: a record of the past, ids only.
CREATE TABLE month_winner (
  tenant_id      bigint NOT NULL,
  campaign_id    bigint NOT NULL,
  metric         text NOT NULL,
  year_month     integer NOT NULL,
  position       integer NOT NULL,
  participant_id bigint NOT NULL,
  score          bigint NOT NULL,
  rank           bigint NOT NULL,
  CONSTRAINT pk_month_winner PRIMARY KEY (tenant_id, campaign_id, metric, year_month, position),
  CONSTRAINT fk_month_winner_winners FOREIGN KEY (tenant_id, campaign_id, metric, year_month)
    REFERENCES month_winners (tenant_id, campaign_id, metric, year_month)
);
