package io.loyaltyengine.core.spi;

/**
 * A write violated a unique constraint (SQLState 23505 in SQL stores). Thrown out of the port; the unit of work
 * propagates it and the transaction rolls back.
 *
 * <p>Instances are immutable and thread-safe.
 */
public class UniqueViolationException extends StorageException {
  private static final long serialVersionUID = 1L;

  private final UniqueKey key;

  /** Creates an exception for the violated key. */
  public UniqueViolationException(UniqueKey key, Throwable cause) {
    super("unique constraint violated: " + key, cause);
    this.key = key;
  }

  /** The violated constraint. */
  public UniqueKey key() {
    return key;
  }
}
