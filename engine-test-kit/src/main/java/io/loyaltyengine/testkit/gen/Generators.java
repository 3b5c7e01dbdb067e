package io.loyaltyengine.testkit.gen;

import io.loyaltyengine.EngineLimits;
import java.math.BigDecimal;
import java.text.Normalizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.random.RandomGenerator;

/**
 * Seeded generators of the engine's inputs, valid and invalid, following the validation rules documented on
 * {@link io.loyaltyengine.participant.Participants}, {@link io.loyaltyengine.points.PointsChange} and
 * {@link EngineLimits}. Each is a {@link Gen}: a plain function of a {@link RandomGenerator}.
 *
 * <p>Valid generators stay inside the documented rules, including their edges (a name of exactly 100 emoji, a key
 * of exactly 128 characters); invalid ones break exactly one rule each, so the error must name that rule's field.
 * Values that the rules leave open (a space inside an idempotency key, a Unicode letter in a points type) are not
 * generated at all.
 *
 * <p>Thread-safe: stateless.
 */
public final class Generators {
  private static final String LOWER = "abcdefghijklmnopqrstuvwxyz";
  private static final String ALNUM = LOWER + "0123456789";
  /** The longest local part of an email the engine accepts, in code points (Participants). */
  private static final int MAX_LOCAL_PART = 64;
  private static final List<String> DOMAINS =
      List.of("example.com", "example.org", "mail.example.net", "shop.example.co.uk", "ex-ample.io");
  private static final List<String> UNICODE_LOCAL_PARTS =
      List.of("jürgen", "josé", "françois", "søren", "zoë", "иван", "渡辺", "さくら", "민준", "ñandú", "åsa");
  private static final List<String> UNICODE_DOMAINS = List.of("example.com", "bücher.example", "例え.jp");

  private Generators() {
  }

  // ---------------------------------------------------------------- emails

  /** Valid emails of every kind below: plain, gmail aliases, upper-case variants and Unicode. */
  public static Gen<String> emails() {
    Gen<String> gmail = random -> gmailAliases(text(random, ALNUM, 1, 12)).next(random);
    return Gen.oneOf(plainEmails(), gmail, upperCaseVariants(plainEmails()), unicodeEmails());
  }

  /** Plain ASCII emails such as {@code anna.k-7@mail.example.net}: lower-case, no surrounding spaces. */
  public static Gen<String> plainEmails() {
    return random -> localPart(random) + "@" + pick(random, DOMAINS);
  }

  /**
   * Aliases of one gmail mailbox that all sanitize to {@code mailbox + "@gmail.com"}: dots inserted between
   * letters, a {@code +tag}, the {@code googlemail.com} domain, upper-case letters, surrounding spaces. Dots and
   * tag together keep the local part within its 64 code points, so a long mailbox gets fewer of them.
   *
   * @param mailbox lower-case ASCII letters and digits, 1..40 of them
   */
  public static Gen<String> gmailAliases(String mailbox) {
    if (!mailbox.matches("[a-z0-9]{1,40}")) {
      throw new IllegalArgumentException("mailbox must be 1..40 lower-case ASCII letters or digits");
    }
    return random -> {
      // Dots and the tag share what the local part's 64 code points leave beside the mailbox: one that does not
      // fit is left out, with the same draws made, so that an alias that fits is the same for a seed as ever.
      int room = MAX_LOCAL_PART - mailbox.length();
      StringBuilder local = new StringBuilder();
      for (int i = 0; i < mailbox.length(); i++) {
        if (i > 0 && random.nextInt(3) == 0 && room > 0) {
          local.append('.');
          room--;
        }
        char c = mailbox.charAt(i);
        local.append(random.nextInt(4) == 0 ? Character.toUpperCase(c) : c);
      }
      if (random.nextBoolean()) {
        String tag = "+" + text(random, ALNUM, 1, 8);
        if (random.nextInt(4) == 0) {
          tag += "." + text(random, ALNUM, 1, 4); // dots in the tag are dropped with it
        }
        if (tag.length() <= room) {
          local.append(tag);
        }
      }
      String domain = pick(random, List.of("gmail.com", "googlemail.com", "GMail.com", "GOOGLEMAIL.COM"));
      String email = local + "@" + domain;
      return random.nextInt(5) == 0 ? "  " + email + " " : email;
    };
  }

