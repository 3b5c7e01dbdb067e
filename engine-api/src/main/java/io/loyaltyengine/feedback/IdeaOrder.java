package io.loyaltyengine.feedback;

/** The order of a board's ideas in a page. Immutable. */
public enum IdeaOrder {
  /** Most votes first; among equal votes the earlier idea first (votes descending, then id ascending). */
  MOST_VOTED,
  /** The latest idea first (id descending: ids grow with time, see {@link io.loyaltyengine.IdGenerator}). */
  NEWEST
}
