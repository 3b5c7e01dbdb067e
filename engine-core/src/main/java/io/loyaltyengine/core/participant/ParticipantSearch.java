package io.loyaltyengine.core.participant;

import io.loyaltyengine.participant.Participant;
import java.util.Locale;

/**
 * The one definition of participant search, shared by every storage backend so that all of them match alike:
 * a participant's search text is its first name, last name and email, normalized by {@link #normalize} and joined by
 * a newline (which no validated field contains, so a search never spans two fields).
 *
 * <p>The SQL stores keep the search text in a column ({@code participant.search_text}); schema V17 brought the rows
 * written before the final sigma was folded into this form.
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
   * Normalizes a search text or a field for matching: lower-cased with the root locale, and the Greek final sigma
   * (ς) made the medial one (σ), as case folding does. {@code toLowerCase} writes the final sigma for a capital sigma
   * that ends a word, so without the fold "ΚΩΣ" ("κως") would not be found in "ΚΩΣΤΑΣ" ("κωστας"), nor "νίκοσ" in
   * "Νίκος".
   */
  public static String normalize(String text) {
    return text.toLowerCase(Locale.ROOT).replace(FINAL_SIGMA, SIGMA);
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
