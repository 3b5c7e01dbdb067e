package io.loyaltyengine.core.webhook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.webhook.WebhookAddressRules.Kind;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A seeded fuzz of the webhook address guard against a reference written from {@link WebhookAddressRules}' javadoc
 * rather than from its code: each documented range is a CIDR string, matched by longest prefix over the address as a
 * number, and the IPv6 forms that carry an IPv4 address (IPv4-mapped, NAT64 {@code 64:ff9b::/96}, 6to4
 * {@code 2002::/16}) take that address out and judge it. Addresses are drawn at the edges of every range (its first
 * and last address, the one before, the one after), inside it and anywhere; IPv4 ones also inside each IPv6 form that
 * can carry them. Every edge is checked on every run, the rest is drawn from the seed.
 *
 * <p>Each address goes through {@code classify} and {@code permits} under every policy as bytes ({@code Inet4Address},
 * {@code Inet6Address}, including the IPv4-mapped {@code Inet6Address} a resolver can return), as text through
 * {@code InetAddress.getByName} and {@code permitsHost} (IPv4 in the four forms {@code Inet4Address} documents; IPv6
 * full or compressed, any case, leading zeros or not, with a dotted IPv4 tail, in brackets, with a numeric scope), and
 * in a URL through {@code WebhookService.checkUrl} and through {@code permitsHost} on the host the deliverer reads from
 * the URL. Only literals are parsed, so nothing is looked up. Replay a failure with {@code -Dloyalty.seed=<n>}.
 */
