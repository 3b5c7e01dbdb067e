package io.loyaltyengine.core.webhook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link HostLookup} bounds each lookup of an endpoint's host by a timeout and the threads lookups hold, whatever the
 * resolver does: a resolver that hangs makes a lookup end at its bound with no answer, and hangs at most the lookup's
 * threads; once those are held and as many lookups wait, the next is refused at once, with no answer too. The
 * resolver is the test's own ({@link HangingResolver}), never DNS: nothing here uses the network.
 *
 * <p>Nothing measures time. A lookup that must wait for a thread until its bound waits 100 ms (the shortest connect
 * timeout); one that must end at its bound with no answer, taken by a thread first, waits 500 ms, long enough for a
 * thread made for it to start on a busy machine. The lookups that must hold the threads wait for a resolver the test
 * releases, and the test sees them inside it through a latch rather than by waiting.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class HostLookupTest {
  private static final Duration BOUND = Duration.ofMillis(100);
  /**
   * The bound of a lookup that a thread must take before it ends, with no answer: 100 ms was not always enough for a
   * thread made for it to start and take it on a loaded machine, and the lookup was then refused for want of a thread.
   */
  private static final Duration TAKEN_BOUND = Duration.ofMillis(500);
  /** Far longer than any lookup here takes once its resolver answers: a bound on a hang, not on speed. */
  private static final Duration LONG = Duration.ofSeconds(30);
  private static final InetAddress[] PUBLIC = {address(93, 184, 215, 14)};

  private final List<HostLookup> lookups = new ArrayList<>();
  private final List<HangingResolver> resolvers = new ArrayList<>();
  private final ExecutorService callers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "lookup-caller");
    t.setDaemon(true);
    return t;
  });

  @AfterEach
  void tearDown() {
    resolvers.forEach(HangingResolver::release);
    lookups.forEach(HostLookup::close);
    callers.shutdownNow();
  }

  @Test
  void aLookupAnswersWithTheResolversAddressesAndAHostThatDoesNotResolveSaysSo() throws Exception {
    HostLookup lookup = lookup(host -> {
      if (host.equals("missing.example.com")) {
        throw new UnknownHostException(host);
      }
      return PUBLIC.clone();
    }, 2);
    assertArrayEquals(PUBLIC, lookup.resolve("hooks.example.com", LONG));
    assertThrows(UnknownHostException.class, () -> lookup.resolve("missing.example.com", LONG));
  }

  /**
   * A timeout longer than a long counts in nanoseconds (about 292 years) is a wait with no practical bound, not a
   * failure: it threw ArithmeticException, and only after the lookup had been handed to a thread.
   */
  @Test
  void aTimeoutBeyondTheNanosecondRangeIsAWaitWithNoPracticalBound() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    HostLookup lookup = lookup(host -> {
      calls.incrementAndGet();
      return PUBLIC.clone();
    }, 1);
    Duration forever = Duration.ofSeconds(Long.MAX_VALUE);
    assertArrayEquals(PUBLIC, lookup.resolve("hooks.example.com", forever));
    assertArrayEquals(PUBLIC, lookup.resolveHoldingInterrupt("hooks.example.com", forever));
    assertEquals(2, calls.get());
  }

  @Test
  void aLookupWhoseResolverHangsEndsAtItsBoundWithNoAnswerWhileTheResolverStillHangs() {
    HangingResolver resolver = hanging();
    HostLookup lookup = lookup(resolver, 2);

    HostLookup.NoAnswerException e = assertThrows(HostLookup.NoAnswerException.class,
        () -> lookup.resolve("hangs.example.com", TAKEN_BOUND));
    assertEquals("the endpoint's host lookup timed out", e.getMessage());
    assertEquals(0, resolver.returned.get(), "the lookup ended before its resolver returned, which it does only "
        + "once the test releases it");
  }

  @Test
  void hungLookupsHoldAtMostTheLookupsThreadsAndOnceAsManyWaitTheRestAreRefusedAtOnce() throws Exception {
    HangingResolver resolver = hanging();
    HostLookup lookup = lookup(resolver, 2);
    // Both threads held: two callers inside the resolver, for as long as the test wants.
    List<Future<InetAddress[]>> held = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      held.add(callers.submit(() -> lookup.resolve("hangs.example.com", LONG)));
    }
    assertTrue(resolver.awaitInside(2), "both threads entered the resolver");

    // Two more wait for a thread, each until its bound; after them, every lookup is refused without waiting. None of
    // them was made: no thread, which says nothing of their host (not NoAnswerException, the host's own).
    List<String> outcomes = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      HostLookup.NoThreadException e = assertThrows(HostLookup.NoThreadException.class,
          () -> lookup.resolve("other.example.com", BOUND));
      outcomes.add(e.getMessage());
    }
    List<String> expected = new ArrayList<>(List.of("no thread free to look up the endpoint's host in time",
        "no thread free to look up the endpoint's host in time"));
    while (expected.size() < 20) {
      expected.add("no thread free to look up the endpoint's host");
    }
    assertEquals(expected, outcomes);
    assertEquals(2, resolver.calls.get(), "only the two lookups on the lookup's threads reached the resolver");
    assertEquals(2, resolver.threads.size());
    for (Thread t : resolver.threads) {
      assertTrue(t.getName().startsWith("loyalty-webhook-lookup-"), t.getName());
      assertTrue(t.isDaemon(), "a hung lookup never keeps the JVM alive: " + t.getName());
    }

    // The resolver answers again: the held lookups get its addresses, and the threads serve lookups again.
    resolver.release();
    for (Future<InetAddress[]> f : held) {
      assertArrayEquals(PUBLIC, f.get(LONG.toSeconds(), TimeUnit.SECONDS));
    }
    assertArrayEquals(PUBLIC, resolveOnceAThreadIsFree(lookup));
    assertEquals(2, resolver.threads.size(), "no thread was made beyond the two: " + resolver.threads);
  }

  /**
   * An address literal needs no lookup: it is parsed on the caller's thread, never reaching the resolver nor waiting
   * for a thread, so an endpoint at an address is checked at once while a resolver that hangs holds every lookup
   * thread and every waiting place. Sent to the pool, it was refused (no thread free): no answer, and its endpoint
   * paused for another host's resolver. An IPv6 literal that does not parse does not resolve, as before.
   */
  @Test
  void anAddressLiteralIsParsedOnTheCallersThreadWhileEveryLookupThreadHangs() throws Exception {
    HangingResolver resolver = hanging();
    HostLookup lookup = lookup(resolver, 1);
    Future<InetAddress[]> held = callers.submit(() -> lookup.resolve("hangs.example.com", LONG));
    assertTrue(resolver.awaitInside(1), "the thread entered the resolver");
    assertThrows(HostLookup.NoThreadException.class, () -> lookup.resolve("waits.example.com", BOUND));
    assertEquals("no thread free to look up the endpoint's host", assertThrows(HostLookup.NoThreadException.class,
        () -> lookup.resolve("other.example.com", BOUND)).getMessage(), "every thread and waiting place taken");

    assertArrayEquals(PUBLIC, lookup.resolve("93.184.215.14", BOUND));
    assertArrayEquals(new InetAddress[] {address(10, 0, 0, 1)}, lookup.resolve("10.0.0.1", BOUND));
    InetAddress v6 = InetAddress.getByAddress(new byte[] {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 1});
    assertArrayEquals(new InetAddress[] {v6}, lookup.resolve("[2001:db8::1]", BOUND), "as URI.getHost gives it");
    assertArrayEquals(new InetAddress[] {v6}, lookup.resolve("2001:db8::1", BOUND));
    assertArrayEquals(new InetAddress[] {address(10, 0, 0, 2)}, lookup.resolve("[::ffff:10.0.0.2]", BOUND));
    assertThrows(UnknownHostException.class, () -> lookup.resolve("[2001:db8::zz]", BOUND));
    assertEquals(1, resolver.calls.get(), "no literal reached the resolver");

    resolver.release();
    assertArrayEquals(PUBLIC, held.get(LONG.toSeconds(), TimeUnit.SECONDS));
  }

  @Test
  void anInterruptedCallerGetsNoAnswerAndKeepsItsInterrupt() {
    HostLookup lookup = lookup(hanging(), 2);
    Thread.currentThread().interrupt();
    HostLookup.NoAnswerException e = assertThrows(HostLookup.NoAnswerException.class,
        () -> lookup.resolve("hangs.example.com", LONG));
    assertTrue(Thread.interrupted(), "the interrupt is kept");
    assertEquals("interrupted", e.getMessage());
  }

  /**
   * A host's call ({@code resolveHoldingInterrupt}: the check of an endpoint the host creates) does not end at an
   * interrupt, given before it starts or while it waits: it gets the resolver's answer, and its interrupt status is
   * set when it returns. Bounded all the same: with a resolver that hangs it ends at its bound, interrupt kept.
   */
  @Test
  void aHostsCallWaitsThroughAnInterruptAndKeepsIt() throws Exception {
    HangingResolver resolver = hanging();
    HostLookup lookup = lookup(resolver, 1);
    AtomicReference<Object> outcome = new AtomicReference<>();
    AtomicBoolean kept = new AtomicBoolean();
    Thread caller = new Thread(() -> {
      Thread.currentThread().interrupt();
      try {
        outcome.set(lookup.resolveHoldingInterrupt("hooks.example.com", LONG));
      } catch (Exception e) {
        outcome.set(e);
      } finally {
        kept.set(Thread.interrupted());
      }
    }, "host-caller");
    caller.setDaemon(true);
    caller.start();
    assertTrue(resolver.awaitInside(1), "the lookup reached the resolver");
    caller.interrupt();
    resolver.release();
    caller.join(LONG.toMillis());
    assertFalse(caller.isAlive(), "the call never returned");
    assertArrayEquals(PUBLIC, assertInstanceOf(InetAddress[].class, outcome.get()), String.valueOf(outcome.get()));
    assertTrue(kept.get(), "the interrupt is kept");

    HostLookup hangs = lookup(hanging(), 1);
    Thread.currentThread().interrupt();
    HostLookup.NoAnswerException e = assertThrows(HostLookup.NoAnswerException.class,
        () -> hangs.resolveHoldingInterrupt("hangs.example.com", TAKEN_BOUND));
    assertTrue(Thread.interrupted(), "the interrupt is kept");
    assertEquals("the endpoint's host lookup timed out", e.getMessage());
  }

  /**
   * A lookup's threads bear the name it was given, and it has the waiting places it was given: here one thread and
   * three places, so while the thread hangs three lookups wait (each to its bound) and the next is refused at once.
   */
  @Test
  void aLookupHasTheThreadNameAndWaitingPlacesItWasGiven() throws Exception {
    HangingResolver resolver = hanging();
    HostLookup lookup = new HostLookup(resolver, 1, 3, "loyalty-webhook-check-");
    lookups.add(lookup);
    Future<InetAddress[]> held = callers.submit(() -> lookup.resolve("hangs.example.com", LONG));
    assertTrue(resolver.awaitInside(1), "the thread entered the resolver");
    List<String> outcomes = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      outcomes.add(assertThrows(HostLookup.NoThreadException.class,
          () -> lookup.resolve("other.example.com", BOUND)).getMessage());
    }
    String waited = "no thread free to look up the endpoint's host in time";
    String refused = "no thread free to look up the endpoint's host";
    assertEquals(List.of(waited, waited, waited, refused, refused), outcomes);
    assertEquals(1, resolver.threads.size());
    for (Thread t : resolver.threads) {
      assertEquals("loyalty-webhook-check-1", t.getName());
      assertTrue(t.isDaemon(), t.getName());
    }
    assertFalse(lookup.closed());
    resolver.release();
    assertArrayEquals(PUBLIC, held.get(LONG.toSeconds(), TimeUnit.SECONDS));
    lookup.close();
    assertTrue(lookup.closed());
  }

  @Test
  void aClosedLookupAnswersNothingAndNoLongerCallsTheResolver() {
    HangingResolver resolver = hanging();
    HostLookup lookup = lookup(resolver, 2);
    lookup.close();
    lookup.close();
    assertThrows(HostLookup.NoAnswerException.class, () -> lookup.resolve("hooks.example.com", LONG));
    assertEquals(0, resolver.calls.get());
  }

  /** The close ends an idle lookup thread at once, rather than after its 30 s idle. */
  @Test
  void theCloseEndsTheLookupThreads() throws Exception {
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    HostLookup lookup = lookup(host -> {
      threads.add(Thread.currentThread());
      return PUBLIC.clone();
    }, 2);
    assertArrayEquals(PUBLIC, lookup.resolve("hooks.example.com", LONG));
    assertEquals(1, threads.size());
    lookup.close();
    for (Thread t : threads) {
      t.join(LONG.toMillis());
      assertFalse(t.isAlive(), t.getName());
    }
  }

  /**
   * A lookup once a thread drops the lookups that timed out while it was held: it takes them off the queue, as it
   * would a lookup, only after the resolver returned, and is refused until then.
   */
  private static InetAddress[] resolveOnceAThreadIsFree(HostLookup lookup) throws Exception {
    long deadline = System.nanoTime() + LONG.toNanos();
    while (true) {
      try {
        return lookup.resolve("hooks.example.com", LONG);
      } catch (HostLookup.NoAnswerException e) {
        if (System.nanoTime() > deadline) {
          fail("the lookup's threads never took a lookup again: " + e.getMessage());
        }
        Thread.onSpinWait();
      }
    }
  }

  private HostLookup lookup(HostLookup.Resolver resolver, int threads) {
    HostLookup lookup = new HostLookup(resolver, threads);
    lookups.add(lookup);
    return lookup;
  }

  private HangingResolver hanging() {
    HangingResolver resolver = new HangingResolver();
    resolvers.add(resolver);
    return resolver;
  }

  /**
   * A resolver that hangs until released (at most {@link #LONG}, so a failing test leaves no thread for good), then
   * answers {@link #PUBLIC}; it counts its calls and the threads they came on. Thread-safe.
   */
  private static final class HangingResolver implements HostLookup.Resolver {
    final CountDownLatch released = new CountDownLatch(1);
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger returned = new AtomicInteger();
    final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final Semaphore inside = new Semaphore(0);

    @Override
    public InetAddress[] resolve(String host) {
      calls.incrementAndGet();
      threads.add(Thread.currentThread());
      inside.release();
      long deadline = System.nanoTime() + LONG.toNanos();
      boolean interrupted = false;
      // As the system resolver, which does not heed an interrupt: on until released.
      while (released.getCount() > 0 && System.nanoTime() < deadline) {
        try {
          released.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      returned.incrementAndGet();
      return PUBLIC.clone();
    }

    /** Whether {@code n} calls have entered, waiting for them up to {@link #LONG}. */
    boolean awaitInside(int n) throws InterruptedException {
      return inside.tryAcquire(n, LONG.toSeconds(), TimeUnit.SECONDS);
    }

    void release() {
      released.countDown();
    }
  }

  private static InetAddress address(int a, int b, int c, int d) {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
