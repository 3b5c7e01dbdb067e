-- Loyalty engine schema, version 20 (PostgreSQL): the local part of a participant's sanitized email holds the Greek
-- medial sigma where it held the final one. The migrator runs this script in one transaction.
--
-- Lower-casing writes the final sigma (U+03C2) for a capital sigma that ends a word, and a dot does not end one:
-- NIKOS.A@EXAMPLE.GR in Greek capitals was sanitized with the medial sigma, and the same address in small letters
-- with the final one, two participants of one person. The engine now folds the local part's final sigma into the
-- medial one (U+03C3), as case folding does; this brings the rows written before into that form. Not the domain:
-- IDNA2008 makes the two different names.
--
-- Where the folded form is already another participant's of the campaign (both spellings were enrolled), or where
-- several rows fold to one form, the participant holding it, else the lowest id, takes it; the others keep the form
-- they had, since uniqueness is on it: still found by id, no longer by email (the engine cannot merge two people's
-- ledgers).
--
-- The two sigmas are made from their UTF8 bytes in the database's encoding, so that a database in another encoding
-- that holds Greek (WIN1253, ISO_8859_7; SQL_ASCII keeps the bytes) is brought into the form too: its emails are
-- looked up in it as in a UTF8 one. A database whose encoding has no Greek letter holds no email with one, and is
-- left as it is. (CHR takes a code point only in a UTF8 database.) The text is ASCII only, comments included: a
-- server converts a whole script to its encoding, and one without Greek letters would refuse the script.
--
-- The same way, the search texts V17 left with the final sigma in a database not in UTF8 (it ran in UTF8 ones only)
-- are folded as V17 folds them, so that a search there finds the names written before V17.
DO $$
DECLARE
  final_sigma text;
  sigma text;
BEGIN
  BEGIN
    final_sigma := convert_from(decode('cf82', 'hex'), 'UTF8');
    sigma := convert_from(decode('cf83', 'hex'), 'UTF8');
  EXCEPTION WHEN untranslatable_character THEN
    RETURN;
  END;
  UPDATE participant AS p
      SET email_sanitized = REPLACE(split_part(email_sanitized, '@', 1), final_sigma, sigma) || '@'
          || split_part(email_sanitized, '@', 2)
      WHERE STRPOS(split_part(email_sanitized, '@', 1), final_sigma) > 0
      AND NOT EXISTS (SELECT 1 FROM participant AS q WHERE q.tenant_id = p.tenant_id
          AND q.campaign_id = p.campaign_id AND q.participant_id <> p.participant_id
          AND REPLACE(split_part(q.email_sanitized, '@', 1), final_sigma, sigma)
            = REPLACE(split_part(p.email_sanitized, '@', 1), final_sigma, sigma)
          AND split_part(q.email_sanitized, '@', 2) = split_part(p.email_sanitized, '@', 2)
          AND (STRPOS(split_part(q.email_sanitized, '@', 1), final_sigma) = 0
            OR q.participant_id < p.participant_id));
  IF current_setting('server_encoding') <> 'UTF8' THEN
    UPDATE participant SET search_text = REPLACE(search_text, final_sigma, sigma)
        WHERE STRPOS(search_text, final_sigma) > 0;
  END IF;
END
$$;
