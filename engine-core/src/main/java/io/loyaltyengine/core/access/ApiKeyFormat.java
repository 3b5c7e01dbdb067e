package io.loyaltyengine.core.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The form of an API key: {@code lek_<tenantId>_<keyId>_<secret>}, the ids in decimal without leading zeros and the
 * secret 32 bytes of {@link SecureRandom} in base64url without padding (43 characters). The ids let the engine read
 * the key's row by its primary key, tenant first, instead of looking a hash up across every tenant.
 *
 * <p>Only the SHA-256 of the whole key is stored. A slow password hash (bcrypt, scrypt) protects guessable secrets;
 * 256 random bits cannot be guessed, so one SHA-256 is as safe here, and cheap enough for every request.
 *
 * <p>Thread-safe: stateless ({@link SecureRandom} is thread-safe).
 */
public final class ApiKeyFormat {
  /** What every key starts with. */
  public static final String PREFIX = "lek_";
  /** Characters of the secret: 32 bytes in base64url without padding. */
  public static final int SECRET_LENGTH = 43;
  /** Digits of the longest id ({@link Long#MAX_VALUE}). */
  private static final int MAX_ID_DIGITS = 19;
  /** The longest well-formed key; anything longer is refused before it is read further. */
  public static final int MAX_LENGTH = PREFIX.length() + 2 * (MAX_ID_DIGITS + 1) + SECRET_LENGTH;
  /** Characters of {@link io.loyaltyengine.access.ApiKey#hint()}. */
  public static final int HINT_LENGTH = 4;

  private static final SecureRandom RANDOM = new SecureRandom();

  private ApiKeyFormat() {
  }

  /** The tenant and key ids a well-formed key names. Immutable. */
  public record KeyId(long tenantId, long keyId) {
  }

  /** A new key for the tenant's key {@code keyId}, with a fresh secret. */
  public static String newKey(long tenantId, long keyId) {
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    return PREFIX + tenantId + "_" + keyId + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
  }

  /** The hint of a key: its last {@value #HINT_LENGTH} characters. */
  public static String hint(String key) {
    return key.substring(key.length() - HINT_LENGTH);
  }

  /** SHA-256 of the whole key's UTF-8 bytes. */
  public static byte[] hash(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** {@link #hash} in 64 lower-case hex digits, as stored. */
  public static String hashHex(String key) {
    return HexFormat.of().formatHex(hash(key));
  }

  /**
   * Reads the ids of a key, refusing anything not of the form exactly: null, too long, a wrong prefix, ids that
   * are not decimal digits, have leading zeros or overflow a long, a secret of the wrong length or with characters
   * outside base64url. Never throws.
   *
   * @return the ids, or null if the key is malformed
   */
  public static KeyId parse(String key) {
    if (key == null || key.length() > MAX_LENGTH || !key.startsWith(PREFIX)) {
      return null;
    }
    int tenantEnd = idEnd(key, PREFIX.length());
    if (tenantEnd < 0) {
      return null;
    }
    int keyEnd = idEnd(key, tenantEnd + 1);
    if (keyEnd < 0) {
      return null;
    }
    int secretStart = keyEnd + 1;
    if (key.length() - secretStart != SECRET_LENGTH) {
      return null;
    }
    for (int i = secretStart; i < key.length(); i++) {
      if (!isBase64Url(key.charAt(i))) {
        return null;
      }
    }
    long tenantId = Long.parseLong(key, PREFIX.length(), tenantEnd, 10);
    long keyId = Long.parseLong(key, tenantEnd + 1, keyEnd, 10);
    return new KeyId(tenantId, keyId);
  }

  /**
   * The index of the {@code _} that ends the id starting at {@code start}, or -1 if there is no id there: 1..19
   * digits, no leading zero, at most {@link Long#MAX_VALUE}, followed by {@code _}.
   */
  private static int idEnd(String key, int start) {
    int i = start;
    while (i < key.length() && key.charAt(i) >= '0' && key.charAt(i) <= '9') {
      i++;
    }
    int digits = i - start;
    if (digits == 0 || digits > MAX_ID_DIGITS || i >= key.length() || key.charAt(i) != '_') {
      return -1;
    }
    if (digits > 1 && key.charAt(start) == '0') {
      return -1;
    }
    if (digits == MAX_ID_DIGITS && key.substring(start, i).compareTo(Long.toString(Long.MAX_VALUE)) > 0) {
      return -1;
    }
    return i;
  }

  private static boolean isBase64Url(char c) {
    return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_';
  }
}
