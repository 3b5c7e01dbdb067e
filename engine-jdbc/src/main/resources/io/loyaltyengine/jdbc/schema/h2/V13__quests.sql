-- Loyalty engine schema, version 13 (H2): quests. Idempotent (IF NOT EXISTS): H2 commits DDL statement by
-- statement, and a run that died half-way is completed by the next.
--
-- A campaign's quests (listed in id order, ix_quest_campaign) and their tasks, numbered 1..n; nothing but active
-- ever changes. A participant's completion of a task is one row, at most one per task (the primary key, inserted if
-- absent); completes_quest marks the completion that completed the quest. The points are ledger entries with keys
-- derived from the completion. Completions are deleted with their participant, by the engine (no table refers to
-- participant).
CREATE TABLE IF NOT EXISTS quest (
  tenant_id        BIGINT NOT NULL,
  quest_id         BIGINT NOT NULL,
  campaign_id      BIGINT NOT NULL,
  name             VARCHAR NOT NULL,
  description      VARCHAR,
  completion_bonus BIGINT NOT NULL,
  active           BOOLEAN NOT NULL,
  created_at       TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_quest PRIMARY KEY (tenant_id, quest_id),
  CONSTRAINT fk_quest_campaign FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaign (tenant_id, campaign_id),
  CONSTRAINT ck_quest_bonus CHECK (completion_bonus >= 0)
);
CREATE INDEX IF NOT EXISTS ix_quest_campaign ON quest (tenant_id, campaign_id, quest_id);

CREATE TABLE IF NOT EXISTS quest_task (
  tenant_id   BIGINT NOT NULL,
  quest_id    BIGINT NOT NULL,
  task_number INTEGER NOT NULL,
  name        VARCHAR NOT NULL,
  points      BIGINT NOT NULL,
  CONSTRAINT pk_quest_task PRIMARY KEY (tenant_id, quest_id, task_number),
  CONSTRAINT fk_quest_task_quest FOREIGN KEY (tenant_id, quest_id) REFERENCES quest (tenant_id, quest_id),
  CONSTRAINT ck_quest_task_number CHECK (task_number >= 1),
  CONSTRAINT ck_quest_task_points CHECK (points >= 0)
);

CREATE TABLE IF NOT EXISTS quest_completion (
  tenant_id       BIGINT NOT NULL,
  quest_id        BIGINT NOT NULL,
  participant_id  BIGINT NOT NULL,
  task_number     INTEGER NOT NULL,
  completes_quest BOOLEAN NOT NULL,
  completed_at    TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_quest_completion PRIMARY KEY (tenant_id, quest_id, participant_id, task_number),
  CONSTRAINT fk_quest_completion_task FOREIGN KEY (tenant_id, quest_id, task_number)
    REFERENCES quest_task (tenant_id, quest_id, task_number)
);
-- A participant's deletion finds its completions of every quest.
CREATE INDEX IF NOT EXISTS ix_quest_completion_participant ON quest_completion (tenant_id, participant_id);
