package io.loyaltyengine.webhooks;

import static io.loyaltyengine.internal.SettingChecks.between;

import java.time.Duration;
import java.util.Objects;

/**
 * How the engine calls webhook endpoints. Immutable; the canonical constructor validates.
 *
 * <p>Defaults: connect timeout 5 s, request timeout 15 s, {@link WebhookAddressPolicy#PUBLIC_ONLY}, 4 delivery
 * threads.
 *
 * <p>The dispatcher posts to the endpoints of a round on its own pool of {@code deliveryThreads} threads (daemon
 * threads named {@code loyalty-webhook-delivery-<n>}, made when needed, ended when idle and when the engine closes):
 * one endpoint's deliveries of the round go one after another on one thread, different endpoints at once, so an
 * endpoint that answers slowly or not at all holds up only its own deliveries. An endpoint that gives no answer (a
 * timeout, a failed connection), or asks to slow down ({@code 429}, {@code 502}, {@code 503}, {@code 504}, or any
 * answer with {@code Retry-After}), gets no other attempt from that engine instance until the failed delivery's
 * retry is due, five minutes at most; meanwhile the instance does not claim its deliveries, which wait unleased and are
 * delivered in the first round after the pause (an instance leaves out at most 1,000 paused endpoints, those whose
 * pause ends first: another one's deliveries are claimed and left until their lease runs out); those still not
 * delivered the retry schedule's span after they were due, while the endpoint failed, are parked (see
 * {@link Webhooks}). The pause is the
 * instance's own memory: other instances, and the same one after a restart, attempt the endpoint again. Rounds never
 * overlap, so one instance never has two calls to one endpoint in progress. A round whose thread is interrupted (a
 * host's {@link io.loyaltyengine.events.Events#dispatch()}) interrupts the delivery threads of its calls, which
 * cancel their requests: a cancelled call counts no attempt and pauses nothing, and its delivery is made again once
 * its lease runs out.
 *
 * <p>The connect timeout also bounds the lookup of the endpoint's host, made before each attempt for the address
 * policy's check (none under {@link WebhookAddressPolicy#ALLOW_ALL}, nor for an address, which is parsed at once
 * on the delivery thread): Java 17 cannot bound the system resolver, so
 * the instance runs lookups on threads of its own (at most {@code deliveryThreads} at once, daemon threads named
 * {@code loyalty-webhook-lookup-<n>}, and as many more waiting; one more is refused at once) and waits up to the
 * connect timeout. A lookup that takes longer counts as no answer from the endpoint, as a connect timeout does; its
 * thread is left to end when the resolver returns. One that finds no thread (every one held, by other hosts' lookups
 * that hang) was never made, which says nothing of the endpoint: no attempt is counted, the endpoint is not paused,
 * and the delivery is attempted again once its lease runs out. So one attempt lasts at most the connect timeout and
 * the request timeout together, a resolver that hangs holds a bounded number of threads, and endpoints whose names
 * hang do not make the others' attempts fail. The check of an endpoint the host creates ({@link Webhooks#create})
 * looks its host up the same way, within the connect timeout, on threads of its own (at most {@code deliveryThreads},
 * daemon threads named {@code loyalty-webhook-check-<n>}, ended when idle and when the engine closes): a lookup that
 * gives no answer by then refuses the endpoint, and the host's call waits no longer.
 *
 * @param connectTimeout time to look up an endpoint's host, and to establish a connection, 100 ms..60 s
 * @param requestTimeout time for the whole request and response, 100 ms..5 min
 * @param addressPolicy which addresses endpoints may resolve to
 * @param deliveryThreads endpoints posted to at once by one engine instance, 1..64
 */
public record WebhookSettings(Duration connectTimeout, Duration requestTimeout, WebhookAddressPolicy addressPolicy,
    int deliveryThreads) {

  /** The default number of delivery threads. */
  public static final int DEFAULT_DELIVERY_THREADS = 4;

  /** The defaults. */
  public static final WebhookSettings DEFAULTS = new WebhookSettings(Duration.ofSeconds(5), Duration.ofSeconds(15),
      WebhookAddressPolicy.PUBLIC_ONLY, DEFAULT_DELIVERY_THREADS);

  /**
   * Validates every setting.
   *
   * @param connectTimeout time to look up an endpoint's host, and to establish a connection, 100 ms..60 s
   * @param requestTimeout time for the whole request and response, 100 ms..5 min
   * @param addressPolicy which addresses endpoints may resolve to
   * @param deliveryThreads endpoints posted to at once by one engine instance, 1..64
   * @throws NullPointerException naming the setting, if one is null
   * @throws IllegalArgumentException naming the setting and its bounds
   */
  public WebhookSettings {
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(addressPolicy, "addressPolicy");
    between("connectTimeout", connectTimeout, Duration.ofMillis(100), Duration.ofSeconds(60));
    between("requestTimeout", requestTimeout, Duration.ofMillis(100), Duration.ofMinutes(5));
    between("deliveryThreads", deliveryThreads, 1, 64);
  }

  /**
   * These settings with another address policy.
   *
   * @param policy which addresses endpoints may have
   * @return new settings
   * @throws NullPointerException if {@code policy} is null
   */
  public WebhookSettings withAddressPolicy(WebhookAddressPolicy policy) {
    return new WebhookSettings(connectTimeout, requestTimeout, policy, deliveryThreads);
  }

  /**
   * These settings with other timeouts.
   *
   * @param connect the connect timeout
   * @param request the request timeout
   * @return new settings
   * @throws NullPointerException naming the setting, if a timeout is null
   * @throws IllegalArgumentException naming the setting and its bounds, if a timeout is outside them
   */
  public WebhookSettings withTimeouts(Duration connect, Duration request) {
    return new WebhookSettings(connect, request, addressPolicy, deliveryThreads);
  }

  /**
   * These settings with another number of delivery threads: how many endpoints one engine instance posts to at once.
   *
   * @param threads the delivery threads, 1..64
   * @return new settings
   * @throws IllegalArgumentException naming the setting and its bounds, if {@code threads} is outside them
   */
  public WebhookSettings withDeliveryThreads(int threads) {
    return new WebhookSettings(connectTimeout, requestTimeout, addressPolicy, threads);
  }
}
