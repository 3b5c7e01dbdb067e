-- Loyalty engine schema, version 28 (H2): a participant's ideas in idea id order, replacing V14's index of them.
-- Idempotent (IF NOT EXISTS, IF EXISTS): H2 commits DDL statement by statement, and a run that died half-way is
-- completed by the next; the new index comes first, so the participant's deletion is never left without one.
--
-- FeedbackBoards.ideas(participant, page) lists a participant's ideas a keyset page at a time, newest first by idea
-- id: a range of ix_feedback_idea_author in its order. Through ix_feedback_idea_participant (tenant_id,
-- participant_id), which H2 keys by its own row id after those columns (the table's key is composite), H2 read all
-- of the participant's ideas and sorted them for every page (60,002 rows for a page of 21 of 60,001 ideas). The new
-- index leads with the old one's columns, so the participant's deletion, which looks its ideas up by them, reads
-- the same range of it (and finds the ideas' ids in it); keeping both would only cost every idea's insert and
-- deletion a second entry.
CREATE INDEX IF NOT EXISTS ix_feedback_idea_author ON feedback_idea (tenant_id, participant_id, idea_id);
DROP INDEX IF EXISTS ix_feedback_idea_participant;
