-- Loyalty engine schema, version 20 (H2): the local part of a participant's sanitized email holds the Greek medial
-- sigma where it held the final one. Idempotent: a run that died half-way is completed by the next.
--
-- Lower-casing writes the final sigma (U+03C2) for a capital sigma that ends a word, and a dot does not end one:
-- ΝΊΚΟΣ.Α@EXAMPLE.GR was sanitized to νίκοσ.α@ and νίκος.α@example.gr to νίκος.α@, two participants of one
-- person. The engine now folds the local part's final sigma into the medial one (U+03C3), as case folding does;
-- this brings the rows written before into that form. Not the domain: IDNA2008 makes the two different names.
--
-- Where the folded form is already another participant's of the campaign (both spellings were enrolled), or where
-- several rows fold to one form, the participant holding it, else the lowest id, takes it; the others keep the form
-- they had, since uniqueness is on it: still found by id, no longer by email (the engine cannot merge two people's
-- ledgers).
--
-- One pass over the table: the rows with a final sigma, grouped by campaign and folded form (the lowest id of each
-- group), joined to the holder of that form by the unique key's index; merged by primary key. A correlated subquery
-- per row instead was run by H2 as a scan of the row's whole campaign for every row with a final sigma: quadratic,
-- hours at start-up for a campaign of 100,000 Greek participants.
MERGE INTO participant t
    USING (SELECT g.tenant_id, g.participant_id, g.folded
        FROM (SELECT tenant_id, campaign_id, folded, MIN(participant_id) AS participant_id
            FROM (SELECT tenant_id, campaign_id, participant_id,
                REPLACE(SUBSTRING(email_sanitized, 1, LOCATE('@', email_sanitized) - 1), CHAR(962), CHAR(963))
                  || SUBSTRING(email_sanitized, LOCATE('@', email_sanitized)) AS folded
              FROM participant
              WHERE LOCATE(CHAR(962), SUBSTRING(email_sanitized, 1, LOCATE('@', email_sanitized) - 1)) > 0) f
            GROUP BY tenant_id, campaign_id, folded) g
        LEFT JOIN participant h ON h.tenant_id = g.tenant_id AND h.campaign_id = g.campaign_id
          AND h.email_sanitized = g.folded
        WHERE h.participant_id IS NULL) s
    ON t.tenant_id = s.tenant_id AND t.participant_id = s.participant_id
    WHEN MATCHED THEN UPDATE SET email_sanitized = s.folded;
