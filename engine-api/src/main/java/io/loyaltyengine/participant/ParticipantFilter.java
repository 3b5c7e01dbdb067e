package io.loyaltyengine.participant;

/**
 * Narrows a participant list. Both parts are optional; {@link #all()} matches everyone. {@link #toString()} hides
 * the search text, usually part of a name or an email. Immutable.
 *
 * @param search case-insensitive text matched anywhere in the first name, last name or email (the Greek final sigma
 *     matching the medial one, as in case folding, and a composed accented letter the decomposed one, as NFC
 *     equates them), stripped of surrounding spaces, at most 100 characters (code points) without control
 *     characters; {@code null} or blank (only spaces, no-break ones included, and characters drawn as nothing such
 *     as zero-width spaces) for none
 * @param tier exact tier name, stripped of surrounding spaces as a participant's tier is, at most 64 characters;
 *     {@code null} or blank (as a blank search) for any tier
 */
public record ParticipantFilter(String search, String tier) {
  private static final ParticipantFilter ALL = new ParticipantFilter(null, null);

  @Override
  public String toString() {
    return "ParticipantFilter[search=" + (search == null ? "none" : "<hidden>") + ", tier=" + tier + "]";
  }

  /**
   * Matches every participant.
   *
   * @return the filter
   */
  public static ParticipantFilter all() {
    return ALL;
  }

  /**
   * Matches participants whose name or email contains {@code text}, ignoring case.
   *
   * @param text what the name or email contains
   * @return the filter
   */
  public static ParticipantFilter search(String text) {
    return new ParticipantFilter(text, null);
  }

  /**
   * Matches participants of one tier.
   *
   * @param tier tier name
   * @return the filter
   */
  public static ParticipantFilter tier(String tier) {
    return new ParticipantFilter(null, tier);
  }

  /**
   * This filter, also requiring {@code tier}.
   *
   * @param tier tier name
   * @return a new filter
   */
  public ParticipantFilter andTier(String tier) {
    return new ParticipantFilter(search, tier);
  }
}
