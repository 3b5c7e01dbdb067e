package io.loyaltyengine.leaderboard;

/** What a board's score counts. Immutable. */
public enum BoardMetric {
  /** Loyalty actions recorded (toward any of the campaign's rewards). */
  ACTIONS,
  /** Points awarded (lifetime points all time; points awarded in the month otherwise); deductions do not lower it. */
  POINTS
}
