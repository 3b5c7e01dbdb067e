package io.loyaltyengine.benchmarks;

import io.loyaltyengine.core.referrals.LegacyCodes;
import io.loyaltyengine.core.referrals.SignedCodes;
import io.loyaltyengine.core.spi.SigningKey;
import io.loyaltyengine.referrals.DecodedCode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reading referral codes, pure core, no storage: {@link LegacyCodes#decode} (full validation) against a plain-Java
 * baseline that only base64-decodes, splits and parses the ids (no validation), and {@link SignedCodes#verify}
 * (parse, key lookup, HMAC-SHA256, constant-time compare) against a baseline that computes the raw HMAC of the same
 * message with a Mac initialised once and compares with {@link MessageDigest#isEqual}. Average time per call in
 * nanoseconds, since the targets are stated that way (legacy decode under 300 ns, signed verify under 2 us).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ReferralCodeBenchmark -f 1 -wi 3 -i 5}
 *
 * <p>Not thread-safe (the baseline's {@link Mac} is not): JMH state of scope Thread, so each benchmark thread has
 * its own; its fields are set in setup and only read by the measured methods.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ReferralCodeBenchmark {
  private static final long TENANT = 42;
  private static final long CAMPAIGN = 1_234_567;
  private static final long PARTICIPANT = 9_876_543_210L;

  private String legacy;
  private String signed;
  private SignedCodes codes;
  private Mac mac;
  private byte[] message;
  private byte[] tag;

  /** Makes the codes, and the baseline's Mac and message. */
  @Setup
  public void setUp() throws GeneralSecurityException {
    legacy = LegacyCodes.encode(CAMPAIGN, "facebook", PARTICIPANT, null);
    SigningKey key = SignedCodes.newKey(TENANT, 1, Instant.EPOCH);
    codes = new SignedCodes(TENANT, List.of(key));
    signed = codes.issue(CAMPAIGN, PARTICIPANT);
    mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key.secret(), "HmacSHA256"));
    message = ByteBuffer.allocate(36).put("refcode1".getBytes(StandardCharsets.US_ASCII)).putLong(TENANT).putInt(1)
        .putLong(CAMPAIGN).putLong(PARTICIPANT).array();
    tag = Arrays.copyOf(mac.doFinal(message), 12);
  }

  /** The engine's legacy decode, with every check. */
  @Benchmark
  public DecodedCode legacyDecode() {
    return LegacyCodes.decode(legacy);
  }

  /** The least a legacy decode needs: base64, split, parse; nothing validated. */
  @Benchmark
  public long legacyBaseline() {
    String[] parts = new String(Base64.getDecoder().decode(legacy), StandardCharsets.UTF_8).split(":");
    return Long.parseLong(parts[0]) ^ Long.parseLong(parts[2]) ^ parts[1].length();
  }

  /** The engine's signed verify. */
  @Benchmark
  public DecodedCode signedVerify() {
    return codes.verify(signed);
  }

  /** The least a signed verify needs: the HMAC of a prepared message with a ready Mac, compared in constant time. */
  @Benchmark
  public boolean signedBaseline() {
    return MessageDigest.isEqual(Arrays.copyOf(mac.doFinal(message), 12), tag);
  }
}
