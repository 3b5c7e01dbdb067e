package io.loyaltyengine.core.spi;

/**
 * The store failed. The message must not contain bound values (personal data); the cause may.
 *
 * <p>Instances are immutable and thread-safe.
 */
public class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message free of personal data. */
  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
