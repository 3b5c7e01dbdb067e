package io.loyaltyengine.access;

/**
 * A newly issued API key with its secret: the only time the full key is seen. Hand {@link #secret()} to the
 * client once; the engine cannot show it again. {@link #toString()} hides it. Immutable.
 *
 * @param key the key, as {@link ApiKeys#get} returns it
 * @param secret the full key the client presents ({@code lek_<tenantId>_<keyId>_<43 characters of base64url>})
 */
public record IssuedApiKey(ApiKey key, String secret) {
  @Override
  public String toString() {
    return "IssuedApiKey[key=" + key + ", secret=<hidden>]";
  }
}