  /** Each value of {@code emails} with a random mix of upper- and lower-case letters (same sanitized form). */
  public static Gen<String> upperCaseVariants(Gen<String> emails) {
    return random -> {
      String email = emails.next(random);
      StringBuilder out = new StringBuilder(email.length());
      email.codePoints().forEach(cp -> out.appendCodePoint(random.nextBoolean() ? Character.toUpperCase(cp) : cp));
      return out.toString();
    };
  }

  /**
   * Valid emails with non-ASCII letters ({@code jürgen@bücher.example}, {@code 渡辺@example.com}), sometimes in
   * decomposed (NFD) form, which sanitizes to the same NFC form as the composed one. Chosen so that lower-casing
   * an upper-cased variant gives the original back.
   */
  public static Gen<String> unicodeEmails() {
    return random -> {
      String email = pick(random, UNICODE_LOCAL_PARTS) + (random.nextBoolean() ? "" : random.nextInt(100))
          + "@" + pick(random, UNICODE_DOMAINS);
      return random.nextInt(3) == 0 ? Normalizer.normalize(email, Normalizer.Form.NFD) : email;
    };
  }

  /**
   * Emails the engine must reject with a VALIDATION_ERROR on {@code email}, one broken rule each: blank, missing
   * {@code @}, two {@code @}, empty local part or domain, a domain without a dot, whitespace or a control character
   * inside, an unpaired surrogate, a local part over 64 characters, a whole address over 254 characters.
   * Never {@code null}.
   */
  public static Gen<String> invalidEmails() {
    return Gen.oneOf(
        Gen.elements("", "   "),
        random -> localPart(random) + pick(random, DOMAINS),
        random -> localPart(random) + "@" + localPart(random) + "@" + pick(random, DOMAINS),
        random -> localPart(random) + "@@" + pick(random, DOMAINS),
        random -> "@" + pick(random, DOMAINS),
        random -> localPart(random) + "@",
        random -> localPart(random) + "@localhost",
        random -> insideLocalPart(random, pick(random, List.of(" ", "\t", "\u2003"))),
        random -> insideLocalPart(random, pick(random, List.of("\u0000", "\u0007", "\u001b", "\u007f", "\u0085"))),
        random -> insideLocalPart(random, pick(random, List.of("\ud800", "\udfff", "\ud83d"))),
        random -> text(random, LOWER, 65, 80) + "@" + pick(random, DOMAINS),
        random -> {
          // 64 + 1 + 190 = 255 characters: every part valid, the whole one too long.
          String domain = text(random, LOWER, 61, 61) + "." + text(random, LOWER, 60, 60) + "."
              + text(random, LOWER, 63, 63) + ".com";
          return text(random, LOWER, 64, 64) + "@" + domain;
        });
  }

  private static String insideLocalPart(RandomGenerator random, String bad) {
    String local = text(random, LOWER, 2, 10);
    int at = 1 + random.nextInt(local.length() - 1);
    return local.substring(0, at) + bad + local.substring(at) + "@" + pick(random, DOMAINS);
  }

  private static String localPart(RandomGenerator random) {
    String local = text(random, LOWER, 1, 10);
    if (random.nextInt(3) == 0) {
      local += pick(random, List.of(".", "-", "+", "_")) + text(random, ALNUM, 1, 6);
    }
    return local;
  }

  // ---------------------------------------------------------------- names and texts

  /**
   * Valid first or last names: plain, accented, CJK, right-to-left, emoji (including joiner sequences and flags),
   * combining marks, SQL- and LIKE-looking strings, and exactly 100 code points of emoji (200 UTF-16 characters).
   */
  public static Gen<String> names() {
    return Gen.oneOf(
        Gen.elements("Ada", "Grace", "Linus", "Anna-Lena", "Mary Ann", "O'Brien"),
        Gen.elements("Zoë", "José", "François", "Łukasz", "Ægir", "Ñandú", "Björk", "Dvořák", "e\u0301lodie"),
        Gen.elements("李小龍", "さくら", "김민준", "محمد", "שרה", "Руслан"),
        Gen.elements("👩‍💻", "🎉 Party", "😀😃", "🇳🇴 Nordmann", "👍🏽"),
        Gen.elements("Robert'); DROP TABLE participant;--", "' OR '1'='1", "\"; DELETE FROM ledger_entry; --",
            "%", "_", "100%_off", "back\\slash", "$1 ${x} {{y}}", "<script>alert(1)</script>", "NULL"),
        Gen.constant("😀".repeat(100)));
  }

