package io.loyaltyengine.core.webhook;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.campaign.CampaignService;
import io.loyaltyengine.core.event.EventDispatcher;
import io.loyaltyengine.core.event.EventsService;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.spi.ClaimedDelivery;
import io.loyaltyengine.core.spi.DeliveryRecord;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.core.spi.WebhookEndpointRecord;
import io.loyaltyengine.core.tenant.TenantService;
import io.loyaltyengine.core.validation.TextRules;
import io.loyaltyengine.events.DeliveryStatus;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.ParkedDelivery;
import io.loyaltyengine.webhooks.NewWebhookEndpoint;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import io.loyaltyengine.webhooks.WebhookDelivery;
import io.loyaltyengine.webhooks.WebhookEndpoint;
import io.loyaltyengine.webhooks.WebhookRegistration;
import io.loyaltyengine.webhooks.WebhookSettings;
import io.loyaltyengine.webhooks.Webhooks;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The webhook endpoints of one tenant.
 *
 * <h2>Endpoints</h2>
 * A URL is accepted if it is absolute, {@code https} ({@code http} too when the address policy is not
 * {@link WebhookAddressPolicy#PUBLIC_ONLY}), names a host (international names in their {@code xn--} form), has
 * no user info and no fragment, and is at most {@value #MAX_URL_LENGTH} characters. Unless the policy is
 * {@link WebhookAddressPolicy#ALLOW_ALL}, the host is resolved when the endpoint is created and every address must be
 * allowed; the deliverer checks again before each request (see {@link WebhookDeliverer} for what that check cannot
 * catch). The lookup runs on the deliverer's endpoint-check threads, not the host's, and is waited for up to the
 * connect timeout: one that gives no answer by then, or finds every such thread held and every waiting place taken (by
 * lookups of names that hang), refuses the endpoint. An address needs no lookup. A closing engine refuses a creation
 * before the lookup, and after it if the close began meanwhile, with its IllegalStateException, as it refuses every
 * operation: the deliverer, and its lookup, close only after the dispatcher's round in progress. Rejections are
 * VALIDATION_ERROR on {@code url}, with messages that never repeat the URL (its query may carry a token) nor its host.
 * A tenant has at most {@value Webhooks#MAX_ENDPOINTS} endpoints, enabled or not (CONFLICT on {@code webhooks} beyond):
 * {@link #create} locks the tenant's row, counts them and inserts, so that concurrent creations cannot pass the bound
 * together.
 *
 * <h2>Secrets</h2>
 * Each endpoint gets {@code whsec_} and base64 of 32 bytes from a {@link java.security.SecureRandom}; it is shown
 * only in the {@link WebhookRegistration} of {@link #create} and {@link #rotateSecret}. A rotation keeps the
 * previous secret signing alongside the new one for {@link #ROTATION_OVERLAP} or until {@link #finishRotation};
 * rotating again during a rotation drops the oldest secret.
 *
 * <h2>Deliveries</h2>
 * Deliveries to endpoint {@code n} are those of subscriber {@code webhook:n}: {@link #delete} drops them,
 * {@link #parked} lists the parked ones by event id, {@link #deliveries(long, Keyset)} all of them (or those of one
 * status) newest event first, {@link #replay} makes one due again (to an enabled endpoint: the dispatcher parks
 * deliveries to a disabled one again).
 *
 * <h2>When a change takes effect</h2>
 * Which endpoints receive an event is settled when the dispatcher positions it, by the endpoints then enabled. So
 * that this matches what they were when the event committed, {@link #create}, {@link #enable} and {@link #disable}
 * first have the dispatcher position the tenant's committed events ({@link EventDispatcher#positionCommitted}), in
 * units of work of the engine's own, also when the scope joins a host's transaction: the host's transaction never
 * holds the tenant's feed lock, which every dispatcher of the tenant takes. They read what the change needs first
 * (the tenant, the filter's campaign, the endpoint), so that a change refused for its input changes nothing.
 *
 * <p>Every other read and write is one unit of work through the scope's
 * {@link io.loyaltyengine.core.internal.Transactions}; URL checks, DNS included, happen before it starts.
 * Thread-safe when its context is.
 */
public final class WebhookService implements Webhooks {
  /** Longest URL, in characters. */
  public static final int MAX_URL_LENGTH = 2_048;

  /** How long the previous secret keeps signing after a rotation, unless the rotation is finished earlier. */
  public static final Duration ROTATION_OVERLAP = Duration.ofHours(24);

  /** The {@link WebhookEndpoint#disabledReason()} of an endpoint disabled through {@link #disable}. */
  public static final String DISABLED_BY_HOST = "disabled by the host";

  private static final String SUBSCRIBER_PREFIX = "webhook:";
  private static final System.Logger LOG = System.getLogger(WebhookService.class.getName());

  private final ScopeContext context;
  private final WebhookSettings settings;
  private final EventDispatcher dispatcher;
  private final WebhookDeliverer deliverer;

  /**
   * Creates the service.
   *
   * @param context the tenant scope's context
   * @param settings the engine's webhook settings (the address policy applies to new endpoints)
   * @param dispatcher the engine's dispatcher, which fans out the events committed before an endpoint's change
   * @param deliverer the engine's webhook deliverer, whose endpoint-check lookup looks up a new endpoint's host
   */
  public WebhookService(ScopeContext context, WebhookSettings settings, EventDispatcher dispatcher,
      WebhookDeliverer deliverer) {
    this.context = Objects.requireNonNull(context, "context");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
    this.deliverer = Objects.requireNonNull(deliverer, "deliverer");
  }

  /** The delivery subscriber name of an endpoint: {@code webhook:<endpointId>}. */
  public static String subscriber(long endpointId) {
    return SUBSCRIBER_PREFIX + endpointId;
  }

  @Override
  public WebhookRegistration create(NewWebhookEndpoint request) {
    // Refused as every operation of a closing engine is, before the lookup: the engine closes the deliverer, with
    // its lookup, only after the dispatcher's round in progress, and a lookup meanwhile waited for nothing and, were
    // the resolver to hang, refused the URL as if it were at fault.
    context.transactions().ensureOpen();
    TextRules.notNull("endpoint", request);
    String url;
    try {
      url = checkUrl(request.url(), settings.addressPolicy(), deliverer.endpointLookup(), settings.connectTimeout());
    } catch (LoyaltyException e) {
      // The engine began closing while the lookup was waited for: the closing engine's refusal, not the URL's.
      context.transactions().ensureOpen();
      throw e;
    }
    EventFilter filter = request.filter() == null ? EventFilter.all() : request.filter();
    long tenantId = context.tenantId();
    Instant now = context.now();
    String secret = WebhookSigner.newSecret();
    WebhookEndpointRecord endpoint = new WebhookEndpointRecord(tenantId, context.ids().nextId(), url,
        filter.types(), filter.campaignId(), true, null, secret, null, null, now, now);
    TransactionWork<Void> check = tx -> {
      // No foreign key guards the endpoint's tenant: without this, a scope of any id would store an orphan. Locked,
      // as API keys lock it, so that concurrent creations, counted below, cannot pass the bound together.
      tx.tenants().lock(tenantId).orElseThrow(() -> LoyaltyException.notFound("tenant"));
      if (filter.campaignId() != null) {
        CampaignService.require(tx, tenantId, filter.campaignId());
      }
      if (tx.webhookEndpoints().list(tenantId).size() >= MAX_ENDPOINTS) {
        throw LoyaltyException.conflict("webhooks", "the tenant already has " + MAX_ENDPOINTS
            + " webhook endpoints; delete one first");
      }
      return null;
    };
    // The endpoint receives the events committed after it: those before are fanned out without it.
    positionCommittedEvents(check);
    context.transactions().run(tx -> {
      check.run(tx);
      tx.webhookEndpoints().insert(endpoint);
      return null;
    });
    return new WebhookRegistration(toEndpoint(endpoint, now), secret);
  }

  @Override
  public WebhookEndpoint get(long endpointId) {
    WebhookEndpointRecord endpoint = context.transactions().runRead(tx -> require(tx, endpointId));
    return toEndpoint(endpoint, context.now());
  }

  @Override
  public List<WebhookEndpoint> list() {
    long tenantId = context.tenantId();
    // NOT_FOUND for a tenant that does not exist, as every operation of a scope (brands().list() too), not empty.
    List<WebhookEndpointRecord> endpoints = context.transactions().runRead(tx -> {
      TenantService.require(tx, tenantId);
      return tx.webhookEndpoints().list(tenantId);
    });
    Instant now = context.now();
    return endpoints.stream().map(e -> toEndpoint(e, now)).toList();
  }

  @Override
  public WebhookEndpoint enable(long endpointId) {
    // Events committed while the endpoint was disabled are fanned out without it.
    positionCommittedEvents(tx -> require(tx, endpointId));
    Instant now = context.now();
    return toEndpoint(change(endpointId, e -> e.enabled() ? e
        : new WebhookEndpointRecord(e.tenantId(), e.endpointId(), e.url(), e.types(), e.campaignId(), true, null,
            e.secret(), e.previousSecret(), e.previousSecretUntil(), e.createdAt(), now)), now);
  }

  @Override
  public WebhookEndpoint disable(long endpointId) {
    // Events committed while the endpoint was enabled are fanned out to it: parked when due, to replay after enable.
    positionCommittedEvents(tx -> require(tx, endpointId));
    Instant now = context.now();
    // Disabling a disabled endpoint keeps the reason it already has (for example 410 Gone).
    return toEndpoint(change(endpointId, e -> !e.enabled() ? e
        : new WebhookEndpointRecord(e.tenantId(), e.endpointId(), e.url(), e.types(), e.campaignId(), false,
            DISABLED_BY_HOST, e.secret(), e.previousSecret(), e.previousSecretUntil(), e.createdAt(), now)), now);
  }

  @Override
  public WebhookRegistration rotateSecret(long endpointId) {
    Instant now = context.now();
    // Made before the unit of work, so a retried transaction writes the same secret it will return.
    String secret = WebhookSigner.newSecret();
    Instant until = now.plus(ROTATION_OVERLAP);
    WebhookEndpointRecord rotated = change(endpointId, e -> new WebhookEndpointRecord(e.tenantId(), e.endpointId(),
        e.url(), e.types(), e.campaignId(), e.enabled(), e.disabledReason(), secret, e.secret(), until,
        e.createdAt(), now));
    return new WebhookRegistration(toEndpoint(rotated, now), secret);
  }

  @Override
  public WebhookEndpoint finishRotation(long endpointId) {
    Instant now = context.now();
    return toEndpoint(change(endpointId, e -> e.previousSecret() == null && e.previousSecretUntil() == null ? e
        : new WebhookEndpointRecord(e.tenantId(), e.endpointId(), e.url(), e.types(), e.campaignId(), e.enabled(),
            e.disabledReason(), e.secret(), null, null, e.createdAt(), now)), now);
  }

  @Override
  public void delete(long endpointId) {
    long tenantId = context.tenantId();
    context.transactions().run(tx -> {
      if (!tx.webhookEndpoints().delete(tenantId, endpointId)) {
        throw notFound();
      }
      tx.deliveries().deleteAll(tenantId, subscriber(endpointId));
      return null;
    });
  }

  @Override
  public CursorPage<ParkedDelivery> parked(long endpointId, Keyset page) {
    TextRules.notNull("page", page);
    // The endpoint and its deliveries at one snapshot: read in two units of work, or at READ COMMITTED, a deletion of
    // the endpoint committed between them, which takes its deliveries, showed it without them.
    return context.transactions().runRead(tx -> {
      require(tx, endpointId);
      return EventsService.parkedPage(tx, subscriber(endpointId), context.tenantId(), page);
    });
  }

  @Override
  public CursorPage<WebhookDelivery> deliveries(long endpointId, Keyset page) {
    TextRules.notNull("page", page);
    return deliveryLog(endpointId, null, page);
  }

  @Override
  public CursorPage<WebhookDelivery> deliveries(long endpointId, DeliveryStatus status, Keyset page) {
    TextRules.notNull("status", status);
    TextRules.notNull("page", page);
    return deliveryLog(endpointId, status, page);
  }

  /** A page of the endpoint's deliveries in {@code status} (all when null), read with the endpoint at one snapshot. */
  private CursorPage<WebhookDelivery> deliveryLog(long endpointId, DeliveryStatus status, Keyset page) {
    long tenantId = context.tenantId();
    // With the endpoint, as parked(): a deletion committed between two reads, which takes the deliveries, would show
    // the endpoint with an empty log.
    CursorPage<ClaimedDelivery> rows = context.transactions().runRead(tx -> {
      require(tx, endpointId);
      return CursorPage.fromRows(tx.deliveries().listForSubscriber(tenantId, subscriber(endpointId), status,
          page.afterId(), page.limit() + 1), page.limit(), c -> c.event().eventId());
    });
    return new CursorPage<>(rows.items().stream().map(c -> toDelivery(endpointId, c)).toList(), rows.nextId());
  }

  private static WebhookDelivery toDelivery(long endpointId, ClaimedDelivery c) {
    DeliveryRecord d = c.delivery();
    boolean pending = d.status() == DeliveryStatus.PENDING;
    return new WebhookDelivery(c.event().toEvent(), endpointId, d.status(), d.attempts(), d.lastError(),
        pending ? d.nextAttemptAt() : null, pending ? null : d.updatedAt());
  }

  @Override
  public boolean replay(long endpointId, String eventId) {
    long id = EventsService.parseEventId(eventId);
    long tenantId = context.tenantId();
    Instant now = context.now();
    return context.transactions().run(tx -> {
      require(tx, endpointId);
      return tx.deliveries().replay(tenantId, id, subscriber(endpointId), now);
    });
  }

  /**
   * Validates a URL for a new endpoint and checks its host against the address policy (looking a host name up on
   * {@code lookup}'s threads within {@code timeout}, unless the policy is {@link WebhookAddressPolicy#ALLOW_ALL}; an
   * address needs no lookup). An interrupt of the caller does not end the wait, which the timeout bounds; the
   * interrupt status is kept.
   *
   * @param value the URL as given
   * @param policy the engine's address policy
   * @param lookup where a host name is looked up
   * @param timeout the longest the lookup is waited for: the connect timeout
   * @return the URL, stripped of surrounding whitespace
   * @throws LoyaltyException VALIDATION_ERROR on {@code url}: malformed, refused by the policy, a host that does not
   *     resolve, whose lookup did not answer within {@code timeout}, found no thread free by then, or failed with an
   *     unchecked exception of the resolver's (logged by its class only)
   * @throws IllegalStateException if {@code lookup} is closed (the engine is)
   */
  static String checkUrl(String value, WebhookAddressPolicy policy, HostLookup lookup, Duration timeout) {
    String url = TextRules.required("url", value, MAX_URL_LENGTH);
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      // Not chained: the exception's message quotes the URL.
      throw LoyaltyException.validation("url", "url must be a valid absolute URL");
    }
    if (!uri.isAbsolute() || uri.isOpaque()) {
      throw LoyaltyException.validation("url", "url must be a valid absolute URL");
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !(scheme.equals("http") && policy != WebhookAddressPolicy.PUBLIC_ONLY)) {
      throw LoyaltyException.validation("url", policy == WebhookAddressPolicy.PUBLIC_ONLY
          ? "url must use https" : "url must use https or http");
    }
    if (uri.getRawUserInfo() != null) {
      throw LoyaltyException.validation("url", "url must not contain user info");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw LoyaltyException.validation("url", "url must name a host (international names in xn-- form)");
    }
    if (uri.getRawFragment() != null) {
      throw LoyaltyException.validation("url", "url must not have a fragment");
    }
    if (uri.getPort() != -1 && (uri.getPort() < 1 || uri.getPort() > 65_535)) {
      throw LoyaltyException.validation("url", "url's port must be between 1 and 65535");
    }
    if (policy == WebhookAddressPolicy.ALLOW_ALL) {
      return url;
    }
    InetAddress[] addresses;
    try {
      // Bounded as a delivery's lookup is: a resolver that hangs would otherwise hold the host's thread for good.
      addresses = lookup.resolveHoldingInterrupt(uri.getHost(), timeout);
    } catch (UnknownHostException e) {
      throw LoyaltyException.validation("url", "url's host does not resolve");
    } catch (HostLookup.NoAnswerException e) {
      if (lookup.closed()) {
        throw new IllegalStateException("the engine is closed");
      }
      throw LoyaltyException.validation("url", "url's host did not resolve in time");
    } catch (HostLookup.NoThreadException e) {
      // Other creations' lookups hold the threads (names that hang, most likely): nothing known of this host.
      throw LoyaltyException.validation("url",
          "url's host could not be looked up in time: every endpoint-check thread is busy");
    } catch (RuntimeException e) {
      // The resolver failed otherwise (the system's throws SecurityException where a security manager refuses the
      // lookup): the host cannot be checked, so it is refused. Neither chained nor its message logged: both may name
      // the host. An Error is no verdict on the URL, and goes on.
      LOG.log(System.Logger.Level.WARNING, "the lookup of a new webhook endpoint's host failed: "
          + e.getClass().getName());
      throw LoyaltyException.validation("url", "url's host could not be looked up");
    }
    if (!WebhookAddressRules.permitsAll(policy, addresses)) {
      throw LoyaltyException.validation("url",
          "url's host resolves to an address the engine's webhook address policy refuses");
    }
    return url;
  }

  /**
   * Has the dispatcher position the tenant's committed events (see the class description), once {@code check}, a
   * read of what the change needs, has passed: a change refused for its input changes nothing, not even that.
   */
  private void positionCommittedEvents(TransactionWork<?> check) {
    context.transactions().run(check);
    dispatcher.positionCommitted(context.tenantId());
  }

  private WebhookEndpointRecord require(Transaction tx, long endpointId) {
    return tx.webhookEndpoints().find(context.tenantId(), endpointId).orElseThrow(WebhookService::notFound);
  }

  /**
   * Locks, changes and writes an endpoint in one unit of work, so concurrent changes (two rotations, a rotation and
   * the dispatcher disabling it on 410) apply one after the other; an unchanged endpoint is not written.
   */
  private WebhookEndpointRecord change(long endpointId, UnaryOperator<WebhookEndpointRecord> change) {
    return context.transactions().run(tx -> {
      WebhookEndpointRecord current = tx.webhookEndpoints().lock(context.tenantId(), endpointId)
          .orElseThrow(WebhookService::notFound);
      WebhookEndpointRecord next = change.apply(current);
      if (next != current && !tx.webhookEndpoints().update(next)) {
        throw notFound();
      }
      return next;
    });
  }

  private static LoyaltyException notFound() {
    return LoyaltyException.notFound("webhook endpoint");
  }

  private static WebhookEndpoint toEndpoint(WebhookEndpointRecord e, Instant now) {
    boolean rotating = e.previousSecret() != null && e.previousSecretUntil() != null
        && now.isBefore(e.previousSecretUntil());
    return new WebhookEndpoint(e.endpointId(), e.tenantId(), e.url(), new EventFilter(e.types(), e.campaignId()),
        e.enabled(), e.disabledReason(), rotating, e.createdAt());
  }
}
