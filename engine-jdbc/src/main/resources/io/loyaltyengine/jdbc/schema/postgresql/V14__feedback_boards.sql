-- Loyalty engine schema, version 14 (PostgreSQL): feedback boards, ideas and votes. The migrator runs this script
-- in one transaction.
--
-- A campaign's feedback boards; is_open says whether they take new ideas and votes.
CREATE TABLE feedback_board (
  tenant_id   bigint NOT NULL,
  board_id    bigint NOT NULL,
  campaign_id bigint NOT NULL,
  name        text NOT NULL,
  description text NOT NULL,
  is_open     boolean NOT NULL,
  created_at  timestamptz NOT NULL,
  CONSTRAINT pk_feedback_board PRIMARY KEY (tenant_id, board_id),
  CONSTRAINT fk_feedback_board_campaign FOREIGN KEY (tenant_id, campaign_id)
    REFERENCES campaign (tenant_id, campaign_id)
);
CREATE INDEX ix_feedback_board_campaign ON feedback_board (tenant_id, campaign_id, board_id);

-- A participant's idea on a board. votes counts the rows of feedback_vote on it, moved only by conditional updates
-- (votes + 1; votes - 1 while above zero) in the unit of work that inserts or deletes the vote. Paged per board
-- most voted first (ix_feedback_idea_votes) or newest first (ix_feedback_idea_board). Like the referral tables, it
-- does not refer to participant: deleting a participant deletes its ideas, by the engine, under its row lock.
CREATE TABLE feedback_idea (
  tenant_id      bigint NOT NULL,
  idea_id        bigint NOT NULL,
  board_id       bigint NOT NULL,
  participant_id bigint NOT NULL,
  title          text NOT NULL,
  body           text NOT NULL,
  status         text NOT NULL,
  votes          bigint NOT NULL,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  CONSTRAINT pk_feedback_idea PRIMARY KEY (tenant_id, idea_id),
  CONSTRAINT fk_feedback_idea_board FOREIGN KEY (tenant_id, board_id) REFERENCES feedback_board (tenant_id, board_id),
  CONSTRAINT ck_feedback_idea_votes CHECK (votes >= 0)
);
CREATE INDEX ix_feedback_idea_votes ON feedback_idea (tenant_id, board_id, votes DESC, idea_id);
CREATE INDEX ix_feedback_idea_board ON feedback_idea (tenant_id, board_id, idea_id);
CREATE INDEX ix_feedback_idea_participant ON feedback_idea (tenant_id, participant_id);

-- A participant's vote on an idea, at most one (the primary key, inserted if absent). No foreign keys: the engine
-- deletes the votes with their idea or their participant, in the same unit of work.
CREATE TABLE feedback_vote (
  tenant_id      bigint NOT NULL,
  idea_id        bigint NOT NULL,
  participant_id bigint NOT NULL,
  created_at     timestamptz NOT NULL,
  CONSTRAINT pk_feedback_vote PRIMARY KEY (tenant_id, idea_id, participant_id)
);
CREATE INDEX ix_feedback_vote_participant ON feedback_vote (tenant_id, participant_id);
