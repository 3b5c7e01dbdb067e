package io.loyaltyengine.webhooks;

/**
 * An endpoint with its signing secret, returned when the endpoint is created and when its secret is rotated.
 * The secret ({@code whsec_} and base64 of random bytes) is what a receiver passes to {@link WebhookVerifier};
 * {@link #toString()} hides it. Immutable.
 *
 * @param endpoint the endpoint
 * @param secret the current signing secret
 */
public record WebhookRegistration(WebhookEndpoint endpoint, String secret) {
  @Override
  public String toString() {
    return "WebhookRegistration[endpoint=" + endpoint + ", secret=<hidden>]";
  }
}
