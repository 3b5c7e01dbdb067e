package io.loyaltyengine.core.webhook;

import io.loyaltyengine.core.event.EventJson;
import io.loyaltyengine.core.spi.WebhookEndpointRecord;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Makes one webhook attempt: a signed {@code POST} of an event to an endpoint, and a verdict on the answer. The
 * event dispatcher calls it for each due delivery and acts on the returned {@link WebhookAttempt}; this class keeps
 * no state between attempts.
 *
 * <h2>The request</h2>
 * The body is {@link EventJson#envelope} as UTF-8, {@code Content-Type: application/json}, with the Standard Webhooks
 * headers: {@code webhook-id} (the event id, the same on every attempt, for the receiver to deduplicate on),
 * {@code webhook-timestamp} (this attempt's time from the clock, in epoch seconds) and {@code webhook-signature}
 * ({@code v1,<base64>} under the current secret, followed by one under the previous secret while a rotation is
 * running). One shared JDK {@link HttpClient} makes every request: connect timeout from {@link WebhookSettings},
 * redirects never followed, HTTP/1.1 (which spares plain-http receivers the h2c upgrade some mishandle; one POST per
 * event gains nothing from HTTP/2). It is made for the first request, so that an engine that posts no webhook
 * starts none of its threads, and released by {@link #close()}. The whole exchange, connection and response body
 * included, is bounded by the settings' request timeout, so a receiver that trickles its answer cannot hold the
 * dispatcher.
 *
 * <h2>Verdicts</h2>
 * 2xx is {@link WebhookAttempt.Result#SUCCESS}; 410 is {@link WebhookAttempt.Result#GONE}; any other status is
 * {@link WebhookAttempt.Result#RETRY}, with the receiver's {@code Retry-After} (delta-seconds or an IMF-fixdate
 * HTTP-date, relative to the clock; capped at 24 h) when it sent one. No answer (a network failure, a timeout, a host
 * that does not resolve or whose lookup does not end in time, see below) is {@link WebhookAttempt.Result#RETRY} with
 * status 0. {@link WebhookAttempt.Result#REFUSED} means no request was made, see below; so does
 * {@link WebhookAttempt.Result#DEFERRED}, for want of a thread to look up the host (see "The lookup's bounds").
 * {@link WebhookAttempt.Result#CANCELLED} is the caller's own doing: it was interrupted, and the lookup or the
 * request was given up (see {@link #deliver}).
 *
 * <h2>Address policy, and its limit</h2>
 * Before each request the endpoint's host is resolved and every address it resolves to is checked against the
 * settings' {@link WebhookAddressPolicy} (loopback, private, link-local, ... are refused under
 * {@link WebhookAddressPolicy#PUBLIC_ONLY}, which also refuses plain {@code http}); if one is refused, no request
 * is made. This stops endpoints registered with a private address or a name that points at one. It cannot stop
 * DNS rebinding: the {@link HttpClient} resolves the name again when it connects, and a name whose DNS answer
 * changes between the two lookups (a hostile zone with a zero TTL) can reach an address the check never saw. Nor
 * does it apply to a proxy the JVM is configured with. Hosts that accept endpoints from untrusted tenants should
 * also send webhook traffic through an egress proxy that enforces the same rules (for example Stripe's smokescreen)
 * or from a network that cannot reach internal services.
 *
 * <h2>The lookup's bounds</h2>
 * Java 17 cannot bound the system resolver, which can hold its caller far past the HTTP timeouts when it does not
 * answer. So the lookup runs on a thread of the deliverer's own and is waited for up to the connect timeout; one that
 * takes longer is no answer from the endpoint, as a connect timeout is, and its thread is left to end when the
 * resolver returns. At most {@link WebhookSettings#deliveryThreads()} lookups run at once (daemon threads
 * {@code loyalty-webhook-lookup-<n>}, made when needed, ended when idle and by {@link #close()}) and as many wait for
 * a thread; one more is refused at once. So a resolver that hangs holds no more threads than that, and a delivery
 * thread no longer than the connect timeout. A lookup refused, or still waiting for a thread at the connect timeout,
 * was never made: that is no answer from its host, whose lookup may answer at once, but a sign that other hosts'
 * lookups hold the threads, so the attempt is {@link WebhookAttempt.Result#DEFERRED} (not counted against the
 * endpoint, which is not paused). An address literal needs no lookup: it is parsed on the
 * delivery thread, and waits for no lookup thread.
 *
 * <h2>The check of a new endpoint</h2>
 * The deliverer also looks up the host of an endpoint the host creates ({@link WebhookService#create}), on a lookup
 * of its own with the same bounds (daemon threads {@code loyalty-webhook-check-<n>}, at most
 * {@link WebhookSettings#deliveryThreads()} of them, ended when idle and by {@link #close()}), but
 * {@value #ENDPOINT_CHECKS_WAITING} waiting places: the host's thread waits up to the connect timeout, and a lookup
 * that gives no answer by then, or finds no thread, refuses the endpoint. Its own threads, so that attempts to
 * endpoints whose names hang, which hold the attempts' lookup threads, do not refuse the host's creations, and a
 * burst of creations does not defer attempts.
 *
 * <p>Thread-safe: {@link #deliver} may be called from many threads at once; the {@link HttpClient} is shared.
 */
public final class WebhookDeliverer implements AutoCloseable {
  private static final String JSON = "application/json";

  /**
   * Names the engine and its version, so a receiver's logs and rules can tell its calls from other Java clients'
   * (the JDK would send {@code Java-http-client/17...}).
   */
  static final String USER_AGENT = "loyalty-engine/" + engineVersion() + " webhooks";

  /** {@code HttpClient.shutdownNow()} on Java 21 and later; null on Java 17, whose client cannot be shut down. */
  private static final Method SHUTDOWN_NOW = shutdownNow();

  private final WebhookSettings settings;
  private final Clock clock;
  /**
   * Endpoint checks waiting for a thread at most: far more than a host creates at once, so that a burst of creations
   * waits for a thread rather than being refused while the resolver answers at once; and bounded, so that while the
   * resolver hangs the places fill and later creations are refused without waiting.
   */
  static final int ENDPOINT_CHECKS_WAITING = 64;

  /** Looks up endpoints' hosts for the address check of an attempt, on at most {@code deliveryThreads} threads. */
  private final HostLookup lookup;
  /**
   * Looks up the host of an endpoint the host creates, on at most {@code deliveryThreads} threads of its own: the
   * attempts' lookups, held by names that hang, would otherwise refuse the host's creations, and the creations would
   * defer attempts.
   */
  private final HostLookup endpointLookup;
  private final Object clientLock = new Object();
  /** Made for the first request; null again once closed. Guarded by {@link #clientLock}. */
  private HttpClient client;
  /** Guarded by {@link #clientLock}. */
  private boolean closed;

  /**
   * Creates the deliverer; its {@link HttpClient} is made for the first request.
   *
   * @param settings timeouts and the address policy
   * @param clock the time of {@code webhook-timestamp}, of secret-rotation ends and of {@code Retry-After} dates
   */
  public WebhookDeliverer(WebhookSettings settings, Clock clock) {
    this(settings, clock, InetAddress::getAllByName);
  }

  /** As the public constructor, with {@code resolver} looking up hosts in place of the system's: for tests. */
  WebhookDeliverer(WebhookSettings settings, Clock clock, HostLookup.Resolver resolver) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.lookup = new HostLookup(resolver, settings.deliveryThreads());
    this.endpointLookup = new HostLookup(resolver, settings.deliveryThreads(), ENDPOINT_CHECKS_WAITING,
        "loyalty-webhook-check-");
  }

  /** The lookup of the hosts of endpoints the host creates ({@link WebhookService#create}); closed with this. */
  HostLookup endpointLookup() {
    return endpointLookup;
  }

  /**
   * Makes one attempt to deliver {@code event} to {@code endpoint}. Blocks for at most the connect timeout (the
   * lookup of the endpoint's host) plus the request timeout (the exchange).
   *
   * <p>If the calling thread is interrupted while it waits for the host lookup or the exchange, the lookup is
   * abandoned or the request cancelled, the thread's interrupt status is kept, and the attempt is reported as
   * {@link WebhookAttempt.Result#CANCELLED} (status 0): the dispatcher then records nothing against the endpoint.
   *
   * @throws IllegalStateException if the deliverer is closed
   */
  public WebhookAttempt deliver(WebhookEndpointRecord endpoint, LoyaltyEvent event) {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(event, "event");
    synchronized (clientLock) {
      requireOpen();
    }
    URI uri;
    try {
      uri = new URI(endpoint.url());
    } catch (URISyntaxException e) {
      return WebhookAttempt.refused("the endpoint's URL is not usable");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if ((!scheme.equals("https") && !scheme.equals("http")) || uri.getHost() == null) {
      return WebhookAttempt.refused("the endpoint's URL is not usable");
    }
    if (scheme.equals("http") && settings.addressPolicy() == WebhookAddressPolicy.PUBLIC_ONLY) {
      return WebhookAttempt.refused("plain http is refused by the address policy");
    }
    try {
      // Bounded by the connect timeout, as establishing the connection is: a resolver that hangs is no answer.
      if (!WebhookAddressRules.permitsHost(settings.addressPolicy(), uri.getHost(), lookup,
          settings.connectTimeout())) {
        return WebhookAttempt.refused("the endpoint's address is refused by the address policy");
      }
    } catch (HostLookup.NoAnswerException e) {
      if (Thread.currentThread().isInterrupted()) {
        // The caller gave up on the lookup, which says nothing of the endpoint.
        return WebhookAttempt.cancelled();
      }
      return WebhookAttempt.retry(0, null, e.getMessage());
    } catch (HostLookup.NoThreadException e) {
      // Other hosts' lookups hold the threads: no attempt, and nothing to hold against this endpoint.
      return WebhookAttempt.deferred(e.getMessage());
    } catch (UnknownHostException e) {
      // DNS failures are often passing; the schedule gives the receiver's zone days to recover.
      return WebhookAttempt.retry(0, null, "the endpoint's host did not resolve");
    } catch (RuntimeException e) {
      // The resolver failed otherwise (the system's throws SecurityException where a security manager refuses the
      // lookup): no request can be made, as when the host does not resolve. Thrown on, it failed the round's other
      // deliveries; its message may name the host, so the error does not carry it.
      return WebhookAttempt.retry(0, null, "the endpoint's host could not be looked up");
    }

    Instant now = clock.instant();
    byte[] body = EventJson.envelope(event).getBytes(StandardCharsets.UTF_8);
    String signature = WebhookSigner.signatureHeader(secrets(endpoint, now), event.id(), now.getEpochSecond(), body);
    HttpRequest request;
    try {
      request = HttpRequest.newBuilder(uri)
          .timeout(settings.requestTimeout())
          .header("Content-Type", JSON)
          .header("User-Agent", USER_AGENT)
          .header("webhook-id", event.id())
          .header("webhook-timestamp", Long.toString(now.getEpochSecond()))
          .header("webhook-signature", signature)
          .POST(HttpRequest.BodyPublishers.ofByteArray(body))
          .build();
    } catch (IllegalArgumentException e) {
      return WebhookAttempt.refused("the endpoint's URL is not usable");
    }
    return send(client(), request);
  }

  /**
   * Releases the {@link HttpClient}, if one was made, and the host lookups' threads (the attempts' and the endpoint
   * checks'); later attempts fail, and later endpoint checks get no answer. Idempotent,
   * and never waits: on Java 21 and later the client is shut down at once ({@code shutdownNow()}: a request still in
   * progress, on a host thread under manual dispatch, fails and is made again later, where {@code close()} would wait
   * for it); Java 17 has no way to stop a client, so the reference is dropped, and the client's selector thread ends,
   * closing its connections and ending its worker threads, a few seconds after the client is garbage-collected. A
   * lookup thread inside the system's resolver ends when the resolver returns.
   */
  @Override
  public void close() {
    HttpClient http;
    synchronized (clientLock) {
      closed = true;
      http = client;
      client = null;
    }
    lookup.close();
    endpointLookup.close();
    if (http != null && SHUTDOWN_NOW != null) {
      try {
        SHUTDOWN_NOW.invoke(http);
      } catch (ReflectiveOperationException | RuntimeException e) {
        // Nothing to recover at shutdown: the dropped client still ends once collected.
      }
    }
  }

  /** The version the build wrote into {@code engine.properties}, or "unknown" if a repackaging dropped the file. */
  private static String engineVersion() {
    try (InputStream in = WebhookDeliverer.class.getResourceAsStream("engine.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties properties = new Properties();
      properties.load(in);
      String version = properties.getProperty("version", "").strip();
      // Only a plain token fits a header; anything else (an unfiltered placeholder) is not a version.
      return version.matches("[0-9A-Za-z.+_-]{1,40}") ? version : "unknown";
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static Method shutdownNow() {
    try {
      return HttpClient.class.getMethod("shutdownNow");
    } catch (NoSuchMethodException e) {
      return null;
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("the webhook deliverer is closed");
    }
  }

  /** The client, made on first use. */
  private HttpClient client() {
    synchronized (clientLock) {
      requireOpen();
      if (client == null) {
        client = HttpClient.newBuilder()
            .connectTimeout(settings.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
      }
      return client;
    }
  }

  private WebhookAttempt send(HttpClient http, HttpRequest request) {
    CompletableFuture<HttpResponse<Void>> future = http.sendAsync(request, HttpResponse.BodyHandlers.discarding());
    HttpResponse<Void> response;
    try {
      // The request's own timeout may stop counting at the response headers; this bound covers the body too.
      response = future.get(settings.requestTimeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      return WebhookAttempt.retry(0, null, "timed out");
    } catch (InterruptedException e) {
      // Cancelling the future aborts the exchange (Java 16 and later), so the connection does not run on.
      future.cancel(true);
      Thread.currentThread().interrupt();
      return WebhookAttempt.cancelled();
    } catch (ExecutionException e) {
      return WebhookAttempt.retry(0, null, networkError(e.getCause()));
    }
    return verdict(response.statusCode(), response.headers().firstValue("Retry-After").orElse(null));
  }

  private WebhookAttempt verdict(int status, String retryAfter) {
    if (status >= 200 && status < 300) {
      return WebhookAttempt.success(status);
    }
    if (status == 410) {
      return WebhookAttempt.gone();
    }
    String error = "HTTP " + status + (status >= 300 && status < 400 ? " (redirects are not followed)" : "");
    return WebhookAttempt.retry(status, parseRetryAfter(retryAfter, clock.instant()), error);
  }

  /** Names the failure by its type only: messages of network exceptions may carry the URL and its query. */
  private static String networkError(Throwable cause) {
    Throwable t = cause;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    // The client sometimes wraps a failure (a failed TLS handshake's SSLException among them) in a plain IOException:
    // the type worth naming is the one inside.
    while (t != null && t.getClass() == IOException.class && t.getCause() instanceof IOException) {
      t = t.getCause();
    }
    if (t instanceof HttpConnectTimeoutException) {
      return "connect timed out";
    }
    if (t instanceof HttpTimeoutException) {
      return "timed out";
    }
    if (t instanceof ConnectException) {
      return "connection failed";
    }
    if (t instanceof IOException) {
      return "network error (" + t.getClass().getSimpleName() + ")";
    }
    return "request failed (" + (t == null ? "unknown" : t.getClass().getSimpleName()) + ")";
  }

  /** The current secret, then the previous one while it still signs. */
  private static List<String> secrets(WebhookEndpointRecord endpoint, Instant now) {
    if (endpoint.previousSecret() != null && endpoint.previousSecretUntil() != null
        && now.isBefore(endpoint.previousSecretUntil())) {
      return List.of(endpoint.secret(), endpoint.previousSecret());
    }
    return List.of(endpoint.secret());
  }

  /**
   * Reads a {@code Retry-After} value: delta-seconds, or an HTTP-date in the IMF-fixdate form (the obsolete RFC 850
   * and asctime forms are ignored, as is anything unreadable). A date in the past means no wait; anything longer
   * than {@link WebhookRetrySchedule#MAX_RETRY_AFTER} is cut to it.
   *
   * @return the wait, or null if there is no readable value
   */
  static Duration parseRetryAfter(String value, Instant now) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String text = value.strip();
    Duration max = WebhookRetrySchedule.MAX_RETRY_AFTER;
    if (text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      // More than 9 digits is more than 31 years: past the cap either way, and never overflows.
      return text.length() > 9 ? max : min(Duration.ofSeconds(Long.parseLong(text)), max);
    }
    try {
      Instant at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration wait = Duration.between(now, at);
      return wait.isNegative() ? Duration.ZERO : min(wait, max);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
