package io.loyaltyengine.sso;

import io.loyaltyengine.participant.Participant;

/**
 * The participant a login was recognised as. Immutable; {@link #toString()} shows no personal data (the
 * participant's hides its own).
 *
 * @param participant the participant
 * @param created whether this login enrolled it
 * @param newlyMapped whether this login mapped the customer id to it (true too when it was created)
 */
public record SsoRecognition(Participant participant, boolean created, boolean newlyMapped) {
}
