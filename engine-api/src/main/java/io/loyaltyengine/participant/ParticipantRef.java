package io.loyaltyengine.participant;

/**
 * Names a participant: by id, or by email within a campaign. The email is sanitized before lookup, so any alias
 * that sanitizes to the same form finds the same participant. Immutable: its only implementations are the records
 * {@link ById} and {@link ByEmail}.
 */
public sealed interface ParticipantRef {

  /**
   * The participant with this id.
   *
   * @param participantId the participant's id
   * @return the reference
   */
  static ParticipantRef id(long participantId) {
    return new ById(participantId);
  }

  /**
   * The participant of {@code campaignId} whose sanitized email equals the sanitized {@code email}.
   *
   * @param campaignId the participant's campaign
   * @param email the email, sanitized before comparing
   * @return the reference
   */
  static ParticipantRef email(long campaignId, String email) {
    return new ByEmail(campaignId, email);
  }

  /**
   * By id. Immutable.
   *
   * @param participantId the participant's id
   */
  record ById(long participantId) implements ParticipantRef {
  }

  /**
   * By email within a campaign. {@link #toString()} hides the email, which is personal data. Immutable.
   *
   * @param campaignId the campaign
   * @param email the email, in any form that sanitizes to the participant's
   */
  record ByEmail(long campaignId, String email) implements ParticipantRef {
    @Override
    public String toString() {
      return "ByEmail[campaignId=" + campaignId + ", email=<hidden>]";
    }
  }
}
