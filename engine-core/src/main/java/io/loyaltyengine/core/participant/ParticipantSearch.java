package io.loyaltyengine.core.participant;

import io.loyaltyengine.participant.Participant;
import java.util.Locale;

/**
 * The one definition of participant search, shared by every storage backend so that all of them match alike:
 * a participant's search text is its first name, last name and email, lower-cased and joined by a newline (which
 * no validated field contains, so a search never spans two fields).
 *
 * <p>Thread-safe: stateless.
 */
public final class ParticipantSearch {
  private ParticipantSearch() {
  }

  /** The text a participant is searched in. */
  public static String searchText(Participant participant) {
    return normalize(nullToEmpty(participant.firstName())) + "\n" + normalize(nullToEmpty(participant.lastName()))
        + "\n" + normalize(participant.email());
  }

  /** Normalizes a search text or a field for matching: lower-cased with the root locale. */
  public static String normalize(String text) {
    return text.toLowerCase(Locale.ROOT);
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
