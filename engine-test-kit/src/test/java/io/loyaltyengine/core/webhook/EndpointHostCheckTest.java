package io.loyaltyengine.core.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.core.internal.EnginesWithDeliverer;
import io.loyaltyengine.events.DispatchReport;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.InMemoryStorage;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.webhooks.NewWebhookEndpoint;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import io.loyaltyengine.webhooks.WebhookEndpoint;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The check of an endpoint's URL when the host creates it looks its host up within the connect timeout, on the
 * engine's own endpoint-check threads ({@code loyalty-webhook-check-<n>}, at most {@code deliveryThreads}), not on the
 * host's thread with no bound: a resolver that hangs makes the creation fail with VALIDATION_ERROR on {@code url} once
 * the timeout passes, and changes nothing. Those threads are not the deliveries' lookup threads, so deliveries whose
 * lookups hang do not make the host's creations fail; the engine's close ends them. Through the public API, on an
 * engine built around a deliverer whose resolver is the test's ({@link TestResolver}): no DNS.
 *
 * <p>Nothing measures time: a lookup that must end at its bound waits 500 ms (the connect timeout: short, so that the
 * refusals are quick, and long enough that a lookup which answers at once, on a thread made for it on a busy machine,
 * is within it), and the 20 s and 30 s waits here are bounds on a hang.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class EndpointHostCheckTest {
  private static final InetAddress LOOPBACK = TestResolver.address(127, 0, 0, 1);
  private static final String CHECK_THREADS = "loyalty-webhook-check-";
  /** One thread each for deliveries' lookups and for endpoint checks; a lookup bounded by 500 ms. */
  private static final WebhookSettings SETTINGS = WebhookSettings.DEFAULTS
      .withAddressPolicy(WebhookAddressPolicy.ALLOW_LOOPBACK)
      .withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(5))
      .withDeliveryThreads(1);

  private final SettableClock clock = SettableClock.at(Instant.parse("2025-03-01T10:15:30Z"));
  private final TestResolver resolver = new TestResolver();
  private final List<LoyaltyEngine> engines = new ArrayList<>();
  private final Map<Long, Long> campaigns = new HashMap<>();
  private final ExecutorService callers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "host-caller");
    t.setDaemon(true);
    return t;
  });

  @AfterEach
  void tearDown() {
    resolver.release();
    try {
      engines.forEach(LoyaltyEngine::close);
    } finally {
      callers.shutdownNow();
    }
  }

  /**
   * The host's creation waits for a resolver that hangs no longer than the connect timeout: it is refused while the
   * lookup still hangs, with no host name or URL in the message, stores no endpoint and positions none of the
   * tenant's committed events. Further creations meanwhile are refused too, and the lookups they ask for hold no
   * more than the one endpoint-check thread. It waited, before, for as long as the resolver did.
   */
  @Test
  void aCreationWhoseHostLookupHangsIsRefusedAtTheConnectTimeoutAndChangesNothing() throws Exception {
    resolver.answer("hangs.example.com", LOOPBACK).hang("hangs.example.com");
    LoyaltyEngine engine = engine();
    TenantScope shop = tenant(engine);
    String url = "http://hangs.example.com:8080/hook?token=SEKRIT-TOKEN";

    Future<WebhookEndpoint> creation = callers.submit(() -> shop.webhooks().create(new NewWebhookEndpoint(url,
        null)).endpoint());
    LoyaltyException refused = null;
    try {
      fail("created while its host's lookup hung: " + creation.get(20, TimeUnit.SECONDS));
    } catch (ExecutionException e) {
      refused = assertInstanceOf(LoyaltyException.class, e.getCause());
    } catch (TimeoutException e) {
      fail("the creation still waits for the resolver after 20 s");
    }
    assertEquals(0, resolver.returnedFromHang.get(), "refused while the lookup still hung");
    assertRefused(refused, "url's host did not resolve in time");

    // While the one check thread hangs, later creations wait for it up to the bound and are refused as well.
    for (int i = 0; i < 5; i++) {
      LoyaltyException again = assertThrows(LoyaltyException.class,
          () -> shop.webhooks().create(new NewWebhookEndpoint(url, null)));
      assertRefused(again, "url's host could not be looked up in time: every endpoint-check thread is busy");
    }
    assertEquals(List.of("hangs.example.com"), resolver.asked, "one lookup reached the resolver");
    assertEquals(1, resolver.threads.size(), "on one thread: " + resolver.threads);
    for (Thread t : resolver.threads) {
      assertTrue(t.getName().startsWith(CHECK_THREADS) && t.isDaemon(), t.getName());
    }

    assertEquals(List.of(), shop.webhooks().list(), "no endpoint stored");
    DispatchReport report = engine.events().dispatch();
    assertEquals(1, report.positioned(), "the enrolment was left for the dispatcher to position: " + report);
  }

  /**
   * Deliveries whose host lookups hang hold every delivery lookup thread (one here), and a delivery to another
   * endpoint would find none free; the host's creation of an endpoint is checked on threads of its own and passes.
   * Sharing the deliveries' threads, it was refused for want of a thread, its own host resolving at once.
   */
  @Test
  void deliveriesWhoseLookupsHangDoNotHoldUpTheCheckOfANewEndpoint() throws Exception {
    resolver.answer("hangs.example.com", LOOPBACK).answer("healthy.example.com", LOOPBACK);
    LoyaltyEngine engine = engine();
    TenantScope shop = tenant(engine);
    shop.webhooks().create(new NewWebhookEndpoint("http://hangs.example.com:9/hook", null));
    resolver.hang("hangs.example.com");
    enrol(shop, "ada@example.com");

    DispatchReport round = engine.events().dispatch();
    assertEquals(1, round.retried(), "the lookup gave no answer within the bound: " + round);
    assertTrue(resolver.awaitInsideHang(1), "the delivery's lookup thread hangs in the resolver");

    WebhookEndpoint healthy = shop.webhooks().create(new NewWebhookEndpoint("http://healthy.example.com:9/hook",
        null)).endpoint();
    assertEquals("http://healthy.example.com:9/hook", healthy.url());
    assertEquals(2, shop.webhooks().list().size());
  }

  /**
   * A lookup that answers in time is judged as before: a name of an allowed address passes, one of a refused address
   * or one that does not resolve is refused, each with its own message; an address needs no lookup.
   */
  @Test
  void aLookupThatAnswersIsJudgedAsBeforeAndAnAddressNeedsNone() {
    resolver.answer("loopback.example.com", LOOPBACK)
        .answer("internal.example.com", TestResolver.address(10, 0, 0, 7));
    LoyaltyEngine engine = engine();
    TenantScope shop = tenant(engine);

    assertEquals("http://loopback.example.com:8080/hook", shop.webhooks().create(
        new NewWebhookEndpoint("http://loopback.example.com:8080/hook", null)).endpoint().url());
    assertRefused(assertThrows(LoyaltyException.class, () -> shop.webhooks().create(
        new NewWebhookEndpoint("http://internal.example.com/hook", null))),
        "url's host resolves to an address the engine's webhook address policy refuses");
    assertRefused(assertThrows(LoyaltyException.class, () -> shop.webhooks().create(
        new NewWebhookEndpoint("http://missing.example.com/hook", null))), "url's host does not resolve");
    assertEquals(List.of("loopback.example.com", "internal.example.com", "missing.example.com"), resolver.asked);

    shop.webhooks().create(new NewWebhookEndpoint("http://127.0.0.1:8080/hook", null));
    shop.webhooks().create(new NewWebhookEndpoint("http://[::1]:8080/hook", null));
    assertEquals(3, resolver.asked.size(), "an address reached no resolver: " + resolver.asked);
    assertEquals(3, shop.webhooks().list().size());
  }

  /**
   * The engine's close ends its endpoint-check threads (made for the check, idle then); a creation afterwards is
   * refused as every operation of a closed engine is.
   */
  @Test
  void theCloseEndsTheEndpointCheckThreads() throws Exception {
    resolver.answer("loopback.example.com", LOOPBACK);
    LoyaltyEngine engine = engine();
    TenantScope shop = tenant(engine);
    shop.webhooks().create(new NewWebhookEndpoint("http://loopback.example.com:8080/hook", null));
    List<Thread> checkThreads = resolver.threads.stream().filter(t -> t.getName().startsWith(CHECK_THREADS))
        .toList();
    assertEquals(1, checkThreads.size(), "the lookup ran on an endpoint-check thread: " + resolver.threads);

    engine.close();
    for (Thread t : checkThreads) {
      t.join(TimeUnit.SECONDS.toMillis(30));
      assertFalse(t.isAlive(), t.getName() + " outlived the engine");
    }
    IllegalStateException closed = assertThrows(IllegalStateException.class, () -> shop.webhooks().create(
        new NewWebhookEndpoint("http://loopback.example.com:8080/other", null)));
    assertEquals("the engine is closed", closed.getMessage());
  }

  /**
   * A creation while the engine closes is refused as the closed engine refuses every operation, at once and with no
   * lookup. The engine's close shuts its gate first and closes the deliverer, with its endpoint-check lookup, only
   * once the dispatcher's round in progress has ended (here a listener the test holds): in between, the check looked
   * the host up on the still-open lookup, waited for it up to the connect timeout and refused the URL with
   * VALIDATION_ERROR, as if the URL were at fault.
   */
  @Test
  void aCreationWhileTheEngineClosesIsRefusedAsByAClosedEngineWithNoLookup() throws Exception {
    resolver.answer("hangs.example.com", LOOPBACK).hang("hangs.example.com");
    LoyaltyEngine engine = EnginesWithDeliverer.build(InMemoryStorage.newDatabase().openStorage(), clock,
        EventSettings.DEFAULTS, SETTINGS, new WebhookDeliverer(SETTINGS, clock, resolver));
    engines.add(engine);
    CountDownLatch listening = new CountDownLatch(1);
    CountDownLatch letGo = new CountDownLatch(1);
    engine.events().subscribe("holds-the-round", null, event -> {
      listening.countDown();
      try {
        letGo.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    try {
      TenantScope shop = tenant(engine);
      assertTrue(listening.await(30, TimeUnit.SECONDS), "the background round reached the listener");
      Future<?> closing = callers.submit(engine::close);
      awaitClosing(shop);

      IllegalStateException closed = assertThrows(IllegalStateException.class, () -> shop.webhooks().create(
          new NewWebhookEndpoint("http://hangs.example.com:8080/hook", null)));
      assertEquals("the engine is closed", closed.getMessage());
      assertEquals(List.of(), resolver.asked, "no lookup for a closing engine");

      letGo.countDown();
      closing.get(30, TimeUnit.SECONDS);
    } finally {
      letGo.countDown();
    }
  }

  /**
   * A creation whose lookup is inside a resolver that hangs when the engine closes is refused, once its wait ends at
   * the connect timeout, as the closed engine refuses every operation: not as a URL that did not resolve in time.
   */
  @Test
  void aCreationWaitingForItsLookupWhenTheEngineClosesIsRefusedAsByAClosedEngine() throws Exception {
    resolver.answer("hangs.example.com", LOOPBACK).hang("hangs.example.com");
    LoyaltyEngine engine = engine();
    TenantScope shop = tenant(engine);
    Future<WebhookEndpoint> creation = callers.submit(() -> shop.webhooks().create(new NewWebhookEndpoint(
        "http://hangs.example.com:8080/hook", null)).endpoint());
    assertTrue(resolver.awaitInsideHang(1), "the creation's lookup hangs in the resolver");

    engine.close();
    try {
      fail("created by a closed engine: " + creation.get(20, TimeUnit.SECONDS));
    } catch (ExecutionException e) {
      IllegalStateException closed = assertInstanceOf(IllegalStateException.class, e.getCause());
      assertEquals("the engine is closed", closed.getMessage());
    } catch (TimeoutException e) {
      fail("the creation still waits for the resolver after 20 s");
    }
    assertEquals(0, resolver.returnedFromHang.get(), "refused while the lookup still hung");
  }

  /**
   * A resolver that fails with an unchecked exception (the system's throws a SecurityException where a security
   * manager refuses the lookup, whose message names the host) refuses the endpoint with VALIDATION_ERROR on
   * {@code url}, naming neither the host nor the URL, and stores nothing: the host cannot be checked. The exception
   * reached the host's call as it was, the host's name in its message.
   */
  @Test
  void aResolverThatFailsUncheckedRefusesTheEndpointWithoutNamingItsHost() {
    resolver.fail("denied.example.com", new SecurityException(
        "access denied (\"java.net.SocketPermission\" \"denied.example.com\" \"resolve\")"));
    LoyaltyEngine engine = engine();
    TenantScope shop = tenant(engine);

    LoyaltyException refused = assertThrows(LoyaltyException.class, () -> shop.webhooks().create(
        new NewWebhookEndpoint("http://denied.example.com:8080/hook?token=SEKRIT-TOKEN", null)));
    assertRefused(refused, "url's host could not be looked up");
    assertNull(refused.getCause(), "the failure, whose message names the host, is not passed on");
    assertEquals(List.of("denied.example.com"), resolver.asked);
    assertEquals(List.of(), shop.webhooks().list(), "no endpoint stored");
  }

  /** Waits up to 30 s until the engine's close has begun: its operations are refused from then on. */
  private static void awaitClosing(TenantScope scope) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        scope.tenant();
      } catch (IllegalStateException e) {
        return;
      }
      if (System.nanoTime() > deadline) {
        fail("the engine's close never began");
      }
      Thread.onSpinWait();
    }
  }

  private static void assertRefused(LoyaltyException e, String message) {
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals("url", e.field().orElse(null));
    assertEquals(message, e.getMessage());
    assertFalse(e.getMessage().contains("example.com") || e.getMessage().contains("SEKRIT"), e.getMessage());
  }

  private LoyaltyEngine engine() {
    LoyaltyEngine engine = EnginesWithDeliverer.build(InMemoryStorage.newDatabase().openStorage(), clock,
        EventSettings.builder().manualDispatch().build(), SETTINGS, new WebhookDeliverer(SETTINGS, clock, resolver));
    engines.add(engine);
    return engine;
  }

  /** A tenant with a running campaign and a participant enrolled: an event committed, not yet positioned. */
  private TenantScope tenant(LoyaltyEngine engine) {
    TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business("Shop")).id());
    campaigns.put(scope.tenantId(), scope.campaigns().create(NewCampaign.running(
        scope.brands().create(new NewBrand("Shop", "https://shop.example.com")).id(), "Points")).id());
    enrol(scope, "first@example.com");
    return scope;
  }

  private void enrol(TenantScope scope, String email) {
    scope.participants().create(campaigns.get(scope.tenantId()), NewParticipant.withEmail(email));
  }
}
