package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.webhooks.NewWebhookEndpoint;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.io.IOException;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@code LoyaltyEngine.close()} leaves of event dispatch: the background dispatcher's thread, its webhook
 * delivery pool's ({@code loyalty-webhook-delivery-<n>}), the threads that look up endpoints' hosts
 * ({@code loyalty-webhook-lookup-<n>} for attempts, {@code loyalty-webhook-check-<n>} for the check of a new
 * endpoint) and the threads of the JDK {@code HttpClient} that posts webhooks (named
 * {@code HttpClient-<n>-SelectorManager} and {@code HttpClient-<n>-Worker-<k>}), and how long a
 * delivery in progress holds the close. On the in-memory store with background dispatch; what becomes of the
 * delivery is {@code EngineCloseTestBase}'s (engine-jdbc), on each store.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class DispatcherCloseTest {
  private static final String HOOK = "/hook";
  private static final String DISPATCHER_THREAD = "loyalty-event-dispatcher";
  private static final String HTTP_CLIENT_THREADS = "HttpClient-";
  private static final String DELIVERY_THREADS = "loyalty-webhook-delivery-";
  private static final String LOOKUP_THREADS = "loyalty-webhook-lookup-";
  private static final String CHECK_THREADS = "loyalty-webhook-check-";

  private final List<LoyaltyEngine> engines = new ArrayList<>();
  private Set<Thread> threadsBefore;
  private WebhookReceiver receiver;

  @BeforeEach
  void start() throws IOException {
    threadsBefore = new HashSet<>(Thread.getAllStackTraces().keySet());
    receiver = WebhookReceiver.start();
  }

  @AfterEach
  void stop() {
    try {
      engines.forEach(LoyaltyEngine::close);
    } finally {
      receiver.close();
    }
  }

  @Test
  void anEngineThatPostsNoWebhookStartsNoHttpClient() throws Exception {
    CountDownLatch listened = new CountDownLatch(1);
    LoyaltyEngine engine = engine(Duration.ofSeconds(60), WebhookSettings.DEFAULTS, event -> listened.countDown());
    enrol(engine, false);
    assertTrue(listened.await(30, TimeUnit.SECONDS), "a dispatch round delivered the event to the listener");
    assertEquals(List.of(), names(newThreads(HTTP_CLIENT_THREADS, DELIVERY_THREADS, LOOKUP_THREADS, CHECK_THREADS)));
    engine.close();
    assertEquals(List.of(), names(newThreads(DISPATCHER_THREAD)), "the close joined the dispatcher's thread");
  }

  /**
   * The close releases the webhook client even while the host keeps the closed engine (a field of a bean, say): on
   * Java 21 and later it shuts the client down; on Java 17, which has no way to, it drops its only reference, and
   * the client's selector thread ends (and with it the client's worker threads) within seconds of the client being
   * collected. Kept by the closed engine, it lived as long as the engine. The receiver's host is an address, which
   * needs no lookup: no lookup thread is made (those of a host name end at the close too, {@code HostLookupTest}
   * and {@code EndpointHostCheckTest}).
   */
  @Test
  void closeLetsTheWebhookClientsThreadsEndWhileTheHostStillHoldsTheEngine() throws Exception {
    LoyaltyEngine engine = engine(Duration.ofSeconds(60), loopback(Duration.ofSeconds(2), Duration.ofSeconds(5)),
        event -> { });
    CountDownLatch answered = new CountDownLatch(1);
    receiver.always(HOOK, (request, exchange) -> {
      exchange.sendResponseHeaders(200, -1);
      answered.countDown();
    });
    enrol(engine, true);
    assertTrue(answered.await(30, TimeUnit.SECONDS), "the event was posted");
    assertEquals(1, receiver.requests(HOOK).size(), "once");
    assertFalse(newThreads(HTTP_CLIENT_THREADS).isEmpty(), "posted by the engine's HTTP client");
    assertFalse(newThreads(DELIVERY_THREADS).isEmpty(), "on a thread of the dispatcher's delivery pool");
    assertEquals(List.of(), names(newThreads(LOOKUP_THREADS, CHECK_THREADS)),
        "an address (127.0.0.1) needs no lookup thread, neither to check the endpoint nor to post to it");

    engine.close();
    List<Thread> left = newThreads(HTTP_CLIENT_THREADS, DISPATCHER_THREAD, DELIVERY_THREADS, LOOKUP_THREADS,
        CHECK_THREADS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      // On Java 17 the client's threads end only once it is collected: collect, then wait for one to end.
      System.gc();
      left.get(0).join(100);
      left.removeIf(t -> !t.isAlive());
    }
    assertEquals(List.of(), names(left), "the closed engine's threads ended");
    Reference.reachabilityFence(engine);
  }

  /**
   * An endpoint that accepts the request and never answers holds the close for the request timeout at most: the
   * delivery in progress ends with it (the engine requires a lease of at least twice the connect and request
   * timeouts, and the close waits at most twice the lease), and the dispatcher's thread has ended when close returns.
   */
  @Test
  void anEndpointThatNeverAnswersHoldsTheCloseNoLongerThanTheRequestTimeout() throws Exception {
    // A long lease: a close that waited for it, not for the request timeout, would take 10 s or more.
    Duration lease = Duration.ofSeconds(10);
    LoyaltyEngine engine = engine(lease, loopback(Duration.ofSeconds(1), Duration.ofSeconds(1)), event -> { });
    CountDownLatch arrived = new CountDownLatch(1);
    receiver.always(HOOK, receiver.blockUntil(arrived, new CountDownLatch(1)));
    enrol(engine, true);
    assertTrue(arrived.await(30, TimeUnit.SECONDS), "the event was posted");

    long start = System.nanoTime();
    engine.close();
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertTrue(took.compareTo(lease) < 0, "the close took " + took + ", about the request timeout (1 s) at most");
    assertEquals(List.of(), names(newThreads(DISPATCHER_THREAD)), "the close joined the dispatcher's thread");
  }

  /**
   * A listener that does not return holds the close for twice the lease, then the close goes on without it; the
   * dispatcher's thread ends once the listener returns.
   */
  @Test
  void aListenerThatDoesNotReturnHoldsTheCloseForTwiceTheLeaseAtMost() throws Exception {
    Duration lease = Duration.ofSeconds(1);
    CountDownLatch called = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    LoyaltyEngine engine = engine(lease, loopback(Duration.ofMillis(100), Duration.ofMillis(100)), event -> {
      called.countDown();
      while (true) {
        try {
          release.await();
          return;
        } catch (InterruptedException e) {
          // A listener that ignores interrupts.
        }
      }
    });
    enrol(engine, false);
    assertTrue(called.await(30, TimeUnit.SECONDS), "the listener was called");

    long start = System.nanoTime();
    engine.close();
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertTrue(took.compareTo(lease) >= 0, "the close waited for the listener: " + took);
    // Twice the lease, with room for a loaded machine: without a bound the close would wait for the listener.
    assertTrue(took.compareTo(lease.multipliedBy(2).plusSeconds(8)) < 0, "and then went on: " + took);
    List<Thread> dispatcher = newThreads(DISPATCHER_THREAD);
    assertEquals(List.of(DISPATCHER_THREAD), names(dispatcher), "still in the listener");
    release.countDown();
    dispatcher.get(0).join(TimeUnit.SECONDS.toMillis(30));
    assertFalse(dispatcher.get(0).isAlive(), "the dispatcher's thread ended once the listener returned");
  }

  private LoyaltyEngine engine(Duration lease, WebhookSettings webhooks, Consumer<Object> listener) {
    LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(new InMemoryStorage())
        .events(EventSettings.builder().pollInterval(Duration.ofMillis(10)).lease(lease).build())
        .webhooks(webhooks)
        .listener("test", EventFilter.types(EventType.PARTICIPANT_CREATED), listener::accept)
        .build();
    engines.add(engine);
    return engine;
  }

  private static WebhookSettings loopback(Duration connect, Duration request) {
    return WebhookSettings.DEFAULTS.withAddressPolicy(WebhookAddressPolicy.ALLOW_LOOPBACK)
        .withTimeouts(connect, request);
  }

  /** A participant's enrolment, an event for the listener and, with {@code webhook}, for an endpoint at HOOK. */
  private void enrol(LoyaltyEngine engine, boolean webhook) {
    TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business("Closing")).id());
    Campaign campaign = scope.campaigns().create(NewCampaign.running(
        scope.brands().create(new NewBrand("Shop", "shop.example.com")).id(), "Points"));
    if (webhook) {
      scope.webhooks().create(new NewWebhookEndpoint(receiver.url(HOOK),
          EventFilter.types(EventType.PARTICIPANT_CREATED)));
    }
    scope.participants().create(campaign.id(), NewParticipant.withEmail("ada@example.com"));
  }

  /**
   * The live threads started since the test began whose names start with one of {@code prefixes}, leaving out those
   * of an HTTP client that had threads then (an earlier test's client on its way out may still start a worker).
   */
  private List<Thread> newThreads(String... prefixes) {
    Set<String> earlierClients = new HashSet<>();
    for (Thread t : threadsBefore) {
      earlierClients.add(httpClient(t));
    }
    List<Thread> found = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (!threadsBefore.contains(t) && t.isAlive()
          && (httpClient(t) == null || !earlierClients.contains(httpClient(t)))) {
        for (String prefix : prefixes) {
          if (t.getName().startsWith(prefix)) {
            found.add(t);
            break;
          }
        }
      }
    }
    return found;
  }

  /** {@code HttpClient-<n>} for a thread of that client, else null. */
  private static String httpClient(Thread t) {
    String name = t.getName();
    int end = name.indexOf('-', HTTP_CLIENT_THREADS.length());
    return name.startsWith(HTTP_CLIENT_THREADS) && end > 0 ? name.substring(0, end) : null;
  }

  private static List<String> names(List<Thread> threads) {
    return threads.stream().map(Thread::getName).sorted().toList();
  }
}
