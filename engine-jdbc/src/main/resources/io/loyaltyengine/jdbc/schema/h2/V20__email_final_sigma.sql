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
UPDATE participant p
    SET email_sanitized = REPLACE(SUBSTRING(email_sanitized, 1, LOCATE('@', email_sanitized) - 1), CHAR(962),
        CHAR(963)) || SUBSTRING(email_sanitized, LOCATE('@', email_sanitized))
    WHERE LOCATE(CHAR(962), SUBSTRING(email_sanitized, 1, LOCATE('@', email_sanitized) - 1)) > 0
    AND NOT EXISTS (SELECT 1 FROM participant q WHERE q.tenant_id = p.tenant_id AND q.campaign_id = p.campaign_id
        AND q.participant_id <> p.participant_id
        AND REPLACE(SUBSTRING(q.email_sanitized, 1, LOCATE('@', q.email_sanitized) - 1), CHAR(962), CHAR(963))
            || SUBSTRING(q.email_sanitized, LOCATE('@', q.email_sanitized))
          = REPLACE(SUBSTRING(p.email_sanitized, 1, LOCATE('@', p.email_sanitized) - 1), CHAR(962), CHAR(963))
            || SUBSTRING(p.email_sanitized, LOCATE('@', p.email_sanitized))
        AND (LOCATE(CHAR(962), SUBSTRING(q.email_sanitized, 1, LOCATE('@', q.email_sanitized) - 1)) = 0
          OR q.participant_id < p.participant_id));
