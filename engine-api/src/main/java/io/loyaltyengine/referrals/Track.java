package io.loyaltyengine.referrals;

/**
 * Something to track on a referral code. Immutable. {@link #toString()} hides the visitor id.
 *
 * @param code the referral code (any kind)
 * @param kind what happened
 * @param visitorId the host's visitor id (1..128 printable ASCII characters without spaces); required for VISIT,
 *     else optional
 */
public record Track(String code, TrackKind kind, String visitorId) {
  /**
   * A visit (click) by a visitor.
   *
   * @param code the referral code
   * @param visitorId the visitor's id
   * @return the track
   */
  public static Track visit(String code, String visitorId) {
    return new Track(code, TrackKind.VISIT, visitorId);
  }

  /**
   * A share by the code's participant.
   *
   * @param code the referral code
   * @return the track
   */
  public static Track share(String code) {
    return new Track(code, TrackKind.SHARE, null);
  }

  /**
   * An impression of the code's share widget.
   *
   * @param code the referral code
   * @return the track
   */
  public static Track impression(String code) {
    return new Track(code, TrackKind.IMPRESSION, null);
  }

  @Override
  public String toString() {
    return "Track[" + kind + ", visitor " + (visitorId == null ? "none" : "given") + "]";
  }
}
