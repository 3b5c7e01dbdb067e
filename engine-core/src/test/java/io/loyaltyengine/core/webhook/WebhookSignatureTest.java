package io.loyaltyengine.core.webhook;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.webhooks.WebhookVerificationException;
import io.loyaltyengine.webhooks.WebhookVerificationException.Reason;
import io.loyaltyengine.webhooks.WebhookVerifier;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The signer ({@link WebhookSigner}) and the receivers' verifier ({@link WebhookVerifier}) against the Standard
 * Webhooks reference test vectors, and against each other.
 *
 * <p>Vectors from standard-webhooks/standard-webhooks, {@code libraries/java/src/test/java/com/standardwebhooks/
 * WebhookTest.java} ({@code verifyWebhookSignWorks}, {@code verifyValidPayloadWithMultipleSignaturesIsValid}),
 * {@code libraries/javascript/src/webhook.test.ts} ({@code "sign function works"}, {@code "invalid signature throws
 * error"}, {@code "partial signature throws error"}) and {@code libraries/python/tests/test_webhooks.py}
 * ({@code test_sign_function}, {@code test_invalid_signature_raises_error}); the same values appear in the Go and
 * other reference libraries.
 */
class WebhookSignatureTest {
  // Reference vector: secret, message id, timestamp, payload and the signature every reference library expects.
  private static final String REF_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static final String REF_SECRET_UNPREFIXED = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static final String REF_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  private static final long REF_TIMESTAMP = 1614265330;
  private static final String REF_PAYLOAD = "{\"test\": 2432232314}";
  private static final String REF_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
  // A well-formed v1 signature that matches nothing (the reference multi-signature and Go tests).
  private static final String REF_WRONG = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";

  private static final Clock AT_REF = Clock.fixed(Instant.ofEpochSecond(REF_TIMESTAMP), ZoneOffset.UTC);
  private static final WebhookVerifier REF_VERIFIER = WebhookVerifier.of(REF_SECRET).withClock(AT_REF);

  @Test
  void signerProducesTheReferenceSignature() {
    assertEquals(REF_SIGNATURE, WebhookSigner.signatureHeader(List.of(REF_SECRET), REF_ID, REF_TIMESTAMP,
        REF_PAYLOAD.getBytes(StandardCharsets.UTF_8)));
    assertEquals(REF_SIGNATURE, WebhookSigner.signatureHeader(List.of(REF_SECRET_UNPREFIXED), REF_ID,
        REF_TIMESTAMP, REF_PAYLOAD.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void verifierAcceptsTheReferenceSignatureWithOrWithoutPrefix() {
    REF_VERIFIER.verify(REF_ID, Long.toString(REF_TIMESTAMP), REF_SIGNATURE, REF_PAYLOAD);
    WebhookVerifier.of(REF_SECRET_UNPREFIXED).withClock(AT_REF)
        .verify(REF_ID, Long.toString(REF_TIMESTAMP), REF_SIGNATURE, REF_PAYLOAD.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void verifierAcceptsTheReferenceMultiSignatureHeader() {
    String header = String.join(" ", REF_WRONG, "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=", REF_SIGNATURE,
        REF_WRONG);
    REF_VERIFIER.verify(REF_ID, Long.toString(REF_TIMESTAMP), header, REF_PAYLOAD);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",   // python: last character changed
      "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",   // go: another payload's signature
      "v1,dawfeoifkpqwoekfpqoekf",                          // javascript: invalid signature
      "v1,g0hM9",                                           // javascript: partial signature
      "v1,",                                                // javascript: partial signature
      "v1,invalid_signature",                               // java: signature mismatch
      "invalid_signature",                                  // java: missing parts
      "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",   // the right MAC under another version is ignored
      "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",  // asymmetric identifier, not ours
      "v1g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="})  // no comma
  void verifierRejectsTheReferenceBadSignatures(String signature) {
    assertReason(Reason.NO_MATCHING_SIGNATURE,
        () -> REF_VERIFIER.verify(REF_ID, Long.toString(REF_TIMESTAMP), signature, REF_PAYLOAD));
  }

  @Test
  void tamperedBodyIdOrTimestampIsRejected() {
    String ts = Long.toString(REF_TIMESTAMP);
    assertReason(Reason.NO_MATCHING_SIGNATURE,
        () -> REF_VERIFIER.verify(REF_ID, ts, REF_SIGNATURE, "{\"test\": 2432232315}"));
    assertReason(Reason.NO_MATCHING_SIGNATURE,
        () -> REF_VERIFIER.verify(REF_ID, ts, REF_SIGNATURE, REF_PAYLOAD + " "));
    assertReason(Reason.NO_MATCHING_SIGNATURE,
        () -> REF_VERIFIER.verify("msg_p5jXN8AQM9LWM0D4loKWxJeK", ts, REF_SIGNATURE, REF_PAYLOAD));
    assertReason(Reason.NO_MATCHING_SIGNATURE,
        () -> REF_VERIFIER.verify(REF_ID, Long.toString(REF_TIMESTAMP + 1), REF_SIGNATURE, REF_PAYLOAD));
  }

  @Test
  void tamperedSignatureIsRejected() {
    byte[] mac = Base64.getDecoder().decode(REF_SIGNATURE.substring(3));
    for (int i = 0; i < mac.length; i++) {
      byte[] flipped = mac.clone();
      flipped[i] ^= 0x01;
      String tampered = "v1," + Base64.getEncoder().encodeToString(flipped);
      assertReason(Reason.NO_MATCHING_SIGNATURE,
          () -> REF_VERIFIER.verify(REF_ID, Long.toString(REF_TIMESTAMP), tampered, REF_PAYLOAD));
    }
  }

  @Test
  void timestampsWithinFiveMinutesEitherWayAreAcceptedAndBeyondRejected() {
    long now = 1_714_557_600L;
    WebhookVerifier verifier = WebhookVerifier.of(REF_SECRET)
        .withClock(Clock.fixed(Instant.ofEpochSecond(now), ZoneOffset.UTC));
    assertDoesNotThrow(() -> verifySignedAt(verifier, now - 300));
    assertDoesNotThrow(() -> verifySignedAt(verifier, now + 300));
    assertDoesNotThrow(() -> verifySignedAt(verifier, now));
    assertReason(Reason.TIMESTAMP_TOO_OLD, () -> verifySignedAt(verifier, now - 301));
    assertReason(Reason.TIMESTAMP_TOO_NEW, () -> verifySignedAt(verifier, now + 301));
  }

  @Test
  void aClockBetweenWholeSecondsCountsTheWholeSecond() {
    long now = 1_714_557_600L;
    WebhookVerifier verifier = WebhookVerifier.of(REF_SECRET)
        .withClock(Clock.fixed(Instant.ofEpochSecond(now, 999_000_000), ZoneOffset.UTC));
    assertDoesNotThrow(() -> verifySignedAt(verifier, now - 300));
    assertReason(Reason.TIMESTAMP_TOO_OLD, () -> verifySignedAt(verifier, now - 301));
  }

  @Test
  void rotationSignaturesVerifyUnderEitherSecret() {
    String previous = WebhookSigner.newSecret();
    String current = WebhookSigner.newSecret();
    byte[] body = "{\"id\":\"evt_1\"}".getBytes(StandardCharsets.UTF_8);
    String header = WebhookSigner.signatureHeader(List.of(current, previous), "evt_1", REF_TIMESTAMP, body);
    assertEquals(2, header.split(" ").length);
    String ts = Long.toString(REF_TIMESTAMP);
    WebhookVerifier.of(current).withClock(AT_REF).verify("evt_1", ts, header, body);
    WebhookVerifier.of(previous).withClock(AT_REF).verify("evt_1", ts, header, body);
    // A receiver holding both secrets while it switches over accepts a header signed by either alone.
    WebhookVerifier both = WebhookVerifier.of(previous, current).withClock(AT_REF);
    both.verify("evt_1", ts, WebhookSigner.signatureHeader(List.of(current), "evt_1", REF_TIMESTAMP, body), body);
    both.verify("evt_1", ts, WebhookSigner.signatureHeader(List.of(previous), "evt_1", REF_TIMESTAMP, body), body);
    assertReason(Reason.NO_MATCHING_SIGNATURE, () -> WebhookVerifier.of(WebhookSigner.newSecret()).withClock(AT_REF)
        .verify("evt_1", ts, header, body));
  }

  @Test
  void missingHeadersAreReportedAsSuch() {
    String ts = Long.toString(REF_TIMESTAMP);
    assertReason(Reason.MISSING_HEADER, () -> REF_VERIFIER.verify(null, ts, REF_SIGNATURE, REF_PAYLOAD));
    assertReason(Reason.MISSING_HEADER, () -> REF_VERIFIER.verify(REF_ID, null, REF_SIGNATURE, REF_PAYLOAD));
    assertReason(Reason.MISSING_HEADER, () -> REF_VERIFIER.verify(REF_ID, ts, null, REF_PAYLOAD));
    assertReason(Reason.MISSING_HEADER, () -> REF_VERIFIER.verify(" ", ts, REF_SIGNATURE, REF_PAYLOAD));
    assertReason(Reason.MISSING_HEADER, () -> REF_VERIFIER.verify(REF_ID, ts, "", REF_PAYLOAD));
  }

  @ParameterizedTest
  @ValueSource(strings = {"hello", "-1614265330", "+1614265330", "1614265330.0", "1.6e9", "0x603",
      "\uff11\uff16\uff11\uff14\uff12\uff16\uff15\uff13\uff13\uff10", "9999999999999999999999"})
  void malformedTimestampsAreRejected(String timestamp) {
    assertReason(Reason.INVALID_TIMESTAMP, () -> REF_VERIFIER.verify(REF_ID, timestamp, REF_SIGNATURE, REF_PAYLOAD));
  }

  @Test
  void leadingZerosInTheTimestampSignAsTheNumberAsInTheReferenceLibraries() {
    REF_VERIFIER.verify(REF_ID, "0" + REF_TIMESTAMP, REF_SIGNATURE, REF_PAYLOAD);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "whsec_", "whsec_***invalid***", "whsec_c2hvcnQ="})
  void malformedSecretsAreRejectedWithoutQuotingThem(String secret) {
    WebhookVerificationException e = assertThrows(WebhookVerificationException.class,
        () -> WebhookVerifier.of(REF_SECRET, secret));
    assertEquals(Reason.INVALID_SECRET, e.reason());
    assertTrue(e.getMessage().startsWith("secret 2 "), e.getMessage());
    if (secret.length() > 6) {
      assertFalse(e.getMessage().contains(secret.substring(6)));
    }
    assertEquals(Reason.INVALID_SECRET,
        assertThrows(WebhookVerificationException.class, () -> WebhookVerifier.of(null)).reason());
  }

  @Test
  void secretsMustBeTwentyFourToSixtyFourBytes() {
    Base64.Encoder b64 = Base64.getEncoder();
    assertDoesNotThrow(() -> WebhookVerifier.of("whsec_" + b64.encodeToString(new byte[24])));
    assertDoesNotThrow(() -> WebhookVerifier.of("whsec_" + b64.encodeToString(new byte[64])));
    assertReason(Reason.INVALID_SECRET, () -> WebhookVerifier.of("whsec_" + b64.encodeToString(new byte[23])));
    assertReason(Reason.INVALID_SECRET, () -> WebhookVerifier.of("whsec_" + b64.encodeToString(new byte[65])));
  }

  @Test
  void messagesAndToStringNeverCarryTheSecretOrTheBody() {
    String body = "{\"email\":\"ada@example.com\"}";
    WebhookVerificationException e = assertThrows(WebhookVerificationException.class,
        () -> REF_VERIFIER.verify(REF_ID, Long.toString(REF_TIMESTAMP), REF_WRONG, body));
    for (String text : List.of(e.getMessage(), e.toString(), REF_VERIFIER.toString())) {
      assertFalse(text.contains("ada@example.com"), text);
      assertFalse(text.contains(REF_SECRET_UNPREFIXED), text);
      assertFalse(text.contains(REF_WRONG.substring(3)), text);
    }
  }

  @Test
  void newSecretsAreThirtyTwoRandomBytesBehindThePrefix() {
    String a = WebhookSigner.newSecret();
    String b = WebhookSigner.newSecret();
    assertTrue(a.startsWith("whsec_"));
    assertEquals(32, Base64.getDecoder().decode(a.substring(6)).length);
    assertFalse(a.equals(b));
  }

  /**
   * A seeded fuzz of what a receiver is sent: headers and bodies mixed from valid, damaged and malformed parts.
   * {@code verify} accepts exactly the reference request (whitespace around the timestamp, leading zeros and extra
   * spaces in the signature header aside), and otherwise throws WebhookVerificationException, never another
   * exception (a null body's NullPointerException is documented), quoting neither the body nor a signature.
   * {@code -Dloyalty.seed} replays one seed.
   */
  @Test
  void fuzzedRequestsGetAReasonAndNothingElse() {
    long seed = Long.getLong("loyalty.seed", 20_240_229L);
    SplittableRandom random = new SplittableRandom(seed);
    String ts = Long.toString(REF_TIMESTAMP);
    String[] ids = {REF_ID, null, "", " ", REF_ID + "x", REF_ID.substring(1), "x".repeat(100_000), "msg_\u0000",
        "\ud800"};
    String[] stamps = {ts, null, "", " ", " " + ts + " ", "0" + ts, ts + "\n", "\u00a0" + ts,
        Long.toString(REF_TIMESTAMP + 301), Long.toString(REF_TIMESTAMP - 301), "999999999999999999",
        "9223372036854775807", "-0", "\u0663", "1".repeat(10_000)};
    String[] signatures = {REF_SIGNATURE, null, "", " ", REF_WRONG, "v1,", "v1", ",", "v1,!!!",
        "v2," + REF_SIGNATURE.substring(3), "v1," + "A".repeat(100_000), REF_WRONG + " " + REF_SIGNATURE,
        "  " + REF_SIGNATURE, REF_SIGNATURE.toLowerCase(java.util.Locale.ROOT), REF_SIGNATURE + "=",
        "v1 ," + REF_SIGNATURE.substring(3), REF_SIGNATURE + "\u0000", " ".repeat(50_000)};
    byte[] reference = REF_PAYLOAD.getBytes(StandardCharsets.UTF_8);
    byte[][] bodies = {reference, null, new byte[0], (REF_PAYLOAD + " ").getBytes(StandardCharsets.UTF_8),
        {(byte) 0xff, (byte) 0xfe}, new byte[1_000_000]};
    for (int i = 0; i < 3_000; i++) {
      String id = ids[random.nextInt(ids.length)];
      String stamp = stamps[random.nextInt(stamps.length)];
      String signature = signatures[random.nextInt(signatures.length)];
      byte[] body = bodies[random.nextInt(bodies.length)];
      String call = "seed " + seed + " call " + i;
      boolean authentic = REF_ID.equals(id) && stamp != null && stamp.strip().replaceFirst("^0+", "").equals(ts)
          && signature != null && List.of(signature.split(" ")).contains(REF_SIGNATURE) && body == reference;
      try {
        REF_VERIFIER.verify(id, stamp, signature, body);
        assertTrue(authentic, call + " accepted an inauthentic request");
      } catch (WebhookVerificationException e) {
        assertFalse(authentic, call + " refused the authentic request: " + e.reason());
        assertFalse(e.getMessage().contains("test") || e.getMessage().contains(REF_SIGNATURE.substring(3, 20)),
            call + " quoted the request: " + e.getMessage());
      } catch (NullPointerException e) {
        assertTrue(body == null, call + " threw " + e);
      } catch (RuntimeException e) {
        throw new AssertionError(call + " threw " + e, e);
      }
    }
  }

  /**
   * A seeded fuzz of the receiver's secrets: {@code of} accepts a secret exactly when it is base64 (after an
   * optional {@code whsec_}) of 24..64 bytes, and otherwise throws INVALID_SECRET without quoting it.
   */
  @Test
  void fuzzedSecretsAreAcceptedOrInvalidAndNeverQuoted() {
    long seed = Long.getLong("loyalty.seed", 20_240_301L);
    SplittableRandom random = new SplittableRandom(seed);
    Base64.Encoder b64 = Base64.getEncoder();
    for (int i = 0; i < 2_000; i++) {
      byte[] key = new byte[random.nextInt(80)];
      random.nextBytes(key);
      String encoded = b64.encodeToString(key);
      int at = encoded.isEmpty() ? 0 : random.nextInt(encoded.length());
      String[] choices = {encoded, "whsec_" + encoded, "whsec_" + encoded.replace("=", ""),
          "whsec_" + encoded.substring(0, at) + "\u0000" + encoded.substring(at), " whsec_" + encoded,
          "whsec_" + encoded + "\n", "whsec_" + Base64.getUrlEncoder().encodeToString(key), "whsec_whsec_" + encoded,
          "whsec_" + encoded.substring(0, at) + "\u00e9" + encoded.substring(at)};
      String secret = choices[random.nextInt(choices.length)];
      String body = secret.startsWith("whsec_") ? secret.substring(6) : secret;
      int decoded;
      try {
        decoded = body.isBlank() ? -1 : Base64.getDecoder().decode(body).length;
      } catch (IllegalArgumentException e) {
        decoded = -1;
      }
      boolean valid = decoded >= 24 && decoded <= 64;
      String call = "seed " + seed + " call " + i;
      try {
        WebhookVerifier.of(secret);
        assertTrue(valid, call + " accepted a malformed secret");
      } catch (WebhookVerificationException e) {
        assertFalse(valid, call + " refused a valid secret");
        assertEquals(Reason.INVALID_SECRET, e.reason(), call);
        assertFalse(encoded.length() >= 8 && e.getMessage().contains(encoded.substring(0, 8)),
            call + " quoted the secret: " + e.getMessage());
      } catch (RuntimeException e) {
        throw new AssertionError(call + " threw " + e, e);
      }
    }
  }

  private static void verifySignedAt(WebhookVerifier verifier, long timestamp) {
    byte[] body = REF_PAYLOAD.getBytes(StandardCharsets.UTF_8);
    verifier.verify(REF_ID, Long.toString(timestamp),
        WebhookSigner.signatureHeader(List.of(REF_SECRET), REF_ID, timestamp, body), body);
  }

  private static void assertReason(Reason reason, org.junit.jupiter.api.function.Executable call) {
    assertEquals(reason, assertThrows(WebhookVerificationException.class, call).reason());
  }
}
