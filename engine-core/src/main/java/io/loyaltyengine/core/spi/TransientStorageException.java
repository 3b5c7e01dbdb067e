package io.loyaltyengine.core.spi;

/**
 * The store failed in a way that a retry of the whole unit of work may cure: a deadlock, a serialization failure,
 * a lock timeout. The transaction has been rolled back.
 *
 * <p>Instances are immutable and thread-safe.
 */
public class TransientStorageException extends StorageException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message free of personal data. */
  public TransientStorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
