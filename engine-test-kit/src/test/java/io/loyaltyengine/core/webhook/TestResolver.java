package io.loyaltyengine.core.webhook;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A host resolver for engine tests, never DNS: each name the test gives answers with its addresses, a name it does
 * not know does not resolve, a name the test makes fail throws the unchecked exception it was given (as the system's
 * resolver throws a SecurityException where a security manager refuses the lookup), and a name the test makes hang
 * holds the calling thread (heeding no interrupt, as the system resolver) until {@link #release()}, 30 s at most so
 * that a failing test leaves no thread for good; it then
 * answers with the name's addresses. Records every name asked and every thread that asked, and lets the test wait,
 * without sleeping, for lookups to be inside the hang.
 *
 * <p>Thread-safe.
 */
final class TestResolver implements HostLookup.Resolver {
  private final Map<String, InetAddress[]> answers = new ConcurrentHashMap<>();
  private final Set<String> hanging = ConcurrentHashMap.newKeySet();
  private final Map<String, RuntimeException> failures = new ConcurrentHashMap<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private final Semaphore inside = new Semaphore(0);
  /** Every name asked, in order. */
  final List<String> asked = new CopyOnWriteArrayList<>();
  /** Every thread that asked. */
  final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  /** Lookups that hung and have returned. */
  final AtomicInteger returnedFromHang = new AtomicInteger();

  /** {@code host} resolves to {@code address}. */
  TestResolver answer(String host, InetAddress address) {
    answers.put(host, new InetAddress[] {address});
    return this;
  }

  /** From now on, a lookup of {@code host} throws {@code failure}. */
  TestResolver fail(String host, RuntimeException failure) {
    failures.put(host, failure);
    return this;
  }

  /** From now on, {@code host} hangs until {@link #release()}. */
  TestResolver hang(String host) {
    hanging.add(host);
    return this;
  }

  /** Ends every hang, now and later. */
  void release() {
    release.countDown();
  }

  /** Waits up to 30 s until {@code lookups} more lookups are inside a hang than were awaited before. */
  boolean awaitInsideHang(int lookups) throws InterruptedException {
    return inside.tryAcquire(lookups, 30, TimeUnit.SECONDS);
  }

  @Override
  public InetAddress[] resolve(String host) throws UnknownHostException {
    asked.add(host);
    threads.add(Thread.currentThread());
    if (hanging.contains(host)) {
      inside.release();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      boolean interrupted = false;
      while (release.getCount() > 0 && System.nanoTime() < deadline) {
        try {
          release.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      returnedFromHang.incrementAndGet();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    RuntimeException failure = failures.get(host);
    if (failure != null) {
      throw failure;
    }
    InetAddress[] addresses = answers.get(host);
    if (addresses == null) {
      throw new UnknownHostException("not a name of this test");
    }
    return addresses.clone();
  }

  /** An address from its bytes. */
  static InetAddress address(int a, int b, int c, int d) {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
