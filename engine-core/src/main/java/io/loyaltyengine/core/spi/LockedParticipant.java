package io.loyaltyengine.core.spi;

import io.loyaltyengine.participant.Participant;
import java.util.Objects;

/**
 * A participant's row as the transaction that locked it sees it, with the participant's event sequence: the result
 * of a balance change ({@link LedgerPort#credit}, {@link LedgerPort#debit}, whose update takes the row lock) and
 * of {@link ParticipantPort#lockAll}. Immutable.
 *
 * @param participant the participant's row (after the change, for a balance change)
 * @param eventSequence the participant's event sequence: the number of its latest event, which after a balance
 *     change is the number taken for the event that records the change
 */
public record LockedParticipant(Participant participant, long eventSequence) {
  /** Checks the participant is given. */
  public LockedParticipant {
    Objects.requireNonNull(participant, "participant");
  }

  /** The participant's id. */
  public long id() {
    return participant.id();
  }

  /** The participant's campaign. */
  public long campaignId() {
    return participant.campaignId();
  }

  /** The balance. */
  public long balance() {
    return participant.pointsBalance();
  }

  /** The lifetime points. */
  public long lifetimePoints() {
    return participant.lifetimePoints();
  }

  /** The same row with these totals and this event sequence (what a balance change leaves). */
  public LockedParticipant withTotals(long balance, long lifetimePoints, long eventSequence) {
    Participant p = participant;
    return new LockedParticipant(new Participant(p.id(), p.tenantId(), p.campaignId(), p.email(), p.sanitizedEmail(),
        p.firstName(), p.lastName(), p.ipAddress(), p.tier(), p.metadata(), balance, lifetimePoints, p.createdAt(),
        p.updatedAt(), p.riskLevel(), p.riskReason()), eventSequence);
  }
}
