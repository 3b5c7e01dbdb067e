package io.loyaltyengine.webhooks;

/**
 * Which network addresses webhook endpoints may resolve to. The default refuses every address that is not public,
 * so that a tenant cannot point the engine at the host's own network (server-side request forgery). Immutable.
 */
public enum WebhookAddressPolicy {
  /**
   * Public addresses only, over {@code https} only: loopback, link-local, private, carrier-grade NAT, unique-local,
   * multicast, wildcard, documentation and other reserved addresses (IANA's special-purpose ranges that are not
   * globally reachable) are refused, as are IPv6 forms that embed such an IPv4 address (IPv4-mapped, NAT64, 6to4)
   * and Teredo.
   */
  PUBLIC_ONLY,
  /** Public addresses and loopback ({@code 127/8}, {@code ::1}), over https or http (tests, local development). */
  ALLOW_LOOPBACK,
  /** Any address, over https or http, without a lookup (hosts whose endpoints live on a network they trust). */
  ALLOW_ALL
}
