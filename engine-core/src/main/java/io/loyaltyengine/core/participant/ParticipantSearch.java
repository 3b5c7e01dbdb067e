package io.loyaltyengine.core.participant;

import io.loyaltyengine.participant.Participant;
import java.text.Normalizer;
import java.util.Locale;

/**
 * The one definition of participant search, shared by every storage backend so that all of them match alike:
 * a participant's search text is its first name, last name and email, normalized by {@link #normalize} and joined by
 * a newline (which no validated field contains, so a search never spans two fields).
 *
 * <p>The SQL stores keep the search text in a column ({@code participant.search_text}); schema V17 brought the rows
 * written before the final sigma was folded into this form. Rows written before the text was normalized to NFC keep
 * a name or email given decomposed as it was given (no migration can normalize it: H2 has no SQL function for it),
 * so those stores also match {@link #decomposed} of a search.
 *
 * <p>Thread-safe: stateless.
 */
public final class ParticipantSearch {
  private static final char FINAL_SIGMA = '\u03C2';
  private static final char SIGMA = '\u03C3';

  private ParticipantSearch() {
  }

  /** The text a participant is searched in. */
  public static String searchText(Participant participant) {
    return normalize(nullToEmpty(participant.firstName())) + "\n" + normalize(nullToEmpty(participant.lastName()))
        + "\n" + normalize(participant.email());
  }

  /**
   * Normalizes a search text or a field for matching: lower-cased with the root locale, in Unicode's composed form
   * (NFC), and the Greek final sigma (ς) made the medial one (σ), as case folding does. {@code toLowerCase} writes the
   * final sigma for a capital sigma that ends a word, so without the fold "ΚΩΣ" ("κως") would not be found in
   * "ΚΩΣΤΑΣ" ("κωστας"), nor "νίκοσ" in "Νίκος". An accented letter has two spellings that look the same, composed
   * ("é") and decomposed ("e" and U+0301), and a host's forms pass on either: without NFC a name given in one would
   * not be found by a search in the other, though a lookup by email finds it (sanitized emails are NFC).
   */
  public static String normalize(String text) {
    return Normalizer.normalize(text.toLowerCase(Locale.ROOT), Normalizer.Form.NFC).replace(FINAL_SIGMA, SIGMA);
  }

  /**
   * A {@link #normalize normalized} search in the decomposed form (NFD): what a search text stored before search
   * texts were normalized to NFC holds for a name or email given decomposed. The same text when nothing in it
   * decomposes.
   */
  public static String decomposed(String normalizedSearch) {
    return Normalizer.normalize(normalizedSearch, Normalizer.Form.NFD);
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
