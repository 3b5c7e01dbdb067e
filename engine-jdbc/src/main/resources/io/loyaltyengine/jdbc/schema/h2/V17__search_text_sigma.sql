-- Loyalty engine schema, version 17 (H2): a participant's search text holds the Greek medial sigma where it held the
-- final one. Idempotent: a run that died half-way is completed by the next.
--
-- The search text is the first name, last name and email lower-cased (ParticipantSearch), and lower-casing writes
-- the final sigma (U+03C2) for a capital sigma that ends a word: a search ending in one ("ΚΩΣ", "κως") missed the
-- name that continues ("ΚΩΣΤΑΣ", "κωστας"). The engine now folds the final sigma to the medial one (U+03C3), as case
-- folding does, in the search and in the text it writes; this brings the rows written before into that form.
UPDATE participant SET search_text = REPLACE(search_text, CHAR(962), CHAR(963))
    WHERE LOCATE(CHAR(962), search_text) > 0;
