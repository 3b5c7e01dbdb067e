-- Loyalty engine schema, version 17 (PostgreSQL): a participant's search text holds the Greek medial sigma where it
-- held the final one. The migrator runs this script in one transaction.
--
-- The search text is the first name, last name and email lower-cased (ParticipantSearch), and lower-casing writes
-- the final sigma (U+03C2) for a capital sigma that ends a word: a search ending in one (KOS, in Greek capitals or
-- small letters) missed the name that continues (KOSTAS). The engine now folds the final sigma to the medial one
-- (U+03C3), as case folding does, in the search and in the text it writes; this brings the rows written before into
-- that form.
-- CHR takes a code point only in a UTF8 database (elsewhere only ASCII), so other databases are left as they are.
-- The text is ASCII only: a server converts a whole script to its encoding, comments included, and one without
-- Greek letters (LATIN1) refused the script for the Greek examples its comments gave.
DO $$
BEGIN
  IF current_setting('server_encoding') = 'UTF8' THEN
    UPDATE participant SET search_text = REPLACE(search_text, CHR(962), CHR(963))
        WHERE STRPOS(search_text, CHR(962)) > 0;
  END IF;
END
$$;
