package io.loyaltyengine.webhooks;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.events.DeliveryStatus;
import io.loyaltyengine.events.ParkedDelivery;
import java.util.List;

/**
 * A tenant's webhook endpoints. Thread-safe (see {@link io.loyaltyengine.TenantScope} for host transactions).
 *
 * <h2>Delivery</h2>
 * Each event that passes an enabled endpoint's filter is POSTed to it as JSON, signed per the Standard Webhooks
 * scheme: headers {@code webhook-id} (the event id, the same on every attempt), {@code webhook-timestamp} (Unix
 * seconds) and {@code webhook-signature} ({@code v1,<base64 HMAC-SHA256 of "id.timestamp.body">}; during a secret
 * rotation, one signature per secret, space-separated). A 2xx answer acknowledges the event. Otherwise the
 * delivery is retried with jitter (±10 %) after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h, then
 * parked; a {@code Retry-After} answer can lengthen a wait (up to 24 h) but never shortens it. An answer asking to
 * slow down ({@code 429}, {@code 502}, {@code 503}, {@code 504}, or any with {@code Retry-After}) pauses the endpoint
 * as no answer does (see {@link WebhookSettings}): the instance posts none of its other deliveries before the failed
 * one is due again, five minutes at most. A delivery still not
 * delivered 75 h 35 min after it was due (the schedule's delays added up; due when the event was fanned out, retried
 * or replayed) is parked too, whatever its attempts, with the last error {@code not delivered within the retry
 * window}, if its endpoint failed all that time: another of its deliveries was parked after its last attempt since
 * this one was due, and none was delivered since. While an endpoint gives no answer, an engine instance attempts only
 * one of its deliveries (the probe) after each pause of up to 5 minutes (see {@link WebhookSettings}), and the others,
 * which wait unattempted, would otherwise stay pending for as long as it stays down. Age alone parks nothing: after
 * the dispatch stood still for longer than that (the host's process down for days) the deliveries are attempted, and
 * a participant's events held back behind one the endpoint refused to the end are sent once it is parked if the
 * endpoint took other events meanwhile. Each engine instance parks them about once a minute, a batch
 * ({@link io.loyaltyengine.events.EventSettings#batchSize()}) per dispatch round, counted in
 * {@link io.loyaltyengine.events.DispatchReport#parked()}; one leased to a round in progress is left to it. A parked
 * delivery no longer holds back the participant's later events, as after its last attempt. {@code 410 Gone}
 * disables the endpoint, as {@link #disable} does (the events committed before it are parked for the endpoint as they
 * come due). Redirects are not followed. Endpoints resolving to non-public addresses are refused unless
 * {@link WebhookSettings#addressPolicy()} allows them; the check runs at registration and before every request, but
 * a hostile DNS zone whose answer changes between the check and the connection (DNS rebinding) can evade it, so
 * hosts that accept endpoints from untrusted tenants should also route webhook traffic through an egress proxy that
 * filters internal addresses. Delivery is at least once: receivers deduplicate on {@code webhook-id}, and verify
 * requests with {@link WebhookVerifier}.
 */
public interface Webhooks {
  /**
   * The most endpoints a tenant may have, enabled or disabled: every event goes to each enabled one that wants it,
   * so the bound keeps one change from turning into more than this many requests.
   */
  int MAX_ENDPOINTS = 20;

  /**
   * Registers an endpoint, enabled, with a new secret. It receives the events committed after this call, not those
   * committed before it that the dispatcher has yet to send. The URL must be absolute, {@code https} ({@code http} too
   * unless the policy is {@link WebhookAddressPolicy#PUBLIC_ONLY}), with a host, without user info or fragment, and
   * at most 2,048 characters. Unless the policy is {@link WebhookAddressPolicy#ALLOW_ALL}, its host is resolved now
   * and every address must be allowed: on threads of the engine's own, waited for up to
   * {@link WebhookSettings#connectTimeout()}, so a resolver that does not answer holds this call no longer than that
   * (an address needs no lookup). Error messages never repeat the URL.
   *
   * @param endpoint the URL and the events it receives
   * @return the endpoint and its secret, which is shown only here and by {@link #rotateSecret}
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code url} (malformed, not https, a host that
   *     does not resolve, whose lookup gives no answer within the connect timeout, finds no lookup thread free by
   *     then or fails otherwise, as the resolver refusing it, or refused by the address policy); nothing is stored;
   *     NOT_FOUND if the tenant does not exist or the filter's campaign is not the tenant's; CONFLICT on
   *     {@code webhooks} if the tenant already has {@value #MAX_ENDPOINTS} endpoints (delete one first)
   */
  WebhookRegistration create(NewWebhookEndpoint endpoint);

