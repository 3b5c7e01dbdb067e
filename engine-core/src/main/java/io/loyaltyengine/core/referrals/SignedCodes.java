package io.loyaltyengine.core.referrals;

import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.spi.SigningKey;
import io.loyaltyengine.referrals.CodeKind;
import io.loyaltyengine.referrals.DecodedCode;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Tamper-evident referral codes of one tenant, under the tenant's signing keys.
 *
 * <h2>Format</h2>
 * {@code r1.<key>.<campaign>.<participant>.<tag>}: the version prefix {@code r1.}, the key number, campaign id and
 * participant id in lower-case base 36 without leading zeros, and the first 96 bits of an HMAC-SHA256 in URL-safe
 * base64 (16 characters). At most 54 characters, URL-safe as is. The dot appears in neither base64 alphabet nor in a
 * short code, so a signed code is never mistaken for a legacy or a short one ({@link #looksSigned}).
 *
 * <p>The tag covers a fixed-layout message: the 8 ASCII bytes {@code refcode1} (the version), then the tenant id,
 * key number, campaign id and participant id, big-endian. The tenant id is in the message but not in the code, so a
 * code of another tenant never verifies, even under a key of the same number. Every field has exactly one spelling
 * (no leading zeros, no upper case, a tag with no spare bits), so no string but the issued one verifies to a value.
 *
 * <h2>Keys</h2>
 * Keys are numbered from 1; the highest signs, every key of the set verifies, so a rotation keeps earlier codes
 * working until their key is retired (removed from the tenant's keys, so from every set read after).
 * {@link #keyIdOf} names the key of a code, so a caller that meets an unknown key can reload the tenant's keys
 * (another instance may have rotated) before refusing it; {@link #merge} combines two reads of the keys.
 *
 * <h2>Concurrency and cost</h2>
 * Immutable and thread-safe. Each key keeps one initialised {@link Mac} per thread, so verifying costs four SHA-256
 * compressions and no key setup; make one instance per key set and keep it (constructing one is cheap; a thread sets a
 * key up on its first use of it). Tags are compared with {@link MessageDigest#isEqual} (constant time).
 */
public final class SignedCodes {
  /** The prefix of every signed code of this version. */
  public static final String PREFIX = "r1.";

  /** Longest signed code {@link #verify} reads, in characters. */
  public static final int MAX_LENGTH = 64;

  /** Size of a new key's secret, in bytes. */
  public static final int SECRET_BYTES = 32;

  private static final String FIELD = "code";
  private static final String HMAC = "HmacSHA256";
  private static final int MIN_SECRET_BYTES = 16;
  private static final int TAG_BYTES = 12;
  private static final int TAG_CHARS = 16;
  private static final int MAX_ID_CHARS = 13;
  private static final byte[] VERSION = {'r', 'e', 'f', 'c', 'o', 'd', 'e', '1'};
  private static final int MESSAGE_BYTES = VERSION.length + 8 + 4 + 8 + 8;
  private static final char[] BASE64URL =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();
  private static final byte[] BASE64URL_VALUE = new byte[128];
  private static final SecureRandom RANDOM = new SecureRandom();

  static {
    Arrays.fill(BASE64URL_VALUE, (byte) -1);
    for (int i = 0; i < BASE64URL.length; i++) {
      BASE64URL_VALUE[BASE64URL[i]] = (byte) i;
    }
  }

  private final long tenantId;
  /** Sorted by key number, ascending; the last signs. */
  private final Key[] keys;

  /**
   * Creates the codes of one tenant's key set.
   *
   * @param tenantId the tenant
   * @param keys the tenant's keys (non-empty); the highest keyId signs
   * @throws NullPointerException if {@code keys} or one of them is null
   * @throws IllegalArgumentException if {@code keys} is empty, holds another tenant's key, a key number below 1, a
   *     number twice, or a secret shorter than 16 bytes
   */
  public SignedCodes(long tenantId, List<SigningKey> keys) {
    Objects.requireNonNull(keys, "keys");
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("keys must not be empty");
    }
    Key[] sorted = new Key[keys.size()];
    for (int i = 0; i < sorted.length; i++) {
      SigningKey key = Objects.requireNonNull(keys.get(i), "key");
      if (key.tenantId() != tenantId) {
        throw new IllegalArgumentException("keys must all belong to tenant " + tenantId);
      }
      if (key.keyId() < 1) {
        throw new IllegalArgumentException("keyId must be at least 1");
      }
      byte[] secret = key.secret();
      if (secret.length < MIN_SECRET_BYTES) {
        throw new IllegalArgumentException("a signing key's secret must be at least " + MIN_SECRET_BYTES + " bytes");
      }
      sorted[i] = new Key(key.keyId(), new SecretKeySpec(secret, HMAC));
      Arrays.fill(secret, (byte) 0);
    }
    Arrays.sort(sorted, (a, b) -> Integer.compare(a.id, b.id));
    for (int i = 1; i < sorted.length; i++) {
      if (sorted[i].id == sorted[i - 1].id) {
        throw new IllegalArgumentException("keyId " + sorted[i].id + " appears twice");
      }
    }
    this.tenantId = tenantId;
    this.keys = sorted;
  }

  /** A set of keys already checked and sorted. */
  private SignedCodes(long tenantId, Key[] sorted) {
    this.tenantId = tenantId;
    this.keys = sorted;
  }

  /**
   * A new key with a secret of 32 bytes from {@link SecureRandom}.
   *
   * @throws IllegalArgumentException if {@code keyId} is below 1
   * @throws NullPointerException if {@code createdAt} is null
   */
  public static SigningKey newKey(long tenantId, int keyId, Instant createdAt) {
    if (keyId < 1) {
      throw new IllegalArgumentException("keyId must be at least 1");
    }
    Objects.requireNonNull(createdAt, "createdAt");
    byte[] secret = new byte[SECRET_BYTES];
    RANDOM.nextBytes(secret);
    try {
      return new SigningKey(tenantId, keyId, secret, createdAt);
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
  }

  /** The tenant whose keys these are. */
  public long tenantId() {
    return tenantId;
  }

  /** The number of the key that signs new codes (the highest). */
  public int signingKeyId() {
    return keys[keys.length - 1].id;
  }

  /** Whether the key set holds a key of this number. */
  public boolean hasKey(int keyId) {
    return find(keyId) != null;
  }

  /**
   * Whether this set holds exactly {@code read}: the same tenant, the same key numbers and, under each, the same
   * secret. A set read again that holds nothing new can then be kept, with the {@link Mac}s its threads set up.
   *
   * @throws NullPointerException if {@code read} or one of its keys is null
   */
  public boolean holdsExactly(List<SigningKey> read) {
    if (read.size() != keys.length) {
      return false;
    }
    for (SigningKey key : read) {
      Key held = find(key.keyId());
      if (key.tenantId() != tenantId || held == null) {
        return false;
      }
      byte[] secret = key.secret();
      byte[] heldSecret = held.secret.getEncoded();
      try {
        if (!MessageDigest.isEqual(secret, heldSecret)) {
          return false;
        }
      } finally {
        Arrays.fill(secret, (byte) 0);
        Arrays.fill(heldSecret, (byte) 0);
      }
    }
    return true;
  }

  /**
   * What this set and {@code other}, two reads of the tenant's committed keys, say together, whichever read came
   * later: a key numbered up to the lower of their signing keys is kept only if both hold it (it existed for both
   * reads, so the one without it saw it retired, and a retired key never comes back), a higher one from the set that
   * holds it (made after the other read). So a read that reaches a cache after a later one can neither bring back a
   * retired key nor hide a rotation. Returns this set, or {@code other}, when it holds exactly the result, so that
   * their threads keep the {@link Mac}s they set up.
   *
   * @throws IllegalArgumentException if {@code other} is another tenant's
   */
  public SignedCodes merge(SignedCodes other) {
    if (other.tenantId != tenantId) {
      throw new IllegalArgumentException("key sets of two tenants cannot be merged");
    }
    int floor = Math.min(signingKeyId(), other.signingKeyId());
    Key[] merged = new Key[keys.length + other.keys.length];
    int n = 0;
    for (Key key : keys) {
      if (key.id > floor || other.find(key.id) != null) {
        merged[n++] = key;
      }
    }
    for (Key key : other.keys) {
      if (key.id > floor) {
        merged[n++] = key; // only the set with the higher signing key has any: the order stays ascending
      }
    }
    if (sameNumbers(merged, n, keys)) {
      return this;
    }
    if (sameNumbers(merged, n, other.keys)) {
      return other;
    }
    return new SignedCodes(tenantId, Arrays.copyOf(merged, n));
  }

  private static boolean sameNumbers(Key[] merged, int n, Key[] keys) {
    if (n != keys.length) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (merged[i].id != keys[i].id) {
        return false;
      }
    }
    return true;
  }

  /**
   * Issues the signed code of a participant under the signing key.
   *
   * @throws IllegalArgumentException if an id is not positive
   */
  public String issue(long campaignId, long participantId) {
    if (campaignId <= 0 || participantId <= 0) {
      throw new IllegalArgumentException("campaignId and participantId must be positive");
    }
    Key key = keys[keys.length - 1];
    byte[] tag = key.tag(message(tenantId, key.id, campaignId, participantId));
    StringBuilder code = new StringBuilder(MAX_LENGTH).append(PREFIX)
        .append(Integer.toString(key.id, 36)).append('.')
        .append(Long.toString(campaignId, 36)).append('.')
        .append(Long.toString(participantId, 36)).append('.');
    for (int i = 0; i < TAG_BYTES; i += 3) {
      int group = (tag[i] & 0xFF) << 16 | (tag[i + 1] & 0xFF) << 8 | (tag[i + 2] & 0xFF);
      code.append(BASE64URL[group >>> 18]).append(BASE64URL[(group >>> 12) & 63])
          .append(BASE64URL[(group >>> 6) & 63]).append(BASE64URL[group & 63]);
    }
    return code.toString();
  }

  /**
   * Verifies a signed code.
   *
   * @return its campaign and participant, of kind {@link CodeKind#SIGNED}, social type {@code direct}, no invited id
   * @throws LoyaltyException VALIDATION_ERROR on {@code code} for a malformed or tampered code, another tenant's, or
   *     one under a key this set does not hold
   */
  public DecodedCode verify(String code) {
    if (code == null) {
      throw LoyaltyException.validation(FIELD, "code is required");
    }
    int length = code.length();
    if (length > MAX_LENGTH || !code.startsWith(PREFIX)) {
      throw invalid();
    }
    int keyEnd = code.indexOf('.', PREFIX.length());
    int campaignEnd = keyEnd < 0 ? -1 : code.indexOf('.', keyEnd + 1);
    int participantEnd = campaignEnd < 0 ? -1 : code.indexOf('.', campaignEnd + 1);
    if (participantEnd < 0 || length - participantEnd - 1 != TAG_CHARS) {
      throw invalid();
    }
    long keyId = parseBase36(code, PREFIX.length(), keyEnd);
    long campaignId = parseBase36(code, keyEnd + 1, campaignEnd);
    long participantId = parseBase36(code, campaignEnd + 1, participantEnd);
    byte[] given = decodeTag(code, participantEnd + 1);
    if (keyId < 0 || keyId > Integer.MAX_VALUE || campaignId < 0 || participantId < 0 || given == null) {
      throw invalid();
    }
    Key key = find((int) keyId);
    if (key == null) {
      throw LoyaltyException.validation(FIELD, "code is signed with a key this tenant does not have");
    }
    byte[] expected = key.tag(message(tenantId, key.id, campaignId, participantId));
    if (!MessageDigest.isEqual(expected, given)) {
      throw invalid();
    }
    return new DecodedCode(CodeKind.SIGNED, campaignId, "direct", participantId, null);
  }

  /**
   * Whether {@code code} looks like a signed code (it starts with {@link #PREFIX}), so the caller tries
   * {@link #verify} rather than the other kinds. Cheap; never throws.
   */
  public static boolean looksSigned(String code) {
    return code != null && code.startsWith(PREFIX);
  }

  /**
   * The key number a signed-looking code names, or -1 if it names none; so the caller can reload the tenant's keys
   * after a rotation on another instance. Never throws.
   */
  public static int keyIdOf(String code) {
    if (!looksSigned(code) || code.length() > MAX_LENGTH) {
      return -1;
    }
    int keyEnd = code.indexOf('.', PREFIX.length());
    if (keyEnd < 0) {
      return -1;
    }
    long keyId = parseBase36(code, PREFIX.length(), keyEnd);
    return keyId < 0 || keyId > Integer.MAX_VALUE ? -1 : (int) keyId;
  }

  @Override
  public String toString() {
    return "SignedCodes[tenant " + tenantId + ", " + keys.length + " keys, signing key " + signingKeyId() + "]";
  }

  private Key find(int keyId) {
    for (int i = keys.length - 1; i >= 0; i--) {
      if (keys[i].id == keyId) {
        return keys[i];
      }
    }
    return null;
  }

  private static byte[] message(long tenantId, int keyId, long campaignId, long participantId) {
    byte[] m = new byte[MESSAGE_BYTES];
    System.arraycopy(VERSION, 0, m, 0, VERSION.length);
    int at = putLong(m, VERSION.length, tenantId);
    m[at++] = (byte) (keyId >>> 24);
    m[at++] = (byte) (keyId >>> 16);
    m[at++] = (byte) (keyId >>> 8);
    m[at++] = (byte) keyId;
    at = putLong(m, at, campaignId);
    putLong(m, at, participantId);
    return m;
  }

  private static int putLong(byte[] m, int at, long value) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      m[at++] = (byte) (value >>> shift);
    }
    return at;
  }

  /** A positive canonical lower-case base-36 long in {@code s[from, to)}, or -1. */
  private static long parseBase36(String s, int from, int to) {
    int chars = to - from;
    if (chars < 1 || chars > MAX_ID_CHARS || s.charAt(from) == '0') {
      return -1;
    }
    long value = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'z') {
        d = c - 'a' + 10;
      } else {
        return -1;
      }
      if (value > (Long.MAX_VALUE - d) / 36) {
        return -1;
      }
      value = value * 36 + d;
    }
    return value;
  }

  /** The 12 bytes of the 16 URL-safe base64 characters from {@code from}, or null. */
  private static byte[] decodeTag(String s, int from) {
    byte[] tag = new byte[TAG_BYTES];
    int o = 0;
    for (int i = from; i < from + TAG_CHARS; i += 4) {
      int group = 0;
      for (int j = i; j < i + 4; j++) {
        char c = s.charAt(j);
        int v = c < 128 ? BASE64URL_VALUE[c] : -1;
        if (v < 0) {
          return null;
        }
        group = group << 6 | v;
      }
      tag[o++] = (byte) (group >>> 16);
      tag[o++] = (byte) (group >>> 8);
      tag[o++] = (byte) group;
    }
    return tag;
  }

  private static LoyaltyException invalid() {
    return LoyaltyException.validation(FIELD, "code is not a valid signed referral code");
  }

  /** One key: its number and a per-thread {@link Mac} initialised with it ({@code doFinal} resets it for reuse). */
  private static final class Key {
    final int id;
    final SecretKeySpec secret;
    private final ThreadLocal<Mac> mac;

    Key(int id, SecretKeySpec secret) {
      this.id = id;
      this.secret = secret;
      this.mac = ThreadLocal.withInitial(() -> newMac(secret));
    }

    byte[] tag(byte[] message) {
      return Arrays.copyOf(mac.get().doFinal(message), TAG_BYTES);
    }

    private static Mac newMac(SecretKeySpec secret) {
      try {
        Mac mac = Mac.getInstance(HMAC);
        mac.init(secret);
        return mac;
      } catch (GeneralSecurityException e) {
        // Every Java platform must provide HmacSHA256.
        throw new IllegalStateException("HmacSHA256 is not available", e);
      }
    }
  }
}