  /** Names the engine must reject (at most 100 code points, no control characters, no unpaired surrogates). */
  public static Gen<String> invalidNames() {
    return Gen.oneOf(
        random -> text(random, LOWER, 101, 120),
        Gen.constant("😀".repeat(101)),
        random -> text(random, LOWER, 1, 5) + pick(random, List.of("\u0000", "\n", "\u001b[31m", "\u007f"))
            + text(random, LOWER, 1, 5),
        random -> text(random, LOWER, 1, 5) + pick(random, List.of("\ud83d", "\ude00")) + text(random, LOWER, 1, 5));
  }

  /** Valid tiers: up to 64 code points. */
  public static Gen<String> tiers() {
    return Gen.oneOf(Gen.elements("gold", "Gold", "silver", "VIP-1", "🥇", "tier_%"), Gen.constant("t".repeat(64)));
  }

  /** Valid IP address literals, IPv4 and IPv6. */
  public static Gen<String> ipAddresses() {
    return Gen.oneOf(
        random -> random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256) + "."
            + random.nextInt(256),
        Gen.elements("192.0.2.1", "0.0.0.0", "255.255.255.255", "::1", "2001:db8::1",
            "2001:DB8:0:0:8:800:200C:417A", "fe80::1:2:3:4"));
  }

  /** Strings that are not IP address literals. */
  public static Gen<String> invalidIpAddresses() {
    return Gen.elements("256.1.1.1", "1.2.3", "1.2.3.4.5", "abc", "2001:db8::g", "example.com", "1.2.3.4/24",
        "1:2:3:4:5:6:7:8:9");
  }

  // ---------------------------------------------------------------- metadata

  /** Valid metadata within {@link EngineLimits#DEFAULTS}. */
  public static Gen<Map<String, Object>> metadata() {
    return metadata(EngineLimits.DEFAULTS);
  }

  /**
   * Valid metadata within {@code limits}: up to 5 keys (fewer if the limit is lower), of String, Long, Double and
   * Boolean values, including a key and a string value of exactly the maximal length. Maps keep insertion order.
   */
  public static Gen<Map<String, Object>> metadata(EngineLimits limits) {
    Gen<String> keys = Gen.oneOf(
        Gen.elements("plan", "age", "score", "vip", "note", "source", "ключ", "k_1", "emoji😀")
            .map(key -> cut(key, limits.maxMetadataKeyLength())),
        random -> text(random, LOWER, 1, Math.min(20, limits.maxMetadataKeyLength())),
        Gen.constant("k".repeat(limits.maxMetadataKeyLength())));
    Gen<Object> values = metadataValues(limits);
    return random -> {
      int size = random.nextInt(Math.min(5, limits.maxMetadataKeys()) + 1);
      Map<String, Object> map = new LinkedHashMap<>();
      while (map.size() < size) {
        map.put(keys.next(random), values.next(random));
      }
      return map;
    };
  }

  /** Valid metadata values: texts (empty, emoji, maximal length), longs and finite doubles at their edges, booleans. */
  public static Gen<Object> metadataValues(EngineLimits limits) {
    int max = limits.maxMetadataValueLength();
    return Gen.oneOf(
        Gen.oneOf(names().map(name -> cut(name, max)), Gen.constant(""), Gen.constant("😀".repeat(max))),
        Gen.elements(0L, 1L, -1L, 42L, Long.MAX_VALUE, Long.MIN_VALUE),
        Gen.elements(0.5, -1.25, 1e-7, 12345.678, 3.0, Double.MAX_VALUE, Double.MIN_VALUE),
        Gen.elements(Boolean.TRUE, Boolean.FALSE));
  }

  /**
   * Metadata the engine must reject, each with a few valid keys around one bad one: a nested map, a list, an array,
   * NaN or an infinity, a BigDecimal, a UUID, a string over the value limit (field {@code metadata.<key>}, the key
   * {@code bad} cut to the key limit); a key over the key limit, or one key too many (field {@code metadata}, see
   * {@link Invalid#fieldMatches}).
   */
  public static Gen<Invalid<Map<String, Object>>> invalidMetadata(EngineLimits limits) {
    Gen<Map<String, Object>> valid = metadata(EngineLimits.builder()
        .maxMetadataKeys(Math.min(3, limits.maxMetadataKeys()))
        .maxMetadataKeyLength(limits.maxMetadataKeyLength())
        .maxMetadataValueLength(limits.maxMetadataValueLength())
        .build());
    List<Object[]> badValues = List.of(
        new Object[] {Map.of("city", "Oslo"), "a nested map"},
        new Object[] {List.of("a", "b"), "a list"},
        new Object[] {new int[] {1, 2}, "an array"},
        new Object[] {Double.NaN, "NaN"},
        new Object[] {Double.POSITIVE_INFINITY, "an infinity"},
        new Object[] {Double.NEGATIVE_INFINITY, "a negative infinity"},
        new Object[] {new BigDecimal("1.50"), "a BigDecimal"},
        new Object[] {UUID.fromString("00000000-0000-0000-0000-000000000001"), "a UUID"},
        new Object[] {"x".repeat(limits.maxMetadataValueLength() + 1), "a string over the value limit"},
        new Object[] {"😀".repeat(limits.maxMetadataValueLength() + 1), "an emoji string over the value limit"});
    // The bad value's key must itself be valid, or the key is what the engine refuses (field metadata).
    String badKey = cut("bad", limits.maxMetadataKeyLength());
    Gen<Invalid<Map<String, Object>>> badValue = random -> {
      Object[] bad = badValues.get(random.nextInt(badValues.size()));
      Map<String, Object> map = withoutKey(valid.next(random), badKey);
      int at = random.nextInt(map.size() + 1);
      return new Invalid<>(insertAt(map, at, badKey, bad[0]), "metadata." + badKey, "metadata holding " + bad[1]);
    };
    Gen<Invalid<Map<String, Object>>> longKey = random -> {
      Map<String, Object> map = valid.next(random);
      map.put("k".repeat(limits.maxMetadataKeyLength() + 1), "v");
      return new Invalid<>(map, "metadata", "a metadata key over the key limit");
    };
    Gen<Invalid<Map<String, Object>>> tooMany = random -> {
      Map<String, Object> map = new LinkedHashMap<>();
      for (int i = 0; i <= limits.maxMetadataKeys(); i++) {
        map.put(shortKey(i, limits.maxMetadataKeyLength()), (long) i);
      }
      return new Invalid<>(map, "metadata", "one metadata key too many");
    };
    return Gen.frequency(Gen.weight(10, badValue), Gen.weight(1, longKey), Gen.weight(1, tooMany));
  }

  /** A distinct valid key for each {@code i} up to 1,000: {@code k<i>}, or one CJK letter where that is too long. */
  private static String shortKey(int i, int maxKeyLength) {
    String key = "k" + i;
    return key.length() <= maxKeyLength ? key : new String(Character.toChars(0x4E00 + i));
  }

  private static Map<String, Object> withoutKey(Map<String, Object> map, String key) {
    map.remove(key);
    return map;
  }

  private static Map<String, Object> insertAt(Map<String, Object> map, int at, String key, Object value) {
    Map<String, Object> out = new LinkedHashMap<>();
    int i = 0;
    for (Map.Entry<String, Object> e : map.entrySet()) {
      if (i++ == at) {
        out.put(key, value);
      }
      out.put(e.getKey(), e.getValue());
    }
    out.putIfAbsent(key, value);
    return out;
  }

  // ---------------------------------------------------------------- points

  /** Amounts mixing {@link #validAmounts} (mostly) and {@link #invalidAmounts}. */
  public static Gen<Long> amounts(long maxPointsPerOperation) {
    return Gen.frequency(Gen.weight(8, validAmounts(maxPointsPerOperation)),
        Gen.weight(2, invalidAmounts(maxPointsPerOperation)));
  }

  /** Amounts in {@code 1..maxPointsPerOperation}: mostly small, sometimes 1, 2 or the maximum (and one less). */
  public static Gen<Long> validAmounts(long maxPointsPerOperation) {
    checkMax(maxPointsPerOperation);
    return Gen.frequency(
        Gen.weight(8, Gen.longs(1, Math.min(100, maxPointsPerOperation))),
        Gen.weight(2, Gen.elements(List.of(1L, Math.min(2L, maxPointsPerOperation), maxPointsPerOperation,
            Math.max(1L, maxPointsPerOperation - 1)))));
  }

  /**
   * Amounts the engine must reject with a VALIDATION_ERROR on {@code amount}: 0, -1, {@code Long.MIN_VALUE}, the
   * negated maximum, and above the maximum ({@code max + 1} and {@code Long.MAX_VALUE}) when there is room.
   */
  public static Gen<Long> invalidAmounts(long maxPointsPerOperation) {
    return Gen.elements(edgeInvalidAmounts(maxPointsPerOperation));
  }

  /** Every invalid edge amount of {@link #invalidAmounts}, once, for exhaustive tests. */
  public static List<Long> edgeInvalidAmounts(long maxPointsPerOperation) {
    checkMax(maxPointsPerOperation);
    List<Long> amounts = new ArrayList<>(List.of(0L, -1L, Long.MIN_VALUE, -maxPointsPerOperation));
    if (maxPointsPerOperation < Long.MAX_VALUE) {
      amounts.add(maxPointsPerOperation + 1);
      if (maxPointsPerOperation + 1 < Long.MAX_VALUE) {
        amounts.add(Long.MAX_VALUE);
      }
    }
    return List.copyOf(amounts);
  }

  private static void checkMax(long maxPointsPerOperation) {
    if (maxPointsPerOperation < 1) {
      throw new IllegalArgumentException("maxPointsPerOperation must be positive but was " + maxPointsPerOperation);
    }
  }

  /** Valid points types: 1..64 of ASCII letters, digits and {@code _ - . :}. */
  public static Gen<String> pointTypes() {
    return Gen.oneOf(
        Gen.elements("purchase", "redemption", "signup_bonus", "refund-2", "campaign.spring:2025", "a", "X9"),
        Gen.constant("t".repeat(64)),
        random -> text(random, ALNUM + "_-.:", 1, 20));
  }

  /** Points types the engine must reject on {@code type}: empty, 65 characters, a space, a slash, a quote. */
  public static Gen<String> invalidPointTypes() {
    return Gen.elements("", "t".repeat(65), "has space", "slash/type", "quote'type", "semi;colon");
  }

  /** Valid idempotency keys: 1..128 printable ASCII characters (no space), including exactly 128. */
  public static Gen<String> idempotencyKeys() {
    return Gen.oneOf(
        random -> new UUID(random.nextLong(), random.nextLong()).toString(),
        random -> "order-" + random.nextInt(1_000_000),
        random -> printableAscii(random, 1, 40),
        random -> printableAscii(random, 128, 128),
        random -> printableAscii(random, 1, 1));
  }

  /** Idempotency keys the engine must reject: empty, 129 characters, non-ASCII, control characters. */
  public static Gen<String> invalidIdempotencyKeys() {
    return Gen.oneOf(
        Gen.elements("", "clé-1", "key\u0000", "key\n1", "tab\tkey", "emoji😀"),
        random -> printableAscii(random, 129, 140));
  }

  private static String printableAscii(RandomGenerator random, int min, int max) {
    int length = min + random.nextInt(max - min + 1);
    StringBuilder out = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      out.append((char) (0x21 + random.nextInt(0x7e - 0x21 + 1)));
    }
    return out.toString();
  }

  // ---------------------------------------------------------------- settings around their bounds

  /**
   * Integers around a setting's documented range {@code min..max}, for builders that validate at once: each bound
   * and its neighbours either side, 0 and -1 and 1, both extremes of {@code int}, and (half the time) any value of
   * the range. So about half are in range and the rest just outside it or far out. Never {@code null}.
   *
   * @throws IllegalArgumentException if {@code min > max}
   */
  public static Gen<Integer> intsAround(int min, int max) {
    return longsAround(min, max, Integer.MIN_VALUE, Integer.MAX_VALUE).map(Math::toIntExact);
  }

  /** As {@link #intsAround}, for {@code long} settings (the extremes are those of {@code long}). */
  public static Gen<Long> longsAround(long min, long max) {
    return longsAround(min, max, Long.MIN_VALUE, Long.MAX_VALUE);
  }

  private static Gen<Long> longsAround(long min, long max, long lowest, long highest) {
    if (min > max) {
      throw new IllegalArgumentException("min " + min + " is greater than max " + max);
    }
    List<Long> edges = new ArrayList<>(List.of(lowest, highest, -1L, 0L, 1L, min, max));
    // A neighbour past an extreme would wrap around: leave it out.
    if (min > lowest) {
      edges.add(min - 1);
    }
    if (min < highest) {
      edges.add(min + 1);
    }
    if (max > lowest) {
      edges.add(max - 1);
    }
    if (max < highest) {
      edges.add(max + 1);
    }
    return Gen.frequency(Gen.weight(1, Gen.elements(edges)), Gen.weight(1, Gen.longs(min, max)));
  }

  /**
   * Durations around a setting's documented range {@code min..max}: each bound and a nanosecond and a millisecond
   * either side of it, zero, a nanosecond, minus a second, the largest and smallest durations ({@code
   * Duration.ofSeconds(Long.MAX_VALUE, 999_999_999)}, {@code Duration.ofSeconds(Long.MIN_VALUE)}) and a few near
   * them ({@code Duration.ofSeconds(Long.MAX_VALUE)}, {@code Duration.ofDays(Long.MAX_VALUE / 86_400)}), and (half
   * the time) any duration of the range in milliseconds. Never {@code null}.
   *
   * @throws IllegalArgumentException if {@code min} is after {@code max}
   */
  public static Gen<Duration> durationsAround(Duration min, Duration max) {
    if (min.compareTo(max) > 0) {
      throw new IllegalArgumentException("min " + min + " is greater than max " + max);
    }
    Duration largest = Duration.ofSeconds(Long.MAX_VALUE, 999_999_999);
    Duration smallest = Duration.ofSeconds(Long.MIN_VALUE);
    List<Duration> edges = new ArrayList<>(List.of(Duration.ZERO, Duration.ofNanos(1), Duration.ofSeconds(-1),
        largest, smallest, Duration.ofSeconds(Long.MAX_VALUE), Duration.ofDays(Long.MAX_VALUE / 86_400),
        Duration.ofMillis(Long.MIN_VALUE), min, max));
    for (Duration bound : List.of(min, max)) {
      for (Duration step : List.of(Duration.ofNanos(1), Duration.ofMillis(1))) {
        // A neighbour past the largest or smallest duration does not exist: leave it out.
        if (bound.compareTo(smallest.plus(step)) >= 0) {
          edges.add(bound.minus(step));
        }
        if (bound.compareTo(largest.minus(step)) <= 0) {
          edges.add(bound.plus(step));
        }
      }
    }
    long minMillis = millisOrClamped(min);
    long maxMillis = millisOrClamped(max);
    Gen<Duration> inside = minMillis > maxMillis ? Gen.constant(min)
        : Gen.longs(minMillis, maxMillis).map(Duration::ofMillis)
            .map(d -> d.compareTo(min) < 0 ? min : d.compareTo(max) > 0 ? max : d);
    return Gen.frequency(Gen.weight(1, Gen.elements(edges)), Gen.weight(1, inside));
  }

  /** {@code d} in whole milliseconds, rounded up; clamped to {@code long} where it does not fit. */
  private static long millisOrClamped(Duration d) {
    try {
      long millis = d.toMillis();
      return Duration.ofMillis(millis).compareTo(d) < 0 ? millis + 1 : millis;
    } catch (ArithmeticException tooLarge) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  // ---------------------------------------------------------------- API keys

  private static final String BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + LOWER + "0123456789-_";

  /**
   * Mangled forms of a valid API key ({@code lek_<tenantId>_<keyId>_<secret>}, see
   * {@link io.loyaltyengine.access.ApiKeys}), none of which may authenticate: null, empty and blank; a wrong or
   * missing prefix, or the key behind a scheme ({@code Bearer}); cut short or lengthened anywhere; a character
   * replaced by one outside base64url (padding, {@code +}, {@code /}, whitespace, control, non-ASCII, a lone
   * surrogate); ids with a sign, leading zeros, non-digits, or too many digits ({@code 2^63} and beyond); a
   * separator dropped or doubled; a secret one character short or long; a well-formed key whose secret differs in
   * one character, or whose tenant or key id is another; the key twice; a very long text. Never the key itself.
   *
   * @param validKey a key as issued
   */
  public static Gen<String> mangledApiKeys(String validKey) {
    String[] parts = splitKey(validKey);
    String tenant = parts[0];
    String key = parts[1];
    String secret = parts[2];
    Gen<String> mangled = Gen.oneOf(
        Gen.constant(null),
        Gen.elements("", " ", "\t\n", "lek_", "lek___", "null"),
        Gen.elements("LEK_" + validKey.substring(4), "lek-" + validKey.substring(4), "lk_" + validKey.substring(4),
            "sk_" + validKey.substring(4), "Bearer " + validKey, " " + validKey, validKey + " ",
            "\u200b" + validKey, validKey.toUpperCase(Locale.ROOT)),
        random -> validKey.substring(0, random.nextInt(validKey.length())),
        random -> validKey + text(random, BASE64URL, 1, 10),
        random -> replaceAt(random, validKey, pick(random, List.of("=", "+", "/", " ", ".", "\u0000", "\n", "é",
            "\ud83d", "\ud83d\ude00", "%", "'", "\"", "\u00a0"))),
        random -> "lek_" + pick(random, List.of("-" + tenant, "+" + tenant, "0" + tenant, "00", tenant + "a",
            "x" + tenant, "9223372036854775808", "99999999999999999999", "1".repeat(40), "", "１２３"))
            + "_" + key + "_" + secret,
        random -> "lek_" + tenant + "_" + pick(random, List.of("-" + key, "0" + key, key + "x", "",
            "18446744073709551616", "9".repeat(25), "0x1F")) + "_" + secret,
        Gen.elements("lek_" + tenant + key + "_" + secret, "lek_" + tenant + "_" + key + secret,
            "lek__" + tenant + "_" + key + "_" + secret, "lek_" + tenant + "__" + key + "_" + secret,
            "lek_" + tenant + "_" + key + "__" + secret, "lek_" + tenant + "_" + key + "_" + secret + "=",
            "lek_" + tenant + "_" + key + "_" + secret.substring(1), validKey + validKey,
            "lek_" + key + "_" + tenant + "_" + secret),
        random -> "lek_" + tenant + "_" + key + "_" + secret + text(random, BASE64URL, 1, 1),
        random -> replaceAt(random, validKey.substring(0, validKey.length() - secret.length()) + secret,
            text(random, BASE64URL, 1, 1)),
        random -> "lek_" + (Long.parseLong(tenant) + 1 + random.nextInt(1000)) + "_" + key + "_" + secret,
        random -> "lek_" + tenant + "_" + (Long.parseLong(key) + 1 + random.nextInt(1000)) + "_" + secret,
        random -> validKey + text(random, BASE64URL, 10_000, 20_000));
    return random -> {
      String value = mangled.next(random);
      // Replacing a character by itself, or cutting nothing off, gives the key back: draw again.
      return validKey.equals(value) ? "x" + validKey : value;
    };
  }

  /** The tenant id, key id and secret of a key of the form {@code lek_<tenantId>_<keyId>_<secret>}. */
  private static String[] splitKey(String key) {
    if (key == null || !key.startsWith("lek_")) {
      throw new IllegalArgumentException("not an API key as issued");
    }
    int first = key.indexOf('_', 4);
    int second = key.indexOf('_', first + 1);
    return new String[] {key.substring(4, first), key.substring(first + 1, second), key.substring(second + 1)};
  }

  private static String replaceAt(RandomGenerator random, String text, String replacement) {
    int at = random.nextInt(text.length());
    return text.substring(0, at) + replacement + text.substring(at + 1);
  }

  // ---------------------------------------------------------------- helpers

  /** A string of {@code min..max} characters drawn from {@code alphabet} (BMP characters only). */
  public static String text(RandomGenerator random, String alphabet, int min, int max) {
    int length = min + random.nextInt(max - min + 1);
    StringBuilder out = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      out.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return out.toString();
  }

  /**
   * The sanitized form of an email as {@link io.loyaltyengine.participant.Participants} documents it: trimmed,
   * NFC, lower-cased (root locale), the local part's final sigma made the medial one; for gmail.com and
   * googlemail.com, dots and {@code +tag} dropped and the domain made gmail.com. For expectations in tests; assumes a
   * valid email.
   */
  public static String sanitize(String email) {
    String s = Normalizer.normalize(email.trim(), Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
    int at = s.lastIndexOf('@');
    String local = s.substring(0, at).replace('\u03C2', '\u03C3');
    String domain = s.substring(at + 1);
    if (domain.equals("gmail.com") || domain.equals("googlemail.com")) {
      int plus = local.indexOf('+');
      if (plus >= 0) {
        local = local.substring(0, plus);
      }
      return local.replace(".", "") + "@gmail.com";
    }
    return local + "@" + domain;
  }

  /** The first {@code max} code points of {@code text}. */
  private static String cut(String text, int max) {
    return text.codePointCount(0, text.length()) <= max ? text : text.substring(0, text.offsetByCodePoints(0, max));
  }

  private static <T> T pick(RandomGenerator random, List<T> values) {
    return values.get(random.nextInt(values.size()));
  }
}
