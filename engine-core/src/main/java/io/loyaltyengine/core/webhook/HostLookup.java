package io.loyaltyengine.core.webhook;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Looks up the addresses of webhook endpoints' hosts, each lookup bounded by a timeout, on a few threads of its own.
 * The {@link WebhookDeliverer} has two: one for its attempts, one for the check of an endpoint the host creates
 * ({@link WebhookService#create}), so that neither use can take the other's threads.
 *
 * <h2>Why threads</h2>
 * Java 17 has no way to bound {@link InetAddress#getAllByName}, nor to replace its resolver, and a resolver that does
 * not answer can hold the calling thread for as long as the system's resolver configuration lets it (or longer: a
 * hanging name service). Run on a delivery thread, that held the delivery far past its HTTP timeouts. So the lookup
 * runs on a thread of this class and the caller waits for it up to its timeout; a lookup that does not end by then is
 * no answer from the endpoint, as a connect timeout is ({@link NoAnswerException}), and its thread is left to end
 * when the resolver returns (an interrupt does not stop the system resolver). An address literal needs no lookup: it
 * is parsed on the caller's thread, and never waits for a thread that a resolver which hangs holds.
 *
 * <h2>Bounds</h2>
 * At most {@code threads} lookups run at once, each on a daemon thread named by the lookup
 * ({@code loyalty-webhook-lookup-<n>} for attempts, {@code loyalty-webhook-check-<n>} for endpoint checks), made when
 * needed and ended after 30 s idle; at most {@code waiting} more wait for a thread ({@code threads} unless the
 * constructor says otherwise). A lookup that finds every thread busy and every waiting place taken is refused at once.
 * So a resolver that hangs holds at most {@code threads} threads,
 * however many lookups are asked of it. A waiting lookup whose caller gave up stays in its place until a thread takes
 * it and drops it at once: while every thread hangs, the places of those that waited fill, and the next lookups are
 * refused without waiting for the timeout again. A lookup refused, or still waiting for a thread at its timeout, was
 * never made ({@link NoThreadException}): that is no answer from its host, whose lookup may well answer at once, but
 * a sign that other hosts' lookups hold the threads; the caller must not count it against the host.
 *
 * <h2>Interrupts</h2>
 * {@link #resolve} gives up at an interrupt of its caller (a dispatch round cancelling its calls);
 * {@link #resolveHoldingInterrupt} waits out its timeout regardless and sets the interrupt status again before it
 * returns, for a host's call, which, as the engine's other operations, does not end at an interrupt.
 *
 * <p>Thread-safe.
 */
final class HostLookup implements AutoCloseable {
  /** How long an idle lookup thread lives. */
  private static final long IDLE_SECONDS = 30;

  /** Resolves a host name or literal to its addresses: the system's resolver, or a test's. Thread-safe. */
  @FunctionalInterface
  interface Resolver {
    /**
     * The host's addresses.
     *
     * @throws UnknownHostException if the host does not resolve
     */
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  /**
   * No answer from the lookup: it ran and did not end within its timeout, this lookup is closed, or the caller was
   * interrupted. The message says which, and never names the host. Immutable.
   */
  static final class NoAnswerException extends Exception {
    private static final long serialVersionUID = 1L;

    NoAnswerException(String reason) {
      // No stack: an expected outcome, made once per attempt to an endpoint whose lookup hangs.
      super(reason, null, false, false);
    }
  }

  /**
   * No lookup was made: no thread took it, whether every thread was held and as many lookups waited, or it waited
   * for a thread until its timeout. Says nothing of the host, whose lookup never began: the threads are most likely
   * held by other hosts' lookups that hang. The message never names the host. Immutable.
   */
  static final class NoThreadException extends Exception {
    private static final long serialVersionUID = 1L;

    NoThreadException(String reason) {
      // No stack: an expected outcome, made once per attempt while a resolver that hangs holds the threads.
      super(reason, null, false, false);
    }
  }

  private final Resolver resolver;
  private final ThreadPoolExecutor executor;

  /**
   * Creates the lookup of webhook attempts; its threads ({@code loyalty-webhook-lookup-<n>}) are made when needed.
   *
   * @param resolver the resolver to run
   * @param threads lookups run at once at most, and lookups waiting for a thread at most, 1 or more
   */
  HostLookup(Resolver resolver, int threads) {
    this(resolver, threads, threads, "loyalty-webhook-lookup-");
  }

  /**
   * Creates a lookup; its threads are made when needed.
   *
   * @param resolver the resolver to run
   * @param threads lookups run at once at most, 1 or more
   * @param waiting lookups waiting for a thread at most, 1 or more
   * @param threadName the name of its threads, to which each one's number is appended
   */
  HostLookup(Resolver resolver, int threads, int waiting, String threadName) {
    this.resolver = Objects.requireNonNull(resolver, "resolver");
    Objects.requireNonNull(threadName, "threadName");
    AtomicInteger made = new AtomicInteger();
    this.executor = new ThreadPoolExecutor(threads, threads, IDLE_SECONDS, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(waiting), r -> {
          Thread t = new Thread(r, threadName + made.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    // An engine that posts no webhook, or only to ALLOW_ALL, keeps no lookup thread.
    executor.allowCoreThreadTimeOut(true);
  }

  /**
   * The addresses of {@code host}, looked up within {@code timeout}; an address literal's, parsed at once. Blocks for
   * at most the timeout.
   *
   * @param host a host name or address literal (an IPv6 literal with or without brackets)
   * @param timeout the longest to wait
   * @return the host's addresses
   * @throws UnknownHostException if the host does not resolve
   * @throws NoAnswerException if the lookup ran and did not end in time, this lookup is closed, or the caller was
   *     interrupted (whose interrupt status is then kept)
   * @throws NoThreadException if no thread took the lookup: every one was held and as many lookups waited, or it
   *     still waited for one at the timeout
   */
  InetAddress[] resolve(String host, Duration timeout)
      throws UnknownHostException, NoAnswerException, NoThreadException {
    return resolve(host, timeout, true);
  }

  /**
   * As {@link #resolve}, but an interrupt of the caller does not end the wait: it still waits up to the timeout, and
   * its interrupt status is set again before it returns or throws.
   *
   * @param host a host name or address literal (an IPv6 literal with or without brackets)
   * @param timeout the longest to wait
   * @return the host's addresses
   * @throws UnknownHostException if the host does not resolve
   * @throws NoAnswerException if the lookup ran and did not end in time, or this lookup is closed
   * @throws NoThreadException if no thread took the lookup: every one was held and every waiting place taken, or it
   *     still waited for one at the timeout
   */
  InetAddress[] resolveHoldingInterrupt(String host, Duration timeout)
      throws UnknownHostException, NoAnswerException, NoThreadException {
    return resolve(host, timeout, false);
  }

  /** Whether {@link #close()} was called: every lookup since gets no answer. */
  boolean closed() {
    return executor.isShutdown();
  }

  private InetAddress[] resolve(String host, Duration timeout, boolean heedInterrupt)
      throws UnknownHostException, NoAnswerException, NoThreadException {
    Objects.requireNonNull(host, "host");
    InetAddress[] literal = literal(host);
    if (literal != null) {
      // No lookup to bound: the address is the host's text, so it waits for no thread a hanging resolver holds.
      return literal;
    }
    // Before the lookup is handed over, so that nothing thrown here leaves it to a thread with no caller waiting.
    long nanos = nanos(timeout);
    // Set once: by the thread that takes the lookup, before the resolver, or by a caller that gave up before that,
    // whose lookup then never reaches the resolver.
    AtomicBoolean taken = new AtomicBoolean();
    FutureTask<InetAddress[]> lookup = new FutureTask<>(() -> taken.compareAndSet(false, true)
        ? resolver.resolve(host) : null);
    try {
      executor.execute(lookup);
    } catch (RejectedExecutionException e) {
      if (executor.isShutdown()) {
        throw new NoAnswerException("the webhook deliverer is closed");
      }
      throw new NoThreadException("no thread free to look up the endpoint's host");
    } catch (OutOfMemoryError e) {
      // No thread could be made (a JVM at its thread limit): no lookup, and the endpoint is tried again later.
      throw new NoThreadException("no thread free to look up the endpoint's host");
    }
    // Compared by difference, which stays right when the sum wraps (a timeout near the longest).
    long deadline = System.nanoTime() + nanos;
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return lookup.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          if (heedInterrupt) {
            lookup.cancel(true);
            Thread.currentThread().interrupt();
            throw new NoAnswerException("interrupted");
          }
          // Held back until the wait ends, which the timeout bounds anyway.
          interrupted = true;
        }
      }
    } catch (TimeoutException e) {
      if (taken.compareAndSet(false, true)) {
        // Still waiting for a thread: never made, and the thread that takes it drops it.
        lookup.cancel(false);
        throw new NoThreadException("no thread free to look up the endpoint's host in time");
      }
      lookup.cancel(true);
      throw new NoAnswerException("the endpoint's host lookup timed out");
    } catch (CancellationException e) {
      // Cancelled by close() (shutdownNow drops the waiting lookups, which then never end otherwise).
      throw new NoAnswerException("the webhook deliverer is closed");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof UnknownHostException unknown) {
        throw unknown;
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException("host lookup failed", cause);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** {@code timeout} in nanoseconds: 0 if negative, the longest a long holds if it holds no more (292 years). */
  private static long nanos(Duration timeout) {
    if (timeout.isNegative()) {
      return 0;
    }
    try {
      return timeout.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * The address an IPv6 literal (with or without brackets) or an IPv4 dotted quad names, parsed on the calling thread
   * with no lookup; null for anything else, which the resolver is asked for.
   *
   * @throws UnknownHostException if {@code host} is an IPv6 literal that does not parse
   */
  static InetAddress[] literal(String host) throws UnknownHostException {
    String bare = host.length() > 2 && host.charAt(0) == '[' && host.charAt(host.length() - 1) == ']'
        ? host.substring(1, host.length() - 1) : host;
    if (bare.indexOf(':') >= 0) {
      // In brackets, InetAddress parses an IPv6 literal or refuses it: it never looks a bracketed host up.
      return InetAddress.getAllByName("[" + bare + "]");
    }
    byte[] quad = dottedQuad(bare);
    return quad == null ? null : new InetAddress[] {InetAddress.getByAddress(quad)};
  }

  /** The four bytes of {@code a.b.c.d}, each part 0..255 in decimal without leading zeros; null for anything else. */
  private static byte[] dottedQuad(String host) {
    String[] parts = host.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] bytes = new byte[4];
    for (int i = 0; i < 4; i++) {
      String part = parts[i];
      if (part.isEmpty() || part.length() > 3 || part.length() > 1 && part.charAt(0) == '0') {
        return null;
      }
      int value = 0;
      for (int k = 0; k < part.length(); k++) {
        char c = part.charAt(k);
        if (c < '0' || c > '9') {
          return null;
        }
        value = value * 10 + (c - '0');
      }
      if (value > 255) {
        return null;
      }
      bytes[i] = (byte) value;
    }
    return bytes;
  }

  /**
   * Stops the lookup threads (a thread inside the system resolver ends when it returns) and cancels the lookups
   * waiting for one; later lookups get no answer. Idempotent; never waits.
   */
  @Override
  public void close() {
    for (Runnable waiting : executor.shutdownNow()) {
      ((FutureTask<?>) waiting).cancel(false);
    }
  }
}
