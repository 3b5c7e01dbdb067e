-- Loyalty engine schema, version 14 (H2): feedback boards, ideas and votes. Idempotent (IF NOT EXISTS): H2
-- commits DDL statement by statement, and a run that died half-way is completed by the next.
--
-- A campaign's feedback boards; is_open says whether they take new ideas and votes.
CREATE TABLE IF NOT EXISTS feedback_board (
  tenant_id   BIGINT NOT NULL,
  board_id    BIGINT NOT NULL,
  campaign_id BIGINT NOT NULL,
  name        VARCHAR NOT NULL,
  description VARCHAR NOT NULL,
  is_open     BOOLEAN NOT NULL,
  created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_feedback_board PRIMARY KEY (tenant_id, board_id),
  CONSTRAINT fk_feedback_board_campaign FOREIGN KEY (tenant_id, campaign_id)
    REFERENCES campaign (tenant_id, campaign_id)
);
CREATE INDEX IF NOT EXISTS ix_feedback_board_campaign ON feedback_board (tenant_id, campaign_id, board_id);

-- A participant's idea on a board. votes counts the rows of feedback_vote on it, moved only by conditional updates
-- (votes + 1; votes - 1 while above zero) in the unit of work that inserts or deletes the vote. Paged per board
-- most voted first (ix_feedback_idea_votes) or newest first (ix_feedback_idea_board). Like the referral tables, it
-- does not refer to participant: deleting a participant deletes its ideas, by the engine, under its row lock.
CREATE TABLE IF NOT EXISTS feedback_idea (
  tenant_id      BIGINT NOT NULL,
  idea_id        BIGINT NOT NULL,
  board_id       BIGINT NOT NULL,
  participant_id BIGINT NOT NULL,
  title          VARCHAR NOT NULL,
  body           VARCHAR NOT NULL,
  status         VARCHAR NOT NULL,
  votes          BIGINT NOT NULL,
  created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
  updated_at     TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_feedback_idea PRIMARY KEY (tenant_id, idea_id),
  CONSTRAINT fk_feedback_idea_board FOREIGN KEY (tenant_id, board_id) REFERENCES feedback_board (tenant_id, board_id),
  CONSTRAINT ck_feedback_idea_votes CHECK (votes >= 0)
);
CREATE INDEX IF NOT EXISTS ix_feedback_idea_votes ON feedback_idea (tenant_id, board_id, votes DESC, idea_id);
CREATE INDEX IF NOT EXISTS ix_feedback_idea_board ON feedback_idea (tenant_id, board_id, idea_id);
CREATE INDEX IF NOT EXISTS ix_feedback_idea_participant ON feedback_idea (tenant_id, participant_id);

-- A participant's vote on an idea, at most one (the primary key, inserted if absent). No foreign keys: the engine
-- deletes the votes with their idea or their participant, in the same unit of work.
CREATE TABLE IF NOT EXISTS feedback_vote (
  tenant_id      BIGINT NOT NULL,
  idea_id        BIGINT NOT NULL,
  participant_id BIGINT NOT NULL,
  created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_feedback_vote PRIMARY KEY (tenant_id, idea_id, participant_id)
);
CREATE INDEX IF NOT EXISTS ix_feedback_vote_participant ON feedback_vote (tenant_id, participant_id);