  /**
   * Reads an endpoint.
   *
   * @param endpointId the endpoint's id
   * @return the endpoint
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  WebhookEndpoint get(long endpointId);

  /**
   * The tenant's endpoints, oldest first.
   *
   * @return the endpoints
   */
  List<WebhookEndpoint> list();

  /**
   * Enables an endpoint (also one disabled by {@code 410 Gone}). It receives the events committed after this call;
   * those committed while it was disabled are not sent to it, even when the dispatcher had not yet handled them.
   *
   * @param endpointId the endpoint's id
   * @return the enabled endpoint
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  WebhookEndpoint enable(long endpointId);

  /**
   * Disables an endpoint: no deliveries are made to it. Events committed while it is disabled are not sent to it
   * (a disabled endpoint does not accumulate a backlog); deliveries of the events committed before this call,
   * pending or not yet made, are parked when they come due, and can be replayed after {@link #enable}. An event
   * committed while this call runs may fall on either side. An endpoint that is already disabled keeps its reason.
   *
   * @param endpointId the endpoint's id
   * @return the disabled endpoint
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  WebhookEndpoint disable(long endpointId);

  /**
   * Gives an endpoint a new secret. Until {@link #finishRotation} is called (or 24 hours pass), deliveries are
   * signed with both the new and the previous secret, so the receiver can switch over without losing events.
   * Rotating again before then drops the oldest secret.
   *
   * @param endpointId the endpoint's id
   * @return the endpoint and its new secret, which is shown only here
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  WebhookRegistration rotateSecret(long endpointId);

  /**
   * Stops signing with the previous secret.
   *
   * @param endpointId the endpoint's id
   * @return the endpoint
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  WebhookEndpoint finishRotation(long endpointId);

  /**
   * Deletes an endpoint; its pending deliveries are dropped.
   *
   * @param endpointId the endpoint's id
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  void delete(long endpointId);

  /**
   * Deliveries parked for an endpoint, by event, oldest first. The page's cursor is the number of the last event id
   * ({@code evt_<number>}).
   *
   * @param endpointId the endpoint's id
   * @param page which page
   * @return the page of parked deliveries
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND
   */
  CursorPage<ParkedDelivery> parked(long endpointId, Keyset page);

  /**
   * An endpoint's delivery log: every delivery to it the engine still holds, in every status, newest event first
   * (highest event id; ids grow with time), for an admin page of recent deliveries. A PENDING one shows its failed
   * attempts so far, its last error and when it is due; a DELIVERED or PARKED one when it became so. The page's
   * cursor is the number of the last event id ({@code evt_<number>}); the next page holds older events. An endpoint
   * has one delivery per event, so each is on one page, as it stood when that page was read (a page is read at one
   * snapshot, with the endpoint).
   *
   * <p>What the engine holds: every PENDING and PARKED delivery, and a DELIVERED one until its event is pruned (at the
   * earliest {@link io.loyaltyengine.events.EventSettings#retention()} after the event was positioned in the change
   * feed, once each of the event's deliveries, to every listener and endpoint, is delivered). An event committed but
   * not yet fanned out by the dispatcher has no delivery yet, and one committed while the endpoint was disabled gets
   * none. Deleting the endpoint drops its log with it.
   *
   * @param endpointId the endpoint's id
   * @param page which page
   * @return the page of deliveries
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND if the endpoint is not the tenant's (deleted, say);
   *     VALIDATION_ERROR on {@code page} if it is null
   */
  CursorPage<WebhookDelivery> deliveries(long endpointId, Keyset page);

  /**
   * An endpoint's delivery log in one status, newest event first, as {@link #deliveries(long, Keyset)} in all: the
   * pending deliveries of an endpoint that fails, say. In {@link DeliveryStatus#PARKED}, the deliveries
   * {@link #parked} lists oldest first.
   *
   * @param endpointId the endpoint's id
   * @param status the status to list
   * @param page which page
   * @return the page of deliveries in that status
   * @throws io.loyaltyengine.LoyaltyException NOT_FOUND if the endpoint is not the tenant's (deleted, say);
   *     VALIDATION_ERROR on {@code status} or {@code page} if it is null
   */
  CursorPage<WebhookDelivery> deliveries(long endpointId, DeliveryStatus status, Keyset page);

  /**
   * Schedules a parked delivery again, due now, from its first attempt. Enable a disabled endpoint first: deliveries
   * to a disabled endpoint are parked again.
   *
   * @param endpointId the endpoint's id
   * @param eventId the event's id, {@code evt_<number>}
   * @return whether a parked delivery of that event was found for the endpoint
   * @throws io.loyaltyengine.LoyaltyException VALIDATION_ERROR on {@code eventId} if it is not an event id;
   *     NOT_FOUND if the endpoint is not the tenant's
   */
  boolean replay(long endpointId, String eventId);
}
