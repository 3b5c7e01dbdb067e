package io.loyaltyengine.leaderboard;

/** How fresh a board read must be. Immutable. */
public enum Consistency {
  /**
   * From the engine's in-process index: this instance's own writes at once, other instances' within the documented
   * staleness ({@link Leaderboards}). Microseconds.
   */
  INDEX,
  /**
   * Straight from storage, as of the read, at one point in time (a write committing meanwhile shows in all of a
   * page's or a standing's scores and ranks or in none): milliseconds to hundreds of milliseconds on large
   * campaigns.
   */
  STRONG
}
