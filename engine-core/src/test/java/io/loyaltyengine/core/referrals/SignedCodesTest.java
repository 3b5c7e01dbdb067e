package io.loyaltyengine.core.referrals;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.spi.SigningKey;
import io.loyaltyengine.referrals.CodeKind;
import io.loyaltyengine.referrals.DecodedCode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SignedCodesTest {
  private static final Instant T0 = Instant.parse("2025-05-01T10:00:00Z");
  private static final long TENANT = 7;

  private static SigningKey fixedKey(long tenant, int keyId) {
    byte[] secret = new byte[32];
    for (int i = 0; i < secret.length; i++) {
      secret[i] = (byte) (i + keyId);
    }
    return new SigningKey(tenant, keyId, secret, T0);
  }

  private static DecodedCode signed(long campaign, long participant) {
    return new DecodedCode(CodeKind.SIGNED, campaign, "direct", participant, null);
  }

  private static void assertRefused(SignedCodes codes, String code) {
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> codes.verify(code), code);
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals("code", e.field().orElseThrow());
    assertFalse(code != null && code.length() > 3 && e.getMessage().contains(code), "the message must not echo it");
  }

  // ==================================================================== format

  /** The documented format, recomputed here from its description, so a change to it cannot pass unnoticed. */
  @Test
  void issuedCodesFollowTheDocumentedFormat() throws Exception {
    SigningKey key = fixedKey(TENANT, 3);
    SignedCodes codes = new SignedCodes(TENANT, List.of(key));
    String code = codes.issue(1234, 98765);

    ByteBuffer message = ByteBuffer.allocate(36).put("refcode1".getBytes(StandardCharsets.US_ASCII))
        .putLong(TENANT).putInt(3).putLong(1234).putLong(98765);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key.secret(), "HmacSHA256"));
    byte[] tag = Arrays.copyOf(mac.doFinal(message.array()), 12);
    String expected = "r1.3." + Long.toString(1234, 36) + "." + Long.toString(98765, 36) + "."
        + Base64.getUrlEncoder().withoutPadding().encodeToString(tag);
    assertEquals(expected, code);
    assertEquals("r1.3.ya.247h.", code.substring(0, 13));
    assertEquals(signed(1234, 98765), codes.verify(code));
  }

  @Test
  void codesAreShortUrlSafeAndNameTheirKey() {
    SignedCodes codes = new SignedCodes(TENANT, List.of(fixedKey(TENANT, 1), fixedKey(TENANT, 2)));
    String longest = codes.issue(Long.MAX_VALUE, Long.MAX_VALUE);
    assertTrue(longest.length() <= SignedCodes.MAX_LENGTH, longest);
    assertTrue(longest.matches("r1\\.[0-9a-z]+\\.[0-9a-z]+\\.[0-9a-z]+\\.[A-Za-z0-9_-]{16}"), longest);
    assertEquals(2, codes.signingKeyId());
    assertEquals(2, SignedCodes.keyIdOf(longest));
    assertTrue(SignedCodes.looksSigned(longest));
    assertEquals(signed(Long.MAX_VALUE, Long.MAX_VALUE), codes.verify(longest));
  }

  @Test
  void issueRefusesIdsThatAreNotPositive() {
    SignedCodes codes = new SignedCodes(TENANT, List.of(fixedKey(TENANT, 1)));
    assertThrows(IllegalArgumentException.class, () -> codes.issue(0, 1));
    assertThrows(IllegalArgumentException.class, () -> codes.issue(1, -5));
  }

  // ==================================================================== round trip

  @Test
  void verifyOfIssueIsIdentityForRandomIds() {
    long seed = Long.getLong("loyalty.seed", System.nanoTime());
    SplittableRandom random = new SplittableRandom(seed);
    SignedCodes codes = new SignedCodes(TENANT, List.of(SignedCodes.newKey(TENANT, 1 + random.nextInt(5000), T0)));
    try {
      for (int run = 0; run < 10_000; run++) {
        long campaign = LegacyCodesTest.randomId(random);
        long participant = LegacyCodesTest.randomId(random);
        String code = codes.issue(campaign, participant);
        assertEquals(signed(campaign, participant), codes.verify(code), code);
        assertTrue(code.length() <= SignedCodes.MAX_LENGTH);
        assertTrue(SignedCodes.looksSigned(code));
        assertEquals(codes.signingKeyId(), SignedCodes.keyIdOf(code));
        assertFalse(ShortCodes.looksShort(code));
      }
    } catch (AssertionError | RuntimeException e) {
      System.err.println("SignedCodesTest failed for seed " + seed + "; replay with -Dloyalty.seed=" + seed);
      throw e;
    }
  }

  // ==================================================================== tenants and keys

  @Test
  void anotherTenantsCodeNeverVerifies() {
    SignedCodes ours = new SignedCodes(TENANT, List.of(SignedCodes.newKey(TENANT, 1, T0)));
    SignedCodes theirs = new SignedCodes(8, List.of(SignedCodes.newKey(8, 1, T0)));
    String code = theirs.issue(5, 6);
    assertEquals(signed(5, 6), theirs.verify(code));
    assertRefused(ours, code);
  }

  @Test
  void theTenantIdIsSignedEvenUnderTheSameSecret() {
    SigningKey key = fixedKey(TENANT, 1);
    SignedCodes ours = new SignedCodes(TENANT, List.of(key));
    SignedCodes sameSecretOtherTenant = new SignedCodes(TENANT + 1,
        List.of(new SigningKey(TENANT + 1, 1, key.secret(), T0)));
    String code = ours.issue(5, 6);
    assertRefused(sameSecretOtherTenant, code);
    assertNotEquals(code, sameSecretOtherTenant.issue(5, 6));
  }

  @Test
  void aRotatedKeySetVerifiesOldAndNewCodes() {
    SigningKey first = SignedCodes.newKey(TENANT, 1, T0);
    String old = new SignedCodes(TENANT, List.of(first)).issue(10, 20);

    SigningKey second = SignedCodes.newKey(TENANT, 2, T0.plusSeconds(60));
    SignedCodes rotated = new SignedCodes(TENANT, List.of(second, first));   // any order: the highest signs
    assertEquals(2, rotated.signingKeyId());
    String fresh = rotated.issue(10, 20);
    assertNotEquals(old, fresh);
    assertEquals(2, SignedCodes.keyIdOf(fresh));
    assertEquals(1, SignedCodes.keyIdOf(old));
    assertEquals(signed(10, 20), rotated.verify(old));
    assertEquals(signed(10, 20), rotated.verify(fresh));
    assertTrue(rotated.hasKey(1));

    SignedCodes withoutOld = new SignedCodes(TENANT, List.of(second));
    assertFalse(withoutOld.hasKey(1));
    assertRefused(withoutOld, old);
    assertEquals(signed(10, 20), withoutOld.verify(fresh));
  }

  @Test
  void aCodeUnderAKeyNotYetLoadedNamesItsKeySoTheCallerCanReload() {
    SigningKey first = SignedCodes.newKey(TENANT, 1, T0);
    SigningKey second = SignedCodes.newKey(TENANT, 2, T0);
    SignedCodes stale = new SignedCodes(TENANT, List.of(first));
    String fresh = new SignedCodes(TENANT, List.of(first, second)).issue(3, 4);
    assertRefused(stale, fresh);
    assertFalse(stale.hasKey(SignedCodes.keyIdOf(fresh)));
  }

  @Test
  void keySetsAreValidated() {
    assertThrows(NullPointerException.class, () -> new SignedCodes(TENANT, null));
    assertThrows(IllegalArgumentException.class, () -> new SignedCodes(TENANT, List.of()));
    assertThrows(IllegalArgumentException.class, () -> new SignedCodes(TENANT, List.of(fixedKey(8, 1))));
    assertThrows(IllegalArgumentException.class,
        () -> new SignedCodes(TENANT, List.of(fixedKey(TENANT, 1), fixedKey(TENANT, 1))));
    assertThrows(IllegalArgumentException.class, () -> new SignedCodes(TENANT, List.of(fixedKey(TENANT, 0))));
    assertThrows(IllegalArgumentException.class,
        () -> new SignedCodes(TENANT, List.of(new SigningKey(TENANT, 1, new byte[8], T0))));
    String text = new SignedCodes(TENANT, List.of(fixedKey(TENANT, 1))).toString();
    assertFalse(text.contains(Arrays.toString(fixedKey(TENANT, 1).secret())), text);
  }

  @Test
  void newKeysAreRandomAndThirtyTwoBytes() {
    SigningKey a = SignedCodes.newKey(TENANT, 1, T0);
    SigningKey b = SignedCodes.newKey(TENANT, 1, T0);
    assertEquals(32, a.secret().length);
    assertFalse(Arrays.equals(a.secret(), b.secret()));
    assertEquals(TENANT, a.tenantId());
    assertEquals(1, a.keyId());
    assertEquals(T0, a.createdAt());
    assertThrows(IllegalArgumentException.class, () -> SignedCodes.newKey(TENANT, 0, T0));
    assertThrows(NullPointerException.class, () -> SignedCodes.newKey(TENANT, 1, null));
  }

  // ==================================================================== malformed codes

  @Test
  void malformedAndTamperedCodesAreValidationErrorsOnCode() {
    SignedCodes codes = new SignedCodes(TENANT, List.of(fixedKey(TENANT, 1)));
    String good = codes.issue(1234, 98765);                       // r1.1.ya.247h.<16>
    String tag = good.substring(good.lastIndexOf('.') + 1);
    List<String> bad = new ArrayList<>(List.of("", "r1.", "r1", "r1....", "R1" + good.substring(2),
        "r2" + good.substring(2), good + "A", good.substring(0, good.length() - 1), good + ".",
        "r1.01.ya.247h." + tag, "r1.1.0ya.247h." + tag, "r1.1.ya.0247h." + tag, "r1.1.YA.247h." + tag,
        "r1.1.ya.247H." + tag, "r1.0.ya.247h." + tag, "r1.1.0.247h." + tag, "r1.1.ya.0." + tag,
        "r1.1.ya.247h.." + tag, "r1.1.ya." + tag, "r1.1..247h." + tag, "r1..ya.247h." + tag,
        "r1.1.ya.247h." + tag.replace(tag.charAt(0), '+'), "r1.1.ya.247h." + tag.substring(0, 15) + "=",
        "r1.1.ya.247h." + tag.substring(0, 15) + "\u00e9", "r1.1.ya.247h." + tag.substring(0, 15) + "\ud800",
        "r1.1.ya.247h." + tag + "\u0000", "r1.1.ya.247h.-" + tag.substring(1), " " + good, good + " ",
        "r1.1.1y2p0ij32e8e8.247h." + tag,                          // Long.MAX_VALUE + 1 in base 36
        "r1.1.ya.zzzzzzzzzzzzz." + tag, "r1.zzzzzz.ya.247h." + tag, "r1.-1.ya.247h." + tag,
        "r1.2.ya.247h." + tag,                                     // a key this set does not hold
        "r1.1.yb.247h." + tag, "r1.1.ya.247i." + tag,               // another campaign, another participant
        "r1.1.ya.247h." + "A".repeat(16), "r1.1.ya.247h." + tag.toUpperCase(java.util.Locale.ROOT),
        "r1." + "1".repeat(62), "r1.1.ya.247h." + tag + "x".repeat(64), "x".repeat(100_000),
        LegacyCodes.encode(1234, "direct", 98765, null), "GAVIN42"));
    bad.removeIf(good::equals);
    for (String code : bad) {
      assertRefused(codes, code);
    }
    assertRefused(codes, null);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "r1", "R1.1.a.b.c", "GAVIN42", "MTpkaXJlY3Q6MQ", "~r1.", "r1x1.2.3"})
  void onlyTheVersionPrefixLooksSigned(String code) {
    assertFalse(SignedCodes.looksSigned(code));
    assertEquals(-1, SignedCodes.keyIdOf(code));
  }

  @Test
  void keyIdOfNeverThrows() {
    assertFalse(SignedCodes.looksSigned(null));
    assertEquals(-1, SignedCodes.keyIdOf(null));
    assertEquals(-1, SignedCodes.keyIdOf("r1."));
    assertEquals(-1, SignedCodes.keyIdOf("r1.0.a.b.c"));
    assertEquals(-1, SignedCodes.keyIdOf("r1.zzzzzz.a.b.c"));      // above Integer.MAX_VALUE
    assertEquals(-1, SignedCodes.keyIdOf("r1.A.a.b.c"));
    assertEquals(-1, SignedCodes.keyIdOf("r1.1" + "1".repeat(100)));
    assertEquals(36, SignedCodes.keyIdOf("r1.10.anything"));
  }

  // ==================================================================== concurrency

  /** Each thread keeps its own Mac per key; threads verifying and issuing together never disturb one another. */
  @Test
  void oneInstanceServesManyThreads() throws Exception {
    SignedCodes codes = new SignedCodes(TENANT, List.of(fixedKey(TENANT, 1), fixedKey(TENANT, 2)));
    String old = new SignedCodes(TENANT, List.of(fixedKey(TENANT, 1))).issue(77, 88);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        long base = t * 1_000_000L;
        results.add(pool.submit(() -> {
          int verified = 0;
          for (int i = 1; i <= 2_000; i++) {
            assertEquals(signed(base + i, i), codes.verify(codes.issue(base + i, i)));
            assertEquals(signed(77, 88), codes.verify(old));
            verified++;
          }
          return verified;
        }));
      }
      for (Future<Integer> r : results) {
        assertEquals(2_000, r.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void theSecretCopiesAreNotShared() {
    SigningKey key = fixedKey(TENANT, 1);
    byte[] secret = key.secret();
    SignedCodes codes = new SignedCodes(TENANT, List.of(key));
    String code = codes.issue(1, 2);
    assertArrayEquals(secret, key.secret(), "constructing SignedCodes leaves the key's secret alone");
    assertEquals(signed(1, 2), codes.verify(code));
  }

  // ==================================================================== a key set read again

  /**
   * A key set read again keeps the cached codes only when the read holds exactly their keys: a refresh that finds
   * nothing new keeps the Macs set up, anything else makes new codes, which verify under what was read.
   */
  @Test
  void aKeySetReadAgainKeepsTheCachedCodesOnlyWhenItHoldsExactlyTheirKeys() {
    SignedCodes cached = new SignedCodes(TENANT, List.of(fixedKey(TENANT, 1), fixedKey(TENANT, 2)));
    assertTrue(cached.holdsExactly(List.of(fixedKey(TENANT, 2), fixedKey(TENANT, 1))), "the same keys, any order");
    assertSame(cached, SigningKeys.codesFor(TENANT, cached, List.of(fixedKey(TENANT, 1), fixedKey(TENANT, 2))));

    byte[] otherSecret = fixedKey(TENANT, 2).secret();
    otherSecret[31] ^= 1;
    SigningKey changed = new SigningKey(TENANT, 2, otherSecret, T0);
    List<List<SigningKey>> others = List.of(
        List.of(fixedKey(TENANT, 1)),
        List.of(fixedKey(TENANT, 1), fixedKey(TENANT, 2), fixedKey(TENANT, 3)),
        List.of(fixedKey(TENANT, 1), fixedKey(TENANT, 3)),
        List.of(fixedKey(TENANT, 1), changed));
    for (List<SigningKey> read : others) {
      assertFalse(cached.holdsExactly(read), read.toString());
      SignedCodes fresh = SigningKeys.codesFor(TENANT, cached, read);
      assertNotSame(cached, fresh, read.toString());
      SignedCodes expected = new SignedCodes(TENANT, read);
      assertEquals(expected.signingKeyId(), fresh.signingKeyId());
      assertEquals(signed(5, 6), fresh.verify(expected.issue(5, 6)), "the new codes hold what was read");
    }
    assertFalse(cached.holdsExactly(List.of(fixedKey(TENANT + 1, 1), fixedKey(TENANT + 1, 2))), "another tenant's");
    String code = new SignedCodes(TENANT, List.of(fixedKey(TENANT, 1), fixedKey(TENANT, 2))).issue(8, 9);
    assertEquals(signed(8, 9), cached.verify(code), "comparing leaves the cached codes' secrets alone");
    assertNotSame(cached, SigningKeys.codesFor(TENANT, null, List.of(fixedKey(TENANT, 1))), "nothing cached");
  }

  /**
   * Two reads of one tenant's keys merged, in either order (a slow read reaches the cache after a later one): no key
   * that the later read saw retired verifies, and no key it saw made is lost, so the newest one signs.
   */
  @Test
  void mergedKeySetsKeepNoKeyEitherSawRetiredAndLoseNoRotation() {
    SignedCodes early = new SignedCodes(TENANT, List.of(fixedKey(TENANT, 1), fixedKey(TENANT, 2),
        fixedKey(TENANT, 3)));
    // Read later: key 2 was retired, key 4 made since.
    SignedCodes later = new SignedCodes(TENANT, List.of(fixedKey(TENANT, 1), fixedKey(TENANT, 3),
        fixedKey(TENANT, 4)));
    String underKey1 = new SignedCodes(TENANT, List.of(fixedKey(TENANT, 1))).issue(5, 6);
    String underKey2 = new SignedCodes(TENANT, List.of(fixedKey(TENANT, 2))).issue(5, 6);
    for (SignedCodes merged : List.of(early.merge(later), later.merge(early))) {
      assertSame(later, merged, "the later read knows all the earlier did; its set is kept, with its Macs");
      assertEquals(4, merged.signingKeyId());
      assertEquals(signed(5, 6), merged.verify(underKey1));
      assertRefused(merged, underKey2);
    }
    // Only key 2 retired since (no rotation): the later set has fewer keys and the same signing key.
    SignedCodes retired = new SignedCodes(TENANT, List.of(fixedKey(TENANT, 1), fixedKey(TENANT, 3)));
    assertSame(retired, early.merge(retired));
    assertSame(retired, retired.merge(early), "a read from before the retirement cannot bring key 2 back");
    // Sets no single read could give (key 2 kept by one, key 4 known only to the other) merge key by key.
    SignedCodes mixed = retired.merge(new SignedCodes(TENANT, List.of(fixedKey(TENANT, 2), fixedKey(TENANT, 3),
        fixedKey(TENANT, 4))));
    assertEquals(List.of(false, false, true, true), List.of(mixed.hasKey(1), mixed.hasKey(2), mixed.hasKey(3),
        mixed.hasKey(4)));
    SignedCodes same = new SignedCodes(TENANT, List.of(fixedKey(TENANT, 1), fixedKey(TENANT, 2),
        fixedKey(TENANT, 3)));
    assertSame(early, early.merge(same), "a merge that changes nothing keeps the set, and its threads' Macs");
    assertThrows(IllegalArgumentException.class,
        () -> early.merge(new SignedCodes(TENANT + 1, List.of(fixedKey(TENANT + 1, 1)))));
  }
}
