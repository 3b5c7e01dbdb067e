package io.loyaltyengine.events;

/**
 * What happened. Each capability of the engine adds its own types; existing types keep their meaning and their
 * {@link #wireName()}, which is what webhooks and the change feed carry.
 */
public enum EventType {
  /** A participant was enrolled. Payload: the participant. */
  PARTICIPANT_CREATED("participant.created"),
  /** A participant's profile changed. Payload: the participant after the change. */
  PARTICIPANT_UPDATED("participant.updated"),
  /** A participant was deleted with its ledger. Payload: the participant as it was. */
  PARTICIPANT_DELETED("participant.deleted"),
  /** Points were awarded. Payload: the ledger entry, the participant, the new balance and lifetime points. */
  POINTS_AWARDED("points.awarded"),
  /** Points were deducted. Payload: as {@link #POINTS_AWARDED}. */
  POINTS_DEDUCTED("points.deducted");

  private final String wireName;

  EventType(String wireName) {
    this.wireName = wireName;
  }

  /** The name on the wire, for example {@code points.awarded}. */
  public String wireName() {
    return wireName;
  }

  /**
   * The type with this wire name.
   *
   * @throws IllegalArgumentException if there is none
   */
  public static EventType fromWireName(String wireName) {
    for (EventType t : values()) {
      if (t.wireName.equals(wireName)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown event type");
  }
}
