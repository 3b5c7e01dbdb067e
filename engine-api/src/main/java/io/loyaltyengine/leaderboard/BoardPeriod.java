package io.loyaltyengine.leaderboard;

/** Which scores a board ranks. Months are calendar months in the campaign's time zone. Immutable. */
public enum BoardPeriod {
  /** Everything ever recorded. */
  ALL_TIME,
  /** The month now in progress; it starts at zero for everyone when the month begins. */
  CURRENT_MONTH,
  /** The month before the current one; it lists only participants that existed during that month. */
  PREV_MONTH
}
