package io.loyaltyengine.core.internal;

/**
 * Thrown out of a unit of work that found it had nothing to change (every operation refused or replayed), so that
 * its transaction rolls back instead of committing: a commit would cost a durable write for nothing (on PostgreSQL
 * the row locks the work took give the transaction an id, and its commit waits for a WAL flush). {@link Transactions}
 * and {@link GroupCommit} catch it and hand the caller {@link #result()} as the work's result.
 *
 * <p>Immutable; carries no stack trace (it is an outcome, not a fault).
 */
public final class NothingToCommit extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Not serialized: never leaves the engine. */
  private final transient Object result;

  /** @param result what the unit of work returns, though nothing of it is kept */
  public NothingToCommit(Object result) {
    super("nothing to commit", null, false, false);
    this.result = result;
  }

  /** What the unit of work returns. */
  @SuppressWarnings("unchecked")
  public <T> T result() {
    return (T) result;
  }
}