class WebhookAddressRulesFuzzTest {
  private static final int RUNS = 8_000;
  /** Only addresses are checked: a name that reached the resolver would fail the test. */
  private static final HostLookup LITERALS_ONLY = LiteralsOnly.lookup();
  private static final long V4_MAX = 0xffff_ffffL;
  private static final BigInteger V6_MAX = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);
  private static final BigInteger MAPPED_PREFIX = BigInteger.valueOf(0xffff).shiftLeft(32);
  private static final BigInteger NAT64_PREFIX = BigInteger.valueOf(0x0064_ff9bL).shiftLeft(96);
  private static final BigInteger LOCAL_NAT64_PREFIX = BigInteger.valueOf(0x0064_ff9b_0001L).shiftLeft(80);
  private static final BigInteger SIX_TO_FOUR_PREFIX = BigInteger.valueOf(0x2002).shiftLeft(112);

  /** What the javadoc says of a range: a verdict, or "judge the IPv4 address it carries". */
  private enum Rule {
    NON_PUBLIC,
    LOOPBACK,
    MAPPED,
    NAT64,
    SIX_TO_FOUR
  }

  private static final List<Range> V4 = List.of(
      Range.of("0.0.0.0/8", Rule.NON_PUBLIC),
      Range.of("10.0.0.0/8", Rule.NON_PUBLIC),
      Range.of("100.64.0.0/10", Rule.NON_PUBLIC),
      Range.of("127.0.0.0/8", Rule.LOOPBACK),
      Range.of("169.254.0.0/16", Rule.NON_PUBLIC),
      Range.of("172.16.0.0/12", Rule.NON_PUBLIC),
      Range.of("192.0.0.0/24", Rule.NON_PUBLIC),
      Range.of("192.0.2.0/24", Rule.NON_PUBLIC),
      Range.of("192.88.99.0/24", Rule.NON_PUBLIC),
      Range.of("192.168.0.0/16", Rule.NON_PUBLIC),
      Range.of("198.18.0.0/15", Rule.NON_PUBLIC),
      Range.of("198.51.100.0/24", Rule.NON_PUBLIC),
      Range.of("203.0.113.0/24", Rule.NON_PUBLIC),
      Range.of("224.0.0.0/4", Rule.NON_PUBLIC),
      Range.of("240.0.0.0/4", Rule.NON_PUBLIC));

  private static final List<Range> V6 = List.of(
      Range.of("::/8", Rule.NON_PUBLIC),
      Range.of("::1/128", Rule.LOOPBACK),
      Range.of("::ffff:0:0/96", Rule.MAPPED),
      Range.of("100::/64", Rule.NON_PUBLIC),
      Range.of("2001::/23", Rule.NON_PUBLIC),
      Range.of("2001:db8::/32", Rule.NON_PUBLIC),
      Range.of("3fff::/20", Rule.NON_PUBLIC),
      Range.of("5f00::/16", Rule.NON_PUBLIC),
      Range.of("fc00::/7", Rule.NON_PUBLIC),
      Range.of("fe80::/10", Rule.NON_PUBLIC),
      Range.of("fec0::/10", Rule.NON_PUBLIC),
      Range.of("ff00::/8", Rule.NON_PUBLIC),
      Range.of("64:ff9b::/96", Rule.NAT64),
      Range.of("64:ff9b:1::/48", Rule.NON_PUBLIC),
      Range.of("2002::/16", Rule.SIX_TO_FOUR));

  /** An address: 32 bits if {@code v4}, else 128. */
  private record Sample(boolean v4, BigInteger value) {
    static Sample ipv4(long value) {
      return new Sample(true, BigInteger.valueOf(value));
    }

    static Sample ipv6(BigInteger value) {
      return new Sample(false, value);
    }

    @Override
    public String toString() {
      return v4 ? dotted(value.longValue()) : fullText(value);
    }
  }

  /** A documented range: addresses {@code first..last} of a {@code width}-bit space. */
  private record Range(String cidr, int width, int prefix, BigInteger first, BigInteger last, Rule rule) {
    static Range of(String cidr, Rule rule) {
      int slash = cidr.indexOf('/');
      String base = cidr.substring(0, slash);
      int prefix = Integer.parseInt(cidr.substring(slash + 1));
      int width = base.contains(":") ? 128 : 32;
      BigInteger first = width == 32 ? BigInteger.valueOf(parseDotted(base)) : parseIpv6(base);
      BigInteger size = BigInteger.ONE.shiftLeft(width - prefix);
      if (!first.mod(size).equals(BigInteger.ZERO)) {
        throw new IllegalArgumentException("not a network address: " + cidr);
      }
      return new Range(cidr, width, prefix, first, first.add(size).subtract(BigInteger.ONE), rule);
    }

    boolean contains(BigInteger a) {
      return a.compareTo(first) >= 0 && a.compareTo(last) <= 0;
    }

    /** The first and last addresses, their outside neighbours where the space has them. */
    List<BigInteger> edges() {
      BigInteger max = width == 32 ? BigInteger.valueOf(V4_MAX) : V6_MAX;
      List<BigInteger> edges = new ArrayList<>(List.of(first, last));
      if (first.signum() > 0) {
        edges.add(first.subtract(BigInteger.ONE));
      }
      if (last.compareTo(max) < 0) {
        edges.add(last.add(BigInteger.ONE));
      }
      return edges;
    }

    BigInteger near(SplittableRandom random) {
      BigInteger max = width == 32 ? BigInteger.valueOf(V4_MAX) : V6_MAX;
      return switch (random.nextInt(6)) {
        case 0 -> first;
        case 1 -> last;
        case 2 -> first.signum() > 0 ? first.subtract(BigInteger.ONE) : first;
        case 3 -> last.compareTo(max) < 0 ? last.add(BigInteger.ONE) : last;
        default -> first.add(randomBits(random, width - prefix()));
      };
    }
  }

  // ---- the reference ----------------------------------------------------------------------------------------

  /** The range with the longest prefix holding {@code a}, or null. */
  private static Range longestMatch(List<Range> ranges, BigInteger a) {
    Range best = null;
    for (Range r : ranges) {
      if (r.contains(a) && (best == null || r.prefix() > best.prefix())) {
        best = r;
      }
    }
    return best;
  }

  static Kind referenceV4(long address) {
    Range r = longestMatch(V4, BigInteger.valueOf(address));
    if (r == null) {
      return Kind.PUBLIC;
    }
    return r.rule() == Rule.LOOPBACK ? Kind.LOOPBACK : Kind.NON_PUBLIC;
  }

  static Kind referenceV6(BigInteger address) {
    Range r = longestMatch(V6, address);
    if (r == null) {
      return Kind.PUBLIC;
    }
    return switch (r.rule()) {
      case NON_PUBLIC -> Kind.NON_PUBLIC;
      case LOOPBACK -> Kind.LOOPBACK;
      // The socket connects to the IPv4 address itself: the javadoc lists ::ffff:127.0.0.0/104 as loopback.
      case MAPPED -> referenceV4(ipv4At(address, 96));
      // A translator or relay elsewhere forwards it: public only if the IPv4 address is, and never loopback (the
      // javadoc's loopback class is 127/8, ::1 and the IPv4-mapped form only).
      case NAT64 -> publicOrNot(referenceV4(ipv4At(address, 96)));
      case SIX_TO_FOUR -> publicOrNot(referenceV4(ipv4At(address, 16)));
    };
  }

  static Kind reference(Sample s) {
    return s.v4() ? referenceV4(s.value().longValue()) : referenceV6(s.value());
  }

  private static Kind publicOrNot(Kind kind) {
    return kind == Kind.PUBLIC ? Kind.PUBLIC : Kind.NON_PUBLIC;
  }

  /** The 32 bits of {@code address} that start {@code offset} bits from its top. */
  private static long ipv4At(BigInteger address, int offset) {
    return address.shiftRight(128 - offset - 32).longValue() & V4_MAX;
  }

  static boolean expectedPermits(WebhookAddressPolicy policy, Kind kind) {
    return switch (policy) {
      case ALLOW_ALL -> true;
      case ALLOW_LOOPBACK -> kind != Kind.NON_PUBLIC;
      case PUBLIC_ONLY -> kind == Kind.PUBLIC;
    };
  }

  // ---- the fuzz ---------------------------------------------------------------------------------------------

  private final Map<Kind, int[]> urlsSeen = new EnumMap<>(Kind.class);
  private String current;

  @AfterAll
  static void closeLookup() {
    LITERALS_ONLY.close();
  }

  @Test
  void theGuardAgreesWithTheDocumentedRangesOnEveryPath() {
    long seed = Long.getLong("loyalty.seed", System.nanoTime());
    SplittableRandom random = new SplittableRandom(seed);
    try {
      for (Sample edge : edges()) {
        check(edge, random);
      }
      for (int run = 0; run < RUNS; run++) {
        check(draw(random), random);
      }
      for (Kind kind : Kind.values()) {
        int[] seen = urlsSeen.getOrDefault(kind, new int[2]);
        assertTrue(seen[0] >= 20 && seen[1] >= 20, "URLs of " + kind + " addresses as IPv4 and IPv6: "
            + Arrays.toString(seen));
      }
    } catch (AssertionError | RuntimeException e) {
      System.err.println("WebhookAddressRulesFuzzTest failed for seed " + seed + " on " + current
          + "; replay with -Dloyalty.seed=" + seed);
      throw e;
    }
  }

  @Test
  void theReferenceReadsTheJavadocsExamples() {
    // The reference is checked too, on addresses whose verdict the javadoc states outright.
    assertEquals(Kind.LOOPBACK, referenceV6(parseIpv6("::ffff:7f00:1")));
    assertEquals(Kind.LOOPBACK, referenceV6(parseIpv6("::1")));
    assertEquals(Kind.NON_PUBLIC, referenceV6(parseIpv6("::")));
    assertEquals(Kind.NON_PUBLIC, referenceV6(parseIpv6("::a00:1")));
    assertEquals(Kind.NON_PUBLIC, referenceV6(parseIpv6("::ffff:a00:1")));
    assertEquals(Kind.PUBLIC, referenceV6(parseIpv6("::ffff:808:808")));
    assertEquals(Kind.NON_PUBLIC, referenceV6(parseIpv6("64:ff9b::a9fe:a9fe")));
    assertEquals(Kind.PUBLIC, referenceV6(parseIpv6("64:ff9b::808:808")));
    assertEquals(Kind.NON_PUBLIC, referenceV6(parseIpv6("2002:7f00:1::1")));
    assertEquals(Kind.PUBLIC, referenceV6(parseIpv6("2002:808:808::1")));
    assertEquals(Kind.NON_PUBLIC, referenceV6(parseIpv6("febf:ffff::1")));
    assertEquals(Kind.PUBLIC, referenceV6(parseIpv6("2001:4860:4860::8888")));
    assertEquals(Kind.PUBLIC, referenceV4(parseDotted("100.128.0.0")));
    assertEquals(Kind.NON_PUBLIC, referenceV4(parseDotted("100.127.255.255")));
    assertEquals(Kind.LOOPBACK, referenceV4(parseDotted("127.255.255.255")));
    assertEquals(Kind.PUBLIC, referenceV4(parseDotted("223.255.255.255")));
    assertEquals(parseIpv6("64:ff9b:1::"), LOCAL_NAT64_PREFIX);
    assertEquals(parseIpv6("0:0:0:0:0:ffff::"), MAPPED_PREFIX);
  }

  /** Every range's edges; IPv4 ones also inside each IPv6 form that can carry an IPv4 address. */
  private static List<Sample> edges() {
    List<Sample> edges = new ArrayList<>();
    for (Range r : V4) {
      for (BigInteger e : r.edges()) {
        long v4 = e.longValue();
        edges.add(Sample.ipv4(v4));
        BigInteger low = BigInteger.ONE.shiftLeft(80).subtract(BigInteger.ONE);
        for (BigInteger suffix : List.of(BigInteger.ZERO, low)) {
          edges.add(Sample.ipv6(SIX_TO_FOUR_PREFIX.or(BigInteger.valueOf(v4).shiftLeft(80)).or(suffix)));
        }
        for (BigInteger form : List.of(MAPPED_PREFIX, NAT64_PREFIX, BigInteger.ZERO, LOCAL_NAT64_PREFIX,
            NAT64_PREFIX.setBit(32), NAT64_PREFIX.setBit(95))) {
          edges.add(Sample.ipv6(form.or(BigInteger.valueOf(v4))));
        }
      }
    }
    for (Range r : V6) {
      for (BigInteger e : r.edges()) {
        edges.add(Sample.ipv6(e));
      }
    }
    return edges;
  }

  private static Sample draw(SplittableRandom random) {
    return switch (random.nextInt(5)) {
      case 0 -> Sample.ipv4(drawIpv4(random));
      case 1 -> Sample.ipv6(embed(drawIpv4(random), random));
      case 2 -> Sample.ipv6(V6.get(random.nextInt(V6.size())).near(random));
      case 3 -> Sample.ipv6(randomBits(random, 128));
      default -> Sample.ipv6(sparse(random));
    };
  }

  private static long drawIpv4(SplittableRandom random) {
    if (random.nextBoolean()) {
      return V4.get(random.nextInt(V4.size())).near(random).longValue();
    }
    return random.nextLong() & V4_MAX;
  }

  /** {@code v4} inside an IPv6 form: one that carries it, or one that looks like it but does not. */
  private static BigInteger embed(long v4, SplittableRandom random) {
    BigInteger address = BigInteger.valueOf(v4);
    return switch (random.nextInt(6)) {
      case 0 -> MAPPED_PREFIX.or(address);
      case 1 -> NAT64_PREFIX.or(address);
      case 2 -> SIX_TO_FOUR_PREFIX.or(address.shiftLeft(80)).or(randomBits(random, 80));
      case 3 -> address; // deprecated IPv4-compatible ::a.b.c.d
      case 4 -> LOCAL_NAT64_PREFIX.or(randomBits(random, 48).shiftLeft(32)).or(address);
      // 64:ff9b::/32 outside the NAT64 /96: some bit of bytes 4..11 set.
      default -> NAT64_PREFIX.setBit(32 + random.nextInt(64)).or(address);
    };
  }

  /** An address with runs of zero groups, so compressed forms vary. */
  private static BigInteger sparse(SplittableRandom random) {
    BigInteger a = BigInteger.ZERO;
    for (int i = 0; i < 8; i++) {
      int group = random.nextInt(3) == 0 ? random.nextInt(0x10000) : random.nextInt(4) == 0 ? 0xffff : 0;
      a = a.shiftLeft(16).or(BigInteger.valueOf(group));
    }
    return a;
  }

  private void check(Sample sample, SplittableRandom random) {
    current = "address " + sample;
    Kind expected = reference(sample);
    byte[] bytes = bytes(sample);

    // As bytes.
    if (sample.v4()) {
      assertVerdicts(expected, assertInstanceOf(Inet4Address.class, address(bytes)), sample.toString());
    } else {
      // The IPv6 form a resolver can return (not collapsed to Inet4Address even when IPv4-mapped).
      assertVerdicts(expected, inet6(bytes), sample.toString());
      assertVerdicts(expected, address(bytes), sample.toString());
    }

    // As text.
    String text = sample.v4() ? ipv4Text(sample.value().longValue(), random) : ipv6Text(sample.value(), random);
    if (!sample.v4() && random.nextBoolean()) {
      text = "[" + text + "]";
    }
    current = "address " + sample + " written " + text;
    InetAddress parsed = parse(text);
    if (parsed instanceof Inet4Address && !sample.v4()) {
      // getByName hands back an IPv4-mapped literal as its IPv4 address.
      assertTrue(MAPPED_PREFIX.equals(sample.value().shiftRight(32).shiftLeft(32)), text);
      assertArrayEquals(Arrays.copyOfRange(bytes, 12, 16), parsed.getAddress(), text);
    } else {
      assertArrayEquals(bytes, parsed.getAddress(), text);
    }
    assertVerdicts(expected, parsed, text);
    for (WebhookAddressPolicy policy : WebhookAddressPolicy.values()) {
      assertEquals(expectedPermits(policy, expected), permitsHost(policy, text), policy + " " + text);
    }

    // In a URL, through the service's check and the host the deliverer reads.
    String host = sample.v4() ? ipv4Text(sample.value().longValue(), random)
        : "[" + ipv6Text(sample.value(), random) + "]";
    String port = random.nextInt(3) == 0 ? ":" + (1 + random.nextInt(65_535)) : "";
    for (WebhookAddressPolicy policy : WebhookAddressPolicy.values()) {
      String scheme = policy == WebhookAddressPolicy.PUBLIC_ONLY || random.nextBoolean() ? "https" : "http";
      String url = scheme + "://" + host + port + "/hook";
      current = "address " + sample + " in " + url;
      String uriHost = uriHost(url);
      if (uriHost == null) {
        // Only the IPv4 shorthands (a.b, a.b.c) are not hosts to java.net.URI; such a URL names no host at all.
        assertTrue(sample.v4(), url);
        assertRefused(url, policy, "url must name a host (international names in xn-- form)");
        continue;
      }
      boolean permitted = expectedPermits(policy, expected);
      assertEquals(permitted, permitsHost(policy, uriHost), policy + " " + url);
      if (permitted) {
        assertEquals(url, WebhookService.checkUrl(url, policy, LITERALS_ONLY, Duration.ofSeconds(5)),
            policy + " " + url);
      } else {
        assertRefused(url, policy, "url's host resolves to an address the engine's webhook address policy refuses");
      }
      urlsSeen.computeIfAbsent(expected, k -> new int[2])[sample.v4() ? 0 : 1]++;
    }
  }

  private static void assertVerdicts(Kind expected, InetAddress address, String what) {
    assertEquals(expected, WebhookAddressRules.classify(address), what);
    for (WebhookAddressPolicy policy : WebhookAddressPolicy.values()) {
      assertEquals(expectedPermits(policy, expected), WebhookAddressRules.permits(policy, address),
          policy + " " + what);
      assertEquals(expectedPermits(policy, expected),
          WebhookAddressRules.permitsAll(policy, new InetAddress[] {address}), policy + " " + what);
    }
  }

  private static void assertRefused(String url, WebhookAddressPolicy policy, String message) {
    LoyaltyException e = assertThrows(LoyaltyException.class,
        () -> WebhookService.checkUrl(url, policy, LITERALS_ONLY, Duration.ofSeconds(5)),
        policy + " " + url);
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals("url", e.field().orElse(null));
    assertEquals(message, e.getMessage(), policy + " " + url);
  }

  private static boolean permitsHost(WebhookAddressPolicy policy, String host) {
    try {
      return WebhookAddressRules.permitsHost(policy, host, LITERALS_ONLY, Duration.ofSeconds(5));
    } catch (UnknownHostException | HostLookup.NoAnswerException | HostLookup.NoThreadException e) {
      throw new AssertionError("a literal did not parse: " + host, e);
    }
  }

  private static InetAddress parse(String literal) {
    // Only literals reach here: anything with a ':' or in brackets is parsed or refused without a lookup, and the
    // IPv4 forms are all digits and dots.
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new AssertionError("a literal did not parse: " + literal, e);
    }
  }

  private static String uriHost(String url) {
    try {
      return new URI(url).getHost();
    } catch (URISyntaxException e) {
      throw new AssertionError("not a URI: " + url, e);
    }
  }

  private static InetAddress address(byte[] bytes) {
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  private static InetAddress inet6(byte[] bytes) {
    try {
      return Inet6Address.getByAddress(null, bytes, -1);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  // ---- numbers and text -------------------------------------------------------------------------------------

  private static BigInteger randomBits(SplittableRandom random, int bits) {
    BigInteger value = BigInteger.ZERO;
    for (int i = 0; i < bits; i += 32) {
      value = value.shiftLeft(32).or(BigInteger.valueOf(random.nextLong() & V4_MAX));
    }
    return value.shiftRight(((bits + 31) / 32) * 32 - bits);
  }

  private static byte[] bytes(Sample s) {
    int length = s.v4() ? 4 : 16;
    byte[] raw = s.value().toByteArray();
    byte[] bytes = new byte[length];
    int copy = Math.min(raw.length, length);
    System.arraycopy(raw, raw.length - copy, bytes, length - copy, copy);
    return bytes;
  }

  private static long parseDotted(String text) {
    long value = 0;
    for (String part : text.split("\\.", -1)) {
      value = value << 8 | Integer.parseInt(part);
    }
    return value;
  }

  /** Hex groups with at most one {@code ::}; no dotted tail (the tables do not use one). */
  private static BigInteger parseIpv6(String text) {
    int gap = text.indexOf("::");
    List<String> head = gap < 0 ? List.of(text.split(":")) : groups(text.substring(0, gap));
    List<String> tail = gap < 0 ? List.of() : groups(text.substring(gap + 2));
    List<String> all = new ArrayList<>(head);
    for (int i = head.size() + tail.size(); i < 8; i++) {
      all.add("0");
    }
    all.addAll(tail);
    BigInteger value = BigInteger.ZERO;
    for (String group : all) {
      value = value.shiftLeft(16).or(BigInteger.valueOf(Integer.parseInt(group, 16)));
    }
    return value;
  }

  private static List<String> groups(String text) {
    return text.isEmpty() ? List.of() : List.of(text.split(":"));
  }

  private static String dotted(long v4) {
    return (v4 >>> 24) + "." + (v4 >>> 16 & 0xff) + "." + (v4 >>> 8 & 0xff) + "." + (v4 & 0xff);
  }

  private static String fullText(BigInteger a) {
    StringBuilder text = new StringBuilder();
    for (int i = 7; i >= 0; i--) {
      text.append(String.format("%04x", a.shiftRight(16 * i).intValue() & 0xffff)).append(i > 0 ? ":" : "");
    }
    return text.toString();
  }

  /** The forms {@code Inet4Address} documents: d.d.d.d, d.d.d (16-bit last part), d.d (24-bit), d (32-bit). */
  private static String ipv4Text(long v4, SplittableRandom random) {
    return switch (random.nextInt(6)) {
      case 0 -> (v4 >>> 24) + "." + (v4 >>> 16 & 0xff) + "." + (v4 & 0xffff);
      case 1 -> (v4 >>> 24) + "." + (v4 & 0xff_ffff);
      case 2 -> Long.toString(v4);
      default -> dotted(v4);
    };
  }

  /**
   * Eight groups or six and a dotted IPv4 tail; each group with or without leading zeros, in either case; a random
   * run of zero groups (of one or more) as {@code ::}; now and then a numeric scope.
   */
  private static String ipv6Text(BigInteger a, SplittableRandom random) {
    boolean dottedTail = random.nextInt(4) == 0;
    int n = dottedTail ? 6 : 8;
    String[] parts = new String[n];
    int[] values = new int[n];
    for (int i = 0; i < n; i++) {
      values[i] = a.shiftRight(16 * (7 - i)).intValue() & 0xffff;
      String hex = Integer.toHexString(values[i]);
      hex = "0".repeat(random.nextInt(5 - hex.length())) + hex;
      parts[i] = random.nextBoolean() ? hex.toUpperCase(Locale.ROOT) : hex;
    }
    String tail = dottedTail ? dotted(a.longValue() & V4_MAX) : null;
    // A run of zero groups to compress, if any and if the dice say so.
    List<int[]> runs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      for (int j = i; j < n && values[j] == 0; j++) {
        runs.add(new int[] {i, j + 1});
      }
    }
    StringBuilder text = new StringBuilder();
    if (!runs.isEmpty() && random.nextInt(4) != 0) {
      int[] run = runs.get(random.nextInt(runs.size()));
      text.append(String.join(":", Arrays.asList(parts).subList(0, run[0]))).append("::")
          .append(String.join(":", Arrays.asList(parts).subList(run[1], n)));
      if (tail != null) {
        text.append(run[1] < n ? ":" : "").append(tail);
      }
    } else {
      text.append(String.join(":", parts));
      if (tail != null) {
        text.append(':').append(tail);
      }
    }
    boolean mapped = MAPPED_PREFIX.equals(a.shiftRight(32).shiftLeft(32));
    if (!mapped && random.nextInt(8) == 0) {
      // getByName refuses a scope on an IPv4-mapped address (it becomes an Inet4Address).
      text.append('%').append(1 + random.nextInt(9));
    }
    return text.toString();
  }
}
