package io.loyaltyengine.core.spi;

/**
 * A unit of work run in one transaction. It may be run more than once (after a transient failure), so it must not
 * have effects outside the transaction.
 *
 * <p>Need not be thread-safe: a storage runs it on the thread that hands it over ({@link Storage#inTransaction},
 * {@link Storage#inHostTransaction}, {@link Transaction#nested}), one run at a time; with the engine's group commit,
 * that may be another caller's thread than the one that submitted it.
 *
 * @param <T> the result type
 */
@FunctionalInterface
public interface TransactionWork<T> {
  /** Does the work through the ports of {@code tx}. */
  T run(Transaction tx);
}
