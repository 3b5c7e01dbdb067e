package io.loyaltyengine.core.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.core.internal.EnginesWithDeliverer;
import io.loyaltyengine.core.spi.ClaimedDelivery;
import io.loyaltyengine.core.spi.DeliveryRecord;
import io.loyaltyengine.core.spi.WebhookEndpointRecord;
import io.loyaltyengine.events.DispatchReport;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.InMemoryStorage;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.WebhookReceiver;
import io.loyaltyengine.webhooks.NewWebhookEndpoint;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher's handling of a webhook attempt that finds no thread free to look up its endpoint's host
 * ({@link WebhookAttempt.Result#DEFERRED}), in an engine: no attempt was made, so the delivery stays PENDING with no
 * attempt counted and no error, the endpoint is not paused, and a later round delivers it once a lookup thread is free
 * (when its lease has run out, as the dispatcher leaves it). {@code WebhookDelivererTest} shows when the deliverer
 * defers; this is what the round does with it. Through the public API, on the in-memory store with manual dispatch and
 * a settable clock, an engine whose deliverer looks hosts up with the test's resolver ({@link TestResolver}) and a
 * {@link WebhookReceiver} on 127.0.0.1. The endpoint whose delivery is deferred is at {@code localhost}: the test's
 * resolver answers for the engine's address check, and the JDK's HTTP client, which resolves the name again to
 * connect, finds it in the hosts file. The other endpoint's name is never connected to: its lookup hangs, and once
 * released it resolves to a private address, which the policy refuses. No DNS.
 *
 * <p>One delivery thread, so one lookup thread and one waiting place: an endpoint whose name hangs holds the lookup
 * thread, and the next attempt's lookup waits for it up to the connect timeout (500 ms: long enough that a lookup
 * and a connection to 127.0.0.1 which answer at once are within it on a busy machine) and is deferred. Nothing
 * measures time; the 30 s bounds are on a hang.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class DeferredDispatchTest {
  private static final String HANGS = "/hangs";
  private static final String HEALTHY = "/healthy";
  private static final Duration LEASE = Duration.ofMinutes(1);
  private static final WebhookSettings SETTINGS = WebhookSettings.DEFAULTS
      .withAddressPolicy(WebhookAddressPolicy.ALLOW_LOOPBACK)
      .withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(5))
      .withDeliveryThreads(1);
  /** For the probe of the lookup thread: never sent, its host resolving to a private address the policy refuses. */
  private static final LoyaltyEvent PROBE_EVENT = new LoyaltyEvent("evt_1", EventType.PARTICIPANT_CREATED, 1L, 1L,
      1L, 1, Instant.parse("2025-03-01T10:00:00Z"), 1, 1, "{}");

  private final SettableClock clock = SettableClock.at(Instant.parse("2025-03-01T10:15:30Z"));
  private final InMemoryStorage.Database database = InMemoryStorage.newDatabase();
  private final TestResolver resolver = new TestResolver();
  private final Map<Long, Long> campaigns = new HashMap<>();
  private WebhookReceiver server;
  private WebhookDeliverer deliverer;
  private LoyaltyEngine engine;

  @BeforeEach
  void setUp() throws IOException {
    server = WebhookReceiver.start();
    server.always(HANGS, WebhookReceiver.status(200));
    server.always(HEALTHY, WebhookReceiver.status(200));
    resolver.answer("hangs.example.com", TestResolver.address(127, 0, 0, 1))
        .answer("localhost", TestResolver.address(127, 0, 0, 1))
        .answer("probe.example.com", TestResolver.address(10, 0, 0, 9));
    deliverer = new WebhookDeliverer(SETTINGS, clock, resolver);
    engine = EnginesWithDeliverer.build(database.openStorage(), clock,
        EventSettings.builder().manualDispatch().lease(LEASE).build(), SETTINGS, deliverer);
  }

  @AfterEach
  void tearDown() {
    resolver.release();
    try {
      engine.close();
    } finally {
      server.close();
    }
  }

  @Test
  void aDeferredDeliveryStaysPendingUncountedWithItsEndpointUnpausedAndALaterRoundDeliversIt() throws Exception {
    TenantScope first = tenant("First shop", "http://hangs.example.com:" + server.port() + HANGS);
    TenantScope second = tenant("Second shop", "http://localhost:" + server.port() + HEALTHY);
    String healthy = WebhookService.subscriber(second.webhooks().list().get(0).id());
    String hanging = WebhookService.subscriber(first.webhooks().list().get(0).id());
    resolver.hang("hangs.example.com");

    // The first endpoint's lookup hangs: no answer within the bound, counted, its endpoint paused; the lookup
    // thread stays in the resolver.
    enrol(first, "ada@first.example.com");
    assertEquals(new DispatchReport(1, 0, 1, 0, 0), engine.events().dispatch());
    assertTrue(resolver.awaitInsideHang(1), "the lookup thread hangs in the resolver");

    // The second endpoint's lookup waits for that thread up to the bound: deferred, no request, nothing counted.
    enrol(second, "bob@second.example.com");
    assertEquals(new DispatchReport(1, 0, 0, 0, 0), engine.events().dispatch(), "the deferred one is not counted");
    assertEquals(List.of(), server.requests());
    assertEquals(1, resolver.asked.stream().filter("localhost"::equals).count(),
        "its host was looked up only when the endpoint was created: " + resolver.asked);

    // Once the resolver answers and the lookup thread is free again, the second endpoint takes a new event at once:
    // it was not paused (a paused endpoint's deliveries are not claimed until its pause ends). The deferred delivery
    // is still leased to the round that left it.
    resolver.release();
    awaitALookupThreadFree();
    enrol(second, "cyd@second.example.com");
    assertEquals(new DispatchReport(1, 1, 0, 0, 0), engine.events().dispatch(), "not paused");
    assertEquals(1, server.requests(HEALTHY).size());

    // Once its lease runs out, the deferred delivery is due again with no attempt counted and no error, unlike the
    // first endpoint's, which got no answer.
    clock.advance(LEASE.plusSeconds(1));
    Instant now = clock.instant();
    List<ClaimedDelivery> due = database.openStorage().inTransaction(tx -> tx.deliveries()
        .claim(Set.of(), true, Set.of(), now, "inspector", now.plusSeconds(1), 10));
    Map<String, DeliveryRecord> bySubscriber = new HashMap<>();
    for (ClaimedDelivery c : due) {
      bySubscriber.put(c.delivery().subscriber(), c.delivery());
    }
    assertEquals(Set.of(healthy, hanging), bySubscriber.keySet(), due.toString());
    DeliveryRecord deferred = bySubscriber.get(healthy);
    assertEquals(0, deferred.attempts(), "no attempt counted: " + deferred);
    assertNull(deferred.lastError(), "no error recorded: " + deferred);
    DeliveryRecord unanswered = bySubscriber.get(hanging);
    assertEquals(1, unanswered.attempts(), unanswered.toString());
    assertEquals("the endpoint's host lookup timed out", unanswered.lastError());

    // The deferred delivery goes out; the other endpoint's retry is refused (its name now resolves to a private
    // address) and parked: no request to a name the system's resolver would have to ask DNS for.
    resolver.answer("hangs.example.com", TestResolver.address(10, 0, 0, 8));
    clock.advance(Duration.ofSeconds(2));
    assertEquals(new DispatchReport(0, 1, 0, 1, 0), engine.events().dispatch(), "the deferred one delivered");
    assertEquals(2, server.requests(HEALTHY).size(), "the new event, then the deferred one");
    assertEquals(List.of(), server.requests(HANGS));
    assertEquals(List.of(), second.webhooks().parked(second.webhooks().list().get(0).id(),
        Keyset.first(10)).items());
  }

  /**
   * Waits until the deliverer's one lookup thread takes lookups again: after the resolver returned, it still has to
   * drop the deferred lookup from its waiting place, and until then another lookup is refused at once. Probed with a
   * host that resolves to a private address, which the policy refuses: no request.
   */
  private void awaitALookupThreadFree() {
    WebhookEndpointRecord probe = new WebhookEndpointRecord(1L, 1L, "http://probe.example.com/hook", Set.of(), null,
        true, null, "whsec_probe", null, null, clock.instant(), clock.instant());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      WebhookAttempt attempt = deliverer.deliver(probe, PROBE_EVENT);
      if (attempt.result() == WebhookAttempt.Result.REFUSED) {
        return;
      }
      assertEquals(WebhookAttempt.Result.DEFERRED, attempt.result(), attempt.toString());
      if (System.nanoTime() > deadline) {
        fail("the lookup thread never took a lookup again");
      }
      Thread.onSpinWait();
    }
  }

  /** A tenant with a running campaign and one endpoint at {@code url} for new participants. */
  private TenantScope tenant(String name, String url) {
    TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business(name)).id());
    campaigns.put(scope.tenantId(), scope.campaigns().create(NewCampaign.running(
        scope.brands().create(new NewBrand(name, "https://shop.example.com")).id(), "Points")).id());
    scope.webhooks().create(new NewWebhookEndpoint(url, EventFilter.types(EventType.PARTICIPANT_CREATED)));
    return scope;
  }

  private void enrol(TenantScope scope, String email) {
    scope.participants().create(campaigns.get(scope.tenantId()), NewParticipant.withEmail(email));
  }
}
