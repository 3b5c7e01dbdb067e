package io.loyaltyengine.core.internal;

/**
 * What the engine takes as a failure of the host's code (a listener, a fraud rule) and what it lets through.
 *
 * <p>Thread-safe: stateless.
 */
public final class HostCode {
  private HostCode() {
  }

  /**
   * Rethrows {@code thrown} if it is no failure of the host's code but of the JVM: a {@link VirtualMachineError}
   * ({@link OutOfMemoryError}, an internal error) other than a {@link StackOverflowError}. Everything else the host's
   * code threw (any exception; errors such as {@link NoClassDefFoundError} or {@link AssertionError}; a stack
   * overflow, unwound by the time it is caught) returns, for the caller to count as that code's failure.
   *
   * @param thrown what the host's code threw
   */
  public static void rethrowIfFatal(Throwable thrown) {
    if (thrown instanceof VirtualMachineError fatal && !(thrown instanceof StackOverflowError)) {
      throw fatal;
    }
  }
}
