-- Loyalty engine schema, version 28 (PostgreSQL): a participant's ideas in idea id order, replacing V14's index of
-- them. The migrator runs this script in one transaction.
--
-- FeedbackBoards.ideas(participant, page) lists a participant's ideas a keyset page at a time, newest first by idea
-- id: a range of ix_feedback_idea_author in its order. With only ix_feedback_idea_participant (tenant_id,
-- participant_id), whose entries of one participant are in no idea order, PostgreSQL walked the primary key backwards
-- over the tenant's ideas and dropped the others' (50,801 rows read for a first page of 21 of a participant's 5,000
-- ideas among 250,000), or would read all of the participant's ideas and sort them. The new index leads with the old
-- one's columns, so the participant's deletion, which looks its ideas up by them, reads the same range of it (and
-- finds the ideas' ids in the index itself); keeping both would only cost every idea's insert and deletion a second
-- entry.
CREATE INDEX ix_feedback_idea_author ON feedback_idea (tenant_id, participant_id, idea_id);
DROP INDEX ix_feedback_idea_participant;
