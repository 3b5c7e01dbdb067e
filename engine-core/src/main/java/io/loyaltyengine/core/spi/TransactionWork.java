package io.loyaltyengine.core.spi;

/**
 * A unit of work run in one transaction. It may be run more than once (after a transient failure), so it must not
 * have effects outside the transaction.
 *
 * @param <T> the result type
 */
@FunctionalInterface
public interface TransactionWork<T> {
  /** Does the work through the ports of {@code tx}. */
  T run(Transaction tx);
}
