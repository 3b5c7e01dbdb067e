package io.loyaltyengine.jdbc;

import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.TransactionWork;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A storage under the engine's that hands each of the engine's units of work its transaction through {@code wrap}
 * (typically a {@code ForwardingTransaction} whose port is an {@link #intercept intercepted} one), so that a test can
 * pause a unit of work at a chosen call and run another meanwhile. Host transactions pass through unchanged.
 *
 * <p>Thread-safe if {@code wrap} is.
 */
class InterceptingStorage implements Storage {
  private final Storage delegate;
  private final UnaryOperator<Transaction> wrap;

  InterceptingStorage(Storage delegate, UnaryOperator<Transaction> wrap) {
    this.delegate = delegate;
    this.wrap = wrap;
  }

  /** What a call of an intercepted port does instead of going straight to the port. */
  @FunctionalInterface
  interface Interceptor {
    /**
     * @param method the port's method called
     * @param args its arguments, which may be replaced before they are passed on
     * @param port the port, to call with {@link #invoke}
     */
    Object call(Method method, Object[] args, Object port) throws Throwable;
  }

  /** A proxy of {@code port} whose every call goes through {@code interceptor}. */
  static <P> P intercept(Class<P> type, P port, Interceptor interceptor) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
        (proxy, method, args) -> interceptor.call(method, args, port)));
  }

  /** Calls {@code method} on {@code port}, throwing what it throws. */
  static Object invoke(Method method, Object port, Object[] args) throws Throwable {
    try {
      return method.invoke(port, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @Override
  public Set<StorageCapability> capabilities() {
    return delegate.capabilities();
  }

  @Override
  public <T> T inTransaction(TransactionWork<T> work) {
    return delegate.inTransaction(tx -> work.run(wrap.apply(tx)));
  }

  @Override
  public <T> T inReadTransaction(TransactionWork<T> work) {
    return delegate.inReadTransaction(tx -> work.run(wrap.apply(tx)));
  }

  @Override
  public Object hostTransactionIdentity(HostTransaction host) {
    return delegate.hostTransactionIdentity(host);
  }

  @Override
  public <T> T inHostTransaction(HostTransaction host, TransactionWork<T> work) {
    return delegate.inHostTransaction(host, work);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
