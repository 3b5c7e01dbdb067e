package io.loyaltyengine.core.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.loyaltyengine.core.event.EventJson;
import io.loyaltyengine.core.spi.WebhookEndpointRecord;
import io.loyaltyengine.core.webhook.WebhookAttempt.Result;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import io.loyaltyengine.webhooks.WebhookSettings;
import io.loyaltyengine.webhooks.WebhookVerificationException;
import io.loyaltyengine.webhooks.WebhookVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link WebhookDeliverer} against the JDK's HTTP server on 127.0.0.1, with {@link WebhookAddressPolicy#ALLOW_LOOPBACK}
 * (and {@link WebhookAddressPolicy#PUBLIC_ONLY} where the refusal is the point). The clock is fixed: nothing waits
 * for time to pass.
 */
class WebhookDelivererTest {
  private static final Instant NOW = Instant.parse("2024-05-01T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final WebhookSettings LOOPBACK = WebhookSettings.DEFAULTS
      .withAddressPolicy(WebhookAddressPolicy.ALLOW_LOOPBACK);
  private static final String SECRET = WebhookSigner.newSecret();
  private static final LoyaltyEvent EVENT = new LoyaltyEvent("evt_7421903766441984", EventType.POINTS_AWARDED, 11L,
      22L, 33L, 4, Instant.parse("2024-05-01T09:59:59.123456Z"), 1, 55,
      "{\"entry\":{\"amount\":42},\"participant\":{\"email\":\"ada@example.com\"}}");

  /** One request as the server saw it. */
  private record Received(String path, String method, Map<String, List<String>> headers, byte[] body) {
    String header(String name) {
      List<String> values = headers.get(name);
      return values == null ? null : values.get(0);
    }
  }

  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final Map<String, HttpHandler> answers = new ConcurrentHashMap<>();
  private HttpServer server;
  private ExecutorService serverThreads;
  private WebhookDeliverer deliverer;

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    serverThreads = Executors.newCachedThreadPool();
    server.setExecutor(serverThreads);
    server.createContext("/", exchange -> {
      try (InputStream in = exchange.getRequestBody()) {
        received.add(new Received(exchange.getRequestURI().getPath(), exchange.getRequestMethod(),
            Map.copyOf(exchange.getRequestHeaders()), in.readAllBytes()));
      }
      HttpHandler answer = answers.getOrDefault(exchange.getRequestURI().getPath(), status(200));
      answer.handle(exchange);
    });
    server.start();
    deliverer = new WebhookDeliverer(LOOPBACK, CLOCK);
  }

  @AfterEach
  void stopServer() {
    deliverer.close();
    server.stop(0);
    serverThreads.shutdownNow();
  }

  @Test
  void aSuccessfulDeliveryIsSignedPerStandardWebhooksAndCarriesTheEnvelope() {
    WebhookAttempt attempt = deliverer.deliver(endpoint("/hook"), EVENT);

    assertEquals(new WebhookAttempt(Result.SUCCESS, 200, null, null), attempt);
    assertEquals(1, received.size());
    Received r = received.get(0);
    assertEquals("POST", r.method());
    assertEquals("application/json", r.header("Content-type"));
    assertEquals(EventJson.envelope(EVENT), new String(r.body(), StandardCharsets.UTF_8));
    assertEquals("evt_7421903766441984", r.header("Webhook-id"));
    assertEquals(Long.toString(NOW.getEpochSecond()), r.header("Webhook-timestamp"));
    assertTrue(r.header("Webhook-signature").startsWith("v1,"));
    assertEquals(1, r.header("Webhook-signature").split(" ").length);
    WebhookVerifier.of(SECRET).withClock(CLOCK)
        .verify(r.header("Webhook-id"), r.header("Webhook-timestamp"), r.header("Webhook-signature"), r.body());
  }

  @Test
  void aDeliveryNamesTheEngineAndItsVersionAsItsUserAgent() {
    // A receiver's logs and firewall rules tell the engine's calls apart from other Java clients by this header.
    deliverer.deliver(endpoint("/hook"), EVENT);

    String userAgent = received.get(0).header("User-agent");
    assertTrue(userAgent != null && userAgent.matches("loyalty-engine/\\d+\\.\\d+\\.\\d+(-SNAPSHOT)? webhooks"),
        () -> "User-Agent: " + userAgent);
  }

  @Test
  void duringARotationBothSecretsSignAndAfterItOnlyTheCurrentOne() {
    String previous = WebhookSigner.newSecret();
    deliverer.deliver(endpoint("/hook", previous, NOW.plusSeconds(1)), EVENT);
    deliverer.deliver(endpoint("/hook", previous, NOW), EVENT);

    Received rotating = received.get(0);
    assertEquals(2, rotating.header("Webhook-signature").split(" ").length);
    for (String secret : List.of(SECRET, previous)) {
      WebhookVerifier.of(secret).withClock(CLOCK).verify(rotating.header("Webhook-id"),
          rotating.header("Webhook-timestamp"), rotating.header("Webhook-signature"), rotating.body());
    }
    Received finished = received.get(1);
    assertEquals(1, finished.header("Webhook-signature").split(" ").length);
    assertThrows(WebhookVerificationException.class, () -> WebhookVerifier.of(previous).withClock(CLOCK)
        .verify(finished.header("Webhook-id"), finished.header("Webhook-timestamp"),
            finished.header("Webhook-signature"), finished.body()));
  }

  @Test
  void aServerErrorIsRetried() {
    answers.put("/hook", status(500));
    assertEquals(new WebhookAttempt(Result.RETRY, 500, null, "HTTP 500"), deliverer.deliver(endpoint("/hook"), EVENT));
  }

  @Test
  void otherClientErrorsAreRetried() {
    answers.put("/hook", status(404));
    assertEquals(new WebhookAttempt(Result.RETRY, 404, null, "HTTP 404"), deliverer.deliver(endpoint("/hook"), EVENT));
  }

  @Test
  void retryAfterInSecondsIsReported() {
    answers.put("/hook", status(429, "Retry-After", "120"));
    assertEquals(new WebhookAttempt(Result.RETRY, 429, Duration.ofSeconds(120), "HTTP 429"),
        deliverer.deliver(endpoint("/hook"), EVENT));
  }

  @Test
  void retryAfterAsAnHttpDateIsReportedRelativeToTheClock() {
    String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.plusSeconds(90).atOffset(ZoneOffset.UTC));
    answers.put("/hook", status(503, "Retry-After", date));
    assertEquals(new WebhookAttempt(Result.RETRY, 503, Duration.ofSeconds(90), "HTTP 503"),
        deliverer.deliver(endpoint("/hook"), EVENT));
  }

  @Test
  void goneIsReportedForTheDispatcherToDisableTheEndpoint() {
    answers.put("/hook", status(410));
    WebhookAttempt attempt = deliverer.deliver(endpoint("/hook"), EVENT);
    assertEquals(Result.GONE, attempt.result());
    assertEquals(410, attempt.status());
  }

  @Test
  void redirectsAreNotFollowedAndAreRetried() {
    answers.put("/hook", status(302, "Location", "http://127.0.0.1:" + port() + "/target"));
    WebhookAttempt attempt = deliverer.deliver(endpoint("/hook"), EVENT);

    assertEquals(Result.RETRY, attempt.result());
    assertEquals(302, attempt.status());
    assertEquals(List.of("/hook"), received.stream().map(Received::path).toList());
  }

  @Test
  void aReceiverThatDoesNotAnswerInTimeIsRetried() throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    answers.put("/slow", exchange -> {
      try {
        // Bounded so that a failing test cannot leave the server thread behind for good.
        release.await(30, TimeUnit.SECONDS);
        exchange.sendResponseHeaders(200, -1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException e) {
        // The client gave up and closed the connection: expected.
      } finally {
        exchange.close();
      }
    });
    assertEquals(new WebhookAttempt(Result.RETRY, 0, null, "timed out"),
        deliverWithin(Duration.ofMillis(200), "/slow", release));
  }

  /**
   * A caller interrupted while the receiver holds its request (the dispatcher cancelling a round's calls) gets the
   * request cancelled and the attempt back as CANCELLED, not RETRY: nothing was learnt of the endpoint, so the
   * dispatcher counts no attempt and pauses nothing. The interrupt status is kept. The request timeout (2 min) is far
   * beyond the 30 s the test waits: only the interrupt ends the attempt.
   */
  @Test
  void anInterruptedCallersAttemptIsCancelledAndKeepsTheInterrupt() throws InterruptedException {
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    answers.put("/held", exchange -> {
      arrived.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
        exchange.sendResponseHeaders(200, -1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException e) {
        // The client gave up and closed the connection: expected.
      } finally {
        exchange.close();
      }
    });
    AtomicReference<WebhookAttempt> attempt = new AtomicReference<>();
    AtomicBoolean kept = new AtomicBoolean();
    try (WebhookDeliverer patient = new WebhookDeliverer(LOOPBACK.withTimeouts(Duration.ofSeconds(5),
        Duration.ofMinutes(2)), CLOCK)) {
      Thread caller = new Thread(() -> {
        attempt.set(patient.deliver(endpoint("/held"), EVENT));
        kept.set(Thread.currentThread().isInterrupted());
      });
      caller.start();
      assertTrue(arrived.await(30, TimeUnit.SECONDS), "the request arrived");
      caller.interrupt();
      caller.join(TimeUnit.SECONDS.toMillis(30));
      assertFalse(caller.isAlive(), "the attempt still waits for the receiver");
    } finally {
      release.countDown();
    }
    assertEquals(new WebhookAttempt(Result.CANCELLED, 0, null, "interrupted"), attempt.get());
    assertTrue(kept.get(), "the interrupt status is kept");
  }

  /** A caller interrupted while its endpoint's host is looked up: CANCELLED too, and no request. */
  @Test
  void aCallerInterruptedDuringTheHostLookupIsCancelled() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    try (WebhookDeliverer resolving = new WebhookDeliverer(LOOPBACK, CLOCK, host -> {
      try {
        // Bounded so that a failing test leaves no thread for good.
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new InetAddress[] {loopback};
    })) {
      Thread.currentThread().interrupt();
      WebhookAttempt attempt;
      try {
        attempt = resolving.deliver(endpointAt("http://receiver.example.com:" + port() + "/hook"), EVENT);
      } finally {
        assertTrue(Thread.interrupted(), "the interrupt status is kept");
      }
      assertEquals(new WebhookAttempt(Result.CANCELLED, 0, null, "interrupted"), attempt);
    } finally {
      release.countDown();
    }
    assertEquals(List.of(), received);
  }

  @Test
  void aReceiverThatTricklesItsAnswerIsCutOffAtTheRequestTimeout() {
    CountDownLatch release = new CountDownLatch(1);
    answers.put("/trickle", exchange -> {
      // The headers arrive at once; the body then comes a byte every 20 ms for 5 s, and then ends: a client bounded
      // only until the headers (as the request's own timeout may be) would report a success.
      exchange.sendResponseHeaders(200, 0);
      try (var out = exchange.getResponseBody()) {
        for (int i = 0; i < 250 && !release.await(20, TimeUnit.MILLISECONDS); i++) {
          out.write('.');
          out.flush();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException e) {
        // The client gave up and closed the connection: expected.
      }
    });
    // Each byte arrives well within the timeout, so only a bound on the whole exchange stops this.
    assertEquals(new WebhookAttempt(Result.RETRY, 0, null, "timed out"),
        deliverWithin(Duration.ofMillis(300), "/trickle", release));
  }

  /**
   * One attempt at {@code path} by a deliverer with the given request timeout; then lets the server's handler go
   * ({@code release}), so that no server thread outlives the test.
   */
  private WebhookAttempt deliverWithin(Duration requestTimeout, String path, CountDownLatch release) {
    WebhookDeliverer impatient = new WebhookDeliverer(LOOPBACK.withTimeouts(Duration.ofSeconds(5), requestTimeout),
        CLOCK);
    try {
      return impatient.deliver(endpoint(path), EVENT);
    } finally {
      release.countDown();
      impatient.close();
    }
  }

  /**
   * A lookup of the endpoint's host that hangs (the resolver is the test's, never DNS) ends the attempt at the
   * connect timeout, the lookup's bound, as no answer (status 0, as a connect timeout): the dispatcher then pauses the
   * endpoint. The resolver is still hanging when the attempt has ended, and at most the deliverer's lookup threads
   * (its delivery threads, one here) ever wait in it: further attempts find no thread for their lookup, whether they
   * waited for one until the bound or found every thread held and as many waiting, and are deferred (no lookup was
   * made, so nothing is known of their hosts: {@link #anAttemptThatFindsNoLookupThreadFreeIsDeferredNotUnanswered}).
   */
  @Test
  void aHostLookupThatHangsEndsTheAttemptAtTheConnectTimeoutAsNoAnswerAndHoldsAtMostTheLookupThreads() {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    AtomicInteger returned = new AtomicInteger();
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    HostLookup.Resolver hangs = host -> {
      calls.incrementAndGet();
      threads.add(Thread.currentThread());
      // As the system resolver, which does not heed an interrupt: on until released (30 s at most, so that a failing
      // test leaves no thread for good).
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      boolean interrupted = false;
      while (release.getCount() > 0 && System.nanoTime() < deadline) {
        try {
          release.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      returned.incrementAndGet();
      // A private address, which the policy refuses: no request would be made to these names even then.
      return new InetAddress[] {InetAddress.getByAddress(new byte[] {10, 0, 0, 9})};
    };
    try (WebhookDeliverer hanging = new WebhookDeliverer(LOOPBACK.withTimeouts(Duration.ofMillis(100),
        Duration.ofSeconds(5)).withDeliveryThreads(1), CLOCK, hangs)) {
      WebhookAttempt first = hanging.deliver(endpointAt("http://hangs.example.com:" + port()
          + "/hook?token=SEKRIT-TOKEN"), EVENT);
      assertEquals(new WebhookAttempt(Result.RETRY, 0, null, "the endpoint's host lookup timed out"), first);
      assertEquals(0, returned.get(), "the attempt ended while the lookup still hung");
      for (int i = 0; i < 5; i++) {
        WebhookAttempt next = hanging.deliver(endpointAt("http://other.example.com:" + port() + "/hook"), EVENT);
        assertEquals(Result.DEFERRED, next.result(), "no lookup thread free: " + next);
        assertEquals(0, next.status());
      }
      assertTrue(calls.get() <= 1, "one lookup thread at most waited in the resolver: " + calls.get());
      for (Thread t : threads) {
        assertTrue(t.getName().startsWith("loyalty-webhook-lookup-") && t.isDaemon(), t.getName());
      }
    } finally {
      release.countDown();
    }
    assertEquals(List.of(), received, "no request without a checked address");
  }

  /**
   * While lookups of a host whose resolver hangs hold every lookup thread (one here) and every waiting place, an
   * attempt to another endpoint, whose host would resolve at once, gets no thread for its lookup. That says nothing of
   * that endpoint: the attempt is DEFERRED (no request; the dispatcher leaves the delivery uncounted and does not pause
   * the endpoint), where it was RETRY with status 0, no answer, which the dispatcher counted as a failed attempt and
   * paused the endpoint for, another tenant's perhaps: {@code deliveryThreads} endpoints whose names hang paused every
   * other endpoint of the instance. Once the resolver returns, the other endpoint's host is looked up again (it
   * resolves to a private address here, which the policy refuses: no request is made to a name in a test).
   */
  @Test
  void anAttemptThatFindsNoLookupThreadFreeIsDeferredNotUnanswered() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger healthyLookups = new AtomicInteger();
    InetAddress internal = InetAddress.getByAddress(new byte[] {10, 0, 0, 8});
    HostLookup.Resolver resolver = host -> {
      if (host.equals("healthy.example.com")) {
        healthyLookups.incrementAndGet();
        return new InetAddress[] {internal};
      }
      // As a resolver that does not answer, and does not heed an interrupt, until released (30 s at most: a failing
      // test leaves no thread for good).
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      boolean interrupted = false;
      while (release.getCount() > 0 && System.nanoTime() < deadline) {
        try {
          release.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      return new InetAddress[] {internal};
    };
    try (WebhookDeliverer busy = new WebhookDeliverer(LOOPBACK.withTimeouts(Duration.ofMillis(100),
        Duration.ofSeconds(5)).withDeliveryThreads(1), CLOCK, resolver)) {
      assertEquals(new WebhookAttempt(Result.RETRY, 0, null, "the endpoint's host lookup timed out"),
          busy.deliver(endpointAt("http://hangs.example.com:" + port() + "/hook"), EVENT), "the hanging host's own");
      assertEquals(new WebhookAttempt(Result.DEFERRED, 0, null,
          "no thread free to look up the endpoint's host in time"),
          busy.deliver(endpointAt("http://healthy.example.com:" + port() + "/hook"), EVENT),
          "waited for the thread until the bound");
      assertEquals(new WebhookAttempt(Result.DEFERRED, 0, null, "no thread free to look up the endpoint's host"),
          busy.deliver(endpointAt("http://healthy.example.com:" + port() + "/hook"), EVENT),
          "refused at once: the thread held, its waiting place taken");
      assertEquals(0, healthyLookups.get(), "the healthy host was never looked up");

      release.countDown();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      WebhookAttempt after;
      do {
        after = busy.deliver(endpointAt("http://healthy.example.com:" + port() + "/hook"), EVENT);
      } while (after.result() == Result.DEFERRED && System.nanoTime() < deadline);
      assertEquals(Result.REFUSED, after.result(), "looked up once the thread was free: " + after);
      assertEquals(1, healthyLookups.get());
    } finally {
      release.countDown();
    }
    assertEquals(List.of(), received, "no request without a checked address");
  }

  /**
   * A resolver that fails with an unchecked exception (the system's throws SecurityException where a security manager
   * refuses the lookup) makes an attempt to be retried, whose error names neither the host nor the exception's
   * message; nothing is sent. The exception went out of {@code deliver}, and failed the dispatcher's round.
   */
  @Test
  void aHostLookupThatFailsUncheckedIsRetriedWithoutNamingTheHost() {
    try (WebhookDeliverer failing = new WebhookDeliverer(LOOPBACK, CLOCK, host -> {
      throw new SecurityException("lookup of " + host + " refused");
    })) {
      WebhookAttempt attempt = failing.deliver(endpointAt("http://refused.example.com:" + port() + "/hook"), EVENT);
      assertEquals(Result.RETRY, attempt.result());
      assertEquals(0, attempt.status());
      assertEquals("the endpoint's host could not be looked up", attempt.error());
    }
    assertEquals(List.of(), received);
  }

  /** The address policy judges the addresses the lookup found: a name that resolves to a private address is refused. */
  @Test
  void theAddressPolicyJudgesTheAddressesTheHostLookupFound() throws UnknownHostException {
    InetAddress internal = InetAddress.getByAddress(new byte[] {10, 0, 0, 7});
    try (WebhookDeliverer resolving = new WebhookDeliverer(LOOPBACK, CLOCK, host -> new InetAddress[] {internal})) {
      WebhookAttempt attempt = resolving.deliver(endpointAt("http://internal.example.com:" + port() + "/hook"), EVENT);
      assertEquals(Result.REFUSED, attempt.result());
      assertEquals("the endpoint's address is refused by the address policy", attempt.error());
    }
    assertEquals(List.of(), received);
  }

  @Test
  void aFailedTlsHandshakeIsRetriedAndNamedByItsTypeOnly() throws Exception {
    // A server that answers the TLS client hello in plain HTTP, as a misconfigured receiver's port would.
    try (ServerSocket plain = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread answering = new Thread(() -> {
        try (var socket = plain.accept()) {
          socket.setSoTimeout(10_000);
          socket.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
          socket.getOutputStream().flush();
          // Open until the client gives up, so that it fails on what it read, not on a connection closed under it.
          while (socket.getInputStream().read() != -1) {
            // The client hello: ignored.
          }
        } catch (IOException e) {
          // The client closed first: nothing to answer.
        }
      });
      answering.start();
      WebhookAttempt attempt = deliverer.deliver(endpointAt("https://127.0.0.1:" + plain.getLocalPort()
          + "/hook?token=SEKRIT-TOKEN"), EVENT);
      answering.join(10_000);

      assertEquals(Result.RETRY, attempt.result());
      assertEquals(0, attempt.status());
      assertTrue(attempt.error().startsWith("network error (SSL"), attempt.error());
      assertFalse(attempt.error().contains("SEKRIT"), attempt.error());
      assertFalse(attempt.error().contains("127.0.0.1"), attempt.error());
    }
  }

  @Test
  void aRefusedConnectionIsRetried() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    WebhookAttempt attempt = deliverer.deliver(endpointAt("http://127.0.0.1:" + closedPort
        + "/hook?token=SEKRIT-TOKEN"), EVENT);

    assertEquals(Result.RETRY, attempt.result());
    assertEquals(0, attempt.status());
    assertEquals("connection failed", attempt.error());
  }

  @Test
  void publicOnlyRefusesLoopbackWithoutSendingAnything() {
    try (WebhookDeliverer strict = new WebhookDeliverer(WebhookSettings.DEFAULTS, CLOCK)) {
      WebhookAttempt overHttps = strict.deliver(endpointAt("https://127.0.0.1:" + port() + "/hook"), EVENT);
      assertEquals(Result.REFUSED, overHttps.result());
      assertEquals("the endpoint's address is refused by the address policy", overHttps.error());

      WebhookAttempt overHttp = strict.deliver(endpoint("/hook"), EVENT);
      assertEquals(Result.REFUSED, overHttp.result());
      assertEquals("plain http is refused by the address policy", overHttp.error());
    }
    assertEquals(List.of(), received);
  }

  @Test
  void allowLoopbackStillRefusesPrivateAddresses() {
    WebhookAttempt attempt = deliverer.deliver(endpointAt("http://10.0.0.1:" + port() + "/hook"), EVENT);
    assertEquals(Result.REFUSED, attempt.result());
    assertEquals(List.of(), received);
  }

  @Test
  void anUnusableStoredUrlIsRefused() {
    assertEquals(Result.REFUSED, deliverer.deliver(endpointAt("not a url"), EVENT).result());
    assertEquals(Result.REFUSED, deliverer.deliver(endpointAt("ftp://127.0.0.1/hook"), EVENT).result());
    assertEquals(List.of(), received);
  }

  @Test
  void errorsNeverCarryTheUrlTheSecretOrThePayload() {
    answers.put("/hook", status(500));
    WebhookAttempt attempt = deliverer.deliver(endpointAt("http://127.0.0.1:" + port()
        + "/hook?token=SEKRIT-TOKEN"), EVENT);
    for (String text : List.of(attempt.error(), attempt.toString())) {
      assertFalse(text.contains("SEKRIT"), text);
      assertFalse(text.contains("127.0.0.1"), text);
      assertFalse(text.contains("ada@example.com"), text);
      assertFalse(text.contains(SECRET.substring(6)), text);
    }
  }

  @Test
  void aClosedDelivererRefusesToWork() {
    WebhookDeliverer closed = new WebhookDeliverer(LOOPBACK, CLOCK);
    closed.close();
    closed.close();
    assertThrows(IllegalStateException.class, () -> closed.deliver(endpoint("/hook"), EVENT));
    assertEquals(List.of(), received);
  }

  private int port() {
    return server.getAddress().getPort();
  }

  private WebhookEndpointRecord endpoint(String path) {
    return endpointAt("http://127.0.0.1:" + port() + path);
  }

  private WebhookEndpointRecord endpoint(String path, String previousSecret, Instant previousUntil) {
    return new WebhookEndpointRecord(11L, 99L, "http://127.0.0.1:" + port() + path, Set.of(), null, true, null,
        SECRET, previousSecret, previousUntil, NOW, NOW);
  }

  private static WebhookEndpointRecord endpointAt(String url) {
    return new WebhookEndpointRecord(11L, 99L, url, Set.of(), null, true, null, SECRET, null, null, NOW, NOW);
  }

  private static HttpHandler status(int status, String... headerNameAndValue) {
    return exchange -> {
      for (int i = 0; i + 1 < headerNameAndValue.length; i += 2) {
        exchange.getResponseHeaders().add(headerNameAndValue[i], headerNameAndValue[i + 1]);
      }
      exchange.sendResponseHeaders(status, -1);
      exchange.close();
    };
  }
}
