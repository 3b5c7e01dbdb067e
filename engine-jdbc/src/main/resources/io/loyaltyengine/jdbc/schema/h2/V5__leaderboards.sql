-- Loyalty engine schema, version 5 (H2): leaderboards. When each action counter last changed, points counters per
-- participant and month, participants by creation time, removals from the boards, and each closed month's winners.
--
-- As before, every table carries tenant_id and every primary, unique and foreign key leads with it. A board is read
-- from the counters themselves (participants LEFT JOIN counters, ordered by score), never from a copy that a job
-- would have to reset: a counter belongs to its month (year_month), so a new month starts at zero by itself.
-- Every statement is idempotent (IF NOT EXISTS, NOT EXISTS): H2 commits DDL statement by statement, and a run that
-- died half-way is completed by the next.

-- When a counter last changed, so that an index can catch up with other instances' writes. Existing rows get the
-- epoch, not the time of the migration: when they really changed is unknown, every index is built by a full read
-- after the migration (indexes live in process memory), so a row that old is never missed; the migration time would
-- only make every existing row look freshly changed. The default is dropped afterwards: every writer states the time.
ALTER TABLE action_count ADD COLUMN IF NOT EXISTS updated_at TIMESTAMP(6) WITH TIME ZONE
  DEFAULT TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00' NOT NULL;
ALTER TABLE action_count ALTER COLUMN updated_at DROP DEFAULT;

-- A campaign's counters changed since some time (catching up).
CREATE INDEX IF NOT EXISTS ix_action_count_changed ON action_count (tenant_id, campaign_id, updated_at);

-- Points counters: (participant, month) -> points awarded. year_month 0 counts all time, otherwise year * 100 +
-- month in the campaign's time zone, as action_count. Deductions never lower them. Created at 0 if absent, then
-- added to by one UPDATE under the row lock.
CREATE TABLE IF NOT EXISTS points_count (
  tenant_id      BIGINT NOT NULL,
  participant_id BIGINT NOT NULL,
  year_month     INTEGER NOT NULL,
  campaign_id    BIGINT NOT NULL,
  points         BIGINT NOT NULL,
  updated_at     TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_points_count PRIMARY KEY (tenant_id, participant_id, year_month),
  CONSTRAINT ck_points_count_points CHECK (points >= 0)
);

-- A campaign's board of one month by points; and its counters changed since some time.
CREATE INDEX IF NOT EXISTS ix_points_count_board ON points_count (tenant_id, campaign_id, year_month, points);
CREATE INDEX IF NOT EXISTS ix_points_count_changed ON points_count (tenant_id, campaign_id, updated_at);

-- The all-time points board of existing participants: their lifetime points (all points ever credited). Months are
-- not backfilled: the points of the current month count from this version on. Changed "at the epoch", as above.
INSERT INTO points_count (tenant_id, participant_id, year_month, campaign_id, points, updated_at)
  SELECT p.tenant_id, p.participant_id, 0, p.campaign_id, p.lifetime_points,
    TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00'
  FROM participant p
  WHERE p.lifetime_points > 0 AND NOT EXISTS (SELECT 1 FROM points_count x
    WHERE x.tenant_id = p.tenant_id AND x.participant_id = p.participant_id AND x.year_month = 0);

-- A campaign's participants by creation time: board members created before a cutoff (PREV_MONTH), and new members
-- since some time (catching up).
CREATE INDEX IF NOT EXISTS ix_participant_created ON participant (tenant_id, campaign_id, created_at, participant_id);

-- Participants that left their campaign's boards (deleted), so that other instances' indexes drop them. Only ids and
-- a time: no personal data stays behind.
CREATE TABLE IF NOT EXISTS board_removal (
  tenant_id      BIGINT NOT NULL,
  campaign_id    BIGINT NOT NULL,
  participant_id BIGINT NOT NULL,
  removed_at     TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_board_removal PRIMARY KEY (tenant_id, campaign_id, participant_id)
);

-- A campaign's removals since some time.
CREATE INDEX IF NOT EXISTS ix_board_removal_removed ON board_removal (tenant_id, campaign_id, removed_at);

-- A closed month's winners, recorded once (inserted if absent on the key) by whichever instance reads them first.
-- metric: ACTIONS or POINTS; year_month: year * 100 + month in the campaign's time zone.
CREATE TABLE IF NOT EXISTS month_winners (
  tenant_id   BIGINT NOT NULL,
  campaign_id BIGINT NOT NULL,
  metric      VARCHAR NOT NULL,
  year_month  INTEGER NOT NULL,
  recorded_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_month_winners PRIMARY KEY (tenant_id, campaign_id, metric, year_month),
  CONSTRAINT ck_month_winners_metric CHECK (metric IN ('ACTIONS', 'POINTS'))
);

-- The rows of recorded winners, position 1 first. Kept when a winner is deleted: a record of the past, ids only.
CREATE TABLE IF NOT EXISTS month_winner (
  tenant_id      BIGINT NOT NULL,
  campaign_id    BIGINT NOT NULL,
  metric         VARCHAR NOT NULL,
  year_month     INTEGER NOT NULL,
  position       INTEGER NOT NULL,
  participant_id BIGINT NOT NULL,
  score          BIGINT NOT NULL,
  rank           BIGINT NOT NULL,
  CONSTRAINT pk_month_winner PRIMARY KEY (tenant_id, campaign_id, metric, year_month, position),
  CONSTRAINT fk_month_winner_winners FOREIGN KEY (tenant_id, campaign_id, metric, year_month)
    REFERENCES month_winners (tenant_id, campaign_id, metric, year_month)
);
