package io.loyaltyengine.webhooks;

import static io.loyaltyengine.internal.SettingChecks.between;

import java.time.Duration;
import java.util.Objects;

/**
 * How the engine calls webhook endpoints. Immutable; the canonical constructor validates.
 *
 * <p>Defaults: connect timeout 5 s, request timeout 15 s, {@link WebhookAddressPolicy#PUBLIC_ONLY}.
 *
 * @param connectTimeout time to establish a connection, 100 ms..60 s
 * @param requestTimeout time for the whole request and response, 100 ms..5 min
 * @param addressPolicy which addresses endpoints may resolve to
 */
public record WebhookSettings(Duration connectTimeout, Duration requestTimeout, WebhookAddressPolicy addressPolicy) {

  /** The defaults. */
  public static final WebhookSettings DEFAULTS =
      new WebhookSettings(Duration.ofSeconds(5), Duration.ofSeconds(15), WebhookAddressPolicy.PUBLIC_ONLY);

  /**
   * Validates every setting.
   *
   * @param connectTimeout time to establish a connection, 100 ms..60 s
   * @param requestTimeout time for the whole request and response, 100 ms..5 min
   * @param addressPolicy which addresses endpoints may resolve to
   * @throws NullPointerException naming the setting, if one is null
   * @throws IllegalArgumentException naming the setting and its bounds
   */
  public WebhookSettings {
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(addressPolicy, "addressPolicy");
    between("connectTimeout", connectTimeout, Duration.ofMillis(100), Duration.ofSeconds(60));
    between("requestTimeout", requestTimeout, Duration.ofMillis(100), Duration.ofMinutes(5));
  }

  /**
   * These settings with another address policy.
   *
   * @param policy which addresses endpoints may have
   * @return new settings
   * @throws NullPointerException if {@code policy} is null
   */
  public WebhookSettings withAddressPolicy(WebhookAddressPolicy policy) {
    return new WebhookSettings(connectTimeout, requestTimeout, policy);
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
    return new WebhookSettings(connect, request, addressPolicy);
  }
}
