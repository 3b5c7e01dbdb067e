package io.loyaltyengine.core.spi;

/**
 * The store failed while committing, in a way that leaves unknown whether the transaction committed: the unit of
 * work ran to its end, and the commit's answer never came (a connection lost during the commit, say). Its effects may
 * be in the database.
 *
 * <p>The engine never runs such a unit of work again, not even as part of a batch that group commit or a bulk call
 * would otherwise run again the careful way: a change without an idempotency key would be made twice. The caller is
 * told {@code STORAGE_UNAVAILABLE} with the outcome unknown; a retry with the same idempotency key finds out safely.
 *
 * <p>Instances are immutable and thread-safe.
 */
public class CommitOutcomeUnknownException extends StorageException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message free of personal data. */
  public CommitOutcomeUnknownException(String message, Throwable cause) {
    super(message, cause);
  }
}
