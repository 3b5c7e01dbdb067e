package io.loyaltyengine.core.fraud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.core.spi.SignupRecord;
import io.loyaltyengine.fraud.FraudScreening;
import io.loyaltyengine.fraud.ReferralCandidate;
import io.loyaltyengine.fraud.RiskLevel;
import io.loyaltyengine.fraud.RiskRule;
import io.loyaltyengine.fraud.RiskSignal;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.referrals.ReferralSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FraudRulesTest {
  private static final Instant T0 = Instant.parse("2025-05-01T10:00:00Z");
  private static final ReferralSettings SETTINGS = ReferralSettings.defaults(100).withVelocity(5, Duration.ofHours(1));
  private static final FraudRules RULES = new FraudRules(FraudScreening.DEFAULTS);

  private static Participant participant(long id, String sanitizedEmail, String ip) {
    return new Participant(id, 1, 100, sanitizedEmail, sanitizedEmail, "Ada", null, ip, null, Map.of(), 0, 0, T0,
        T0, null, null);
  }

  private static final Participant REFERRER = participant(1, "ada@example.com", "203.0.113.7");

  /** A referral from {@link #REFERRER} that raises nothing. */
  private static Candidate clean() {
    return new Candidate();
  }

  /** A mutable builder of candidates, so each test states only what it changes. */
  private static final class Candidate {
    Participant referrer = REFERRER;
    String invitedEmail = "grace@example.org";
    boolean existed;
    String ip = "198.51.100.20";
    String visitor = "visitor-b";
    String customer = "customer-b";
    SignupRecord signup = new SignupRecord(1, 1, 100, "203.0.113.7", "visitor-a", "customer-a", T0);
    String mappedCustomer = "customer-m";
    long fromIp;
    long fromVisitor;

    ReferralCandidate candidate() {
      return new ReferralCandidate(1, 100, referrer, participant(2, invitedEmail, ip), existed, ip, visitor,
          customer);
    }

    RiskSignal screen(FraudRules rules) {
      return rules.screen(candidate(), signup, mappedCustomer, fromIp, fromVisitor, SETTINGS);
    }

    RiskSignal screen() {
      return screen(RULES);
    }
  }

  private static void assertSignal(RiskLevel level, String reason, RiskSignal signal) {
    assertEquals(RiskSignal.of(level, reason), signal);
  }

  private static void assertSignal(RiskLevel level, String reason, RiskSignal signal, String message) {
    assertEquals(RiskSignal.of(level, reason), signal, message);
  }

  // ==================================================================== each rule alone

  @Test
  void aCleanReferralIsLowWithNoSignal() {
    assertSame(FraudRules.NONE, clean().screen());
    assertSignal(RiskLevel.LOW, RiskSignal.NO_SIGNAL, clean().screen());
  }

  @ParameterizedTest(name = "{0} referred by {1}")
  @CsvSource({
      "ada+promo@outlook.com, ada@outlook.com",       // the outlook alias
      "ada@outlook.com, ada+promo@outlook.com",
      "ada+a@example.com, ada+b@example.com",
      "ada+@example.com, ada@example.com",
      "ada+x+y@example.com, ada@example.com",
      "ada@xn--bcher-kva.de, ada@b\u00fccher.de",     // one domain name in punycode and in Unicode
      "ada+1@b\u00fccher.de, ada@xn--bcher-kva.de",
  })
  void anEmailThatIsTheReferrersWithATagIsHighSelfReferral(String invited, String referrer) {
    Candidate c = clean();
    c.referrer = participant(1, referrer, null);
    c.invitedEmail = invited;
    assertSignal(RiskLevel.HIGH, FraudRules.SELF_REFERRAL_EMAIL, c.screen());
  }

  @ParameterizedTest(name = "{0} referred by {1}")
  @CsvSource({
      "ada@hotmail.com, ada@outlook.com",
      "adam@example.com, ada@example.com",
      "ada.b@example.com, adab@example.com",          // dots count outside gmail (sanitizing folds gmail's)
      "+ada@example.com, +bob@example.com",           // all tag: nothing else to compare, so kept
      "ada@example.com+x, ada@example.com",
      "ada@fass.de, ada@fa\u00df.de",                  // IDNA2008 keeps \u00df and final sigma: other domain names
      "ada@\u03b1\u03c3.gr, ada@\u03b1\u03c2.gr",
  })
  void otherEmailsAreNotSelfReferrals(String invited, String referrer) {
    Candidate c = clean();
    c.referrer = participant(1, referrer, null);
    c.invitedEmail = invited;
    assertSame(FraudRules.NONE, c.screen());
  }

  @Test
  void theReferrersVisitorIdIsHighSelfReferral() {
    Candidate c = clean();
    c.visitor = "visitor-a";
    assertSignal(RiskLevel.HIGH, FraudRules.SELF_REFERRAL_VISITOR, c.screen());
  }

  @Test
  void theReferrersCustomerIdIsHighSelfReferral() {
    Candidate c = clean();
    c.customer = "customer-a";
    assertSignal(RiskLevel.HIGH, FraudRules.SELF_REFERRAL_CUSTOMER, c.screen());
  }

  @Test
  void theCustomerIdTheReferrerIsMappedToIsHighSelfReferralAlsoWithoutASignupOfIts() {
    Candidate c = clean();
    c.signup = null;
    c.customer = "customer-m";
    assertSignal(RiskLevel.HIGH, FraudRules.SELF_REFERRAL_CUSTOMER, c.screen());
    c.mappedCustomer = null;
    assertSame(FraudRules.NONE, c.screen(), "a referrer mapped to no customer id");
  }

  @Test
  void missingIdsMatchNothing() {
    Candidate c = clean();
    c.visitor = null;
    c.customer = null;
    c.ip = null;
    c.signup = new SignupRecord(1, 1, 100, null, null, null, T0);
    c.referrer = participant(1, "ada@example.com", null);
    c.fromIp = 1_000;
    c.fromVisitor = 1_000;
    assertSame(FraudRules.NONE, c.screen(), "no ids: nothing to compare and nothing to count");
    c.signup = null;
    assertSame(FraudRules.NONE, c.screen(), "a referrer that never signed up through a signup");
  }

  /** The office case: colleagues share one address, so it is only MEDIUM. */
  @Test
  void theReferrersIpAddressIsMediumSelfReferral() {
    Candidate c = clean();
    c.ip = "203.0.113.7";
    assertSignal(RiskLevel.MEDIUM, FraudRules.SELF_REFERRAL_IP, c.screen());

    c.signup = null;   // the referrer participant's own address
    assertSignal(RiskLevel.MEDIUM, FraudRules.SELF_REFERRAL_IP, c.screen());

    c.referrer = participant(1, "ada@example.com", null);
    c.signup = new SignupRecord(1, 1, 100, "203.0.113.7", null, null, T0);   // the first signup's address
    assertSignal(RiskLevel.MEDIUM, FraudRules.SELF_REFERRAL_IP, c.screen());
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({
      "2001:DB8::1, 2001:db8:0:0:0:0:0:1",
      "2001:db8:0000:0000:0000:0000:0000:0001, 2001:db8::1",
      "::ffff:203.0.113.7, 203.0.113.7",
      "::FFFF:cb00:7107, 203.0.113.7",
      "' 203.0.113.7 ', 203.0.113.7",
      "::1, 0:0:0:0:0:0:0:1",
      "fe80::1:2, fe80:0:0:0:0:0:1:2",
  })
  void ipAddressesAreComparedInCanonicalForm(String candidateIp, String referrerIp) {
    Candidate c = clean();
    c.ip = candidateIp;
    c.signup = null;
    c.referrer = participant(1, "ada@example.com", referrerIp);
    assertSignal(RiskLevel.MEDIUM, FraudRules.SELF_REFERRAL_IP, c.screen());
  }

  @ParameterizedTest(name = "{0} is not {1}")
  @CsvSource({
      "203.0.113.8, 203.0.113.7",
      "2001:db8::1, 2001:db8::2",
      "::ffff:203.0.113.8, 203.0.113.7",
      "::203.0.113.7, 203.0.113.7",            // IPv4-compatible, not IPv4-mapped
      "2001:db8::1::2, 2001:db8:0:0:0:0:1:2",   // malformed: compared as given, so no match
  })
  void otherIpAddressesAreNotSelfReferrals(String candidateIp, String referrerIp) {
    Candidate c = clean();
    c.ip = candidateIp;
    c.signup = null;
    c.referrer = participant(1, "ada@example.com", referrerIp);
    assertSame(FraudRules.NONE, c.screen());
  }

  @Test
  void anInvitedParticipantEnrolledBeforeIsHighDuplicateIdentity() {
    Candidate c = clean();
    c.existed = true;
    assertSignal(RiskLevel.HIGH, FraudRules.DUPLICATE_IDENTITY, c.screen());
  }

  @ParameterizedTest
  @ValueSource(strings = {"grace@mailinator.com", "grace@inbox.mailinator.com", "grace@a.b.yopmail.com",
      "grace@guerrillamail.com", "grace@10minutemail.com", "grace@temp-mail.org", "grace@trashmail.com",
      "grace@sharklasers.com"})
  void aDisposableEmailIsHigh(String email) {
    Candidate c = clean();
    c.invitedEmail = email;
    assertSignal(RiskLevel.HIGH, FraudRules.DISPOSABLE_EMAIL, c.screen());
  }

  @Test
  void velocityFromOneIpAddressIsHighAtTheLimit() {
    Candidate c = clean();
    c.fromIp = SETTINGS.velocityLimit() - 1;
    assertSame(FraudRules.NONE, c.screen());
    c.fromIp = SETTINGS.velocityLimit();
    assertSignal(RiskLevel.HIGH, FraudRules.VELOCITY_IP, c.screen());
    c.ip = null;
    assertSame(FraudRules.NONE, c.screen(), "no address, no velocity by address");
  }

  @Test
  void velocityFromOneVisitorIsHighAtTheLimit() {
    Candidate c = clean();
    c.fromVisitor = SETTINGS.velocityLimit() - 1;
    assertSame(FraudRules.NONE, c.screen());
    c.fromVisitor = SETTINGS.velocityLimit() + 10;
    assertSignal(RiskLevel.HIGH, FraudRules.VELOCITY_VISITOR, c.screen());
    c.visitor = null;
    assertSame(FraudRules.NONE, c.screen());
  }

  // ==================================================================== precedence

  @Test
  void theFirstHighRuleInOrderWins() {
    Candidate c = clean();
    c.invitedEmail = "ada+x@example.com";
    c.visitor = "visitor-a";
    c.customer = "customer-a";
    c.ip = "203.0.113.7";
    c.existed = true;
    c.fromIp = 100;
    c.fromVisitor = 100;
    assertEquals(FraudRules.SELF_REFERRAL_EMAIL, c.screen().reason());
    c.invitedEmail = "grace@mailinator.com";
    assertEquals(FraudRules.SELF_REFERRAL_VISITOR, c.screen().reason());
    c.visitor = "visitor-b";
    assertEquals(FraudRules.SELF_REFERRAL_CUSTOMER, c.screen().reason());
    c.customer = null;
    assertEquals(FraudRules.DUPLICATE_IDENTITY, c.screen().reason(), "HIGH beats the MEDIUM address match");
    c.existed = false;
    assertEquals(FraudRules.DISPOSABLE_EMAIL, c.screen().reason());
    c.invitedEmail = "grace@example.org";
    assertEquals(FraudRules.VELOCITY_IP, c.screen().reason());
    c.fromIp = 0;
    assertEquals(FraudRules.VELOCITY_VISITOR, c.screen().reason());
    c.fromVisitor = 0;
    assertSignal(RiskLevel.MEDIUM, FraudRules.SELF_REFERRAL_IP, c.screen());
  }

  @Test
  void hostRulesRunAfterTheEnginesAndTheHighestWins() {
    FraudRules rules = new FraudRules(FraudScreening.builder()
        .rule(candidate -> Optional.of(RiskSignal.of(RiskLevel.MEDIUM, "HOST_FIRST_MEDIUM")))
        .rule(candidate -> Optional.empty())
        .rule(candidate -> Optional.of(RiskSignal.of(RiskLevel.MEDIUM, "HOST_SECOND_MEDIUM")))
        .build());
    assertSignal(RiskLevel.MEDIUM, "HOST_FIRST_MEDIUM", clean().screen(rules));

    Candidate office = clean();
    office.ip = "203.0.113.7";
    assertSignal(RiskLevel.MEDIUM, FraudRules.SELF_REFERRAL_IP, office.screen(rules),
        "among equals the engine's rule comes first");

    FraudRules escalating = new FraudRules(FraudScreening.builder()
        .rule(candidate -> Optional.of(RiskSignal.of(RiskLevel.MEDIUM, "HOST_MEDIUM")))
        .rule(candidate -> candidate.invited().sanitizedEmail().endsWith("@example.org")
            ? Optional.of(RiskSignal.of(RiskLevel.HIGH, "HOST_BLOCKED_DOMAIN")) : Optional.empty())
        .build());
    assertSignal(RiskLevel.HIGH, "HOST_BLOCKED_DOMAIN", office.screen(escalating));
  }

  /** A LOW referral's reason is NO_SIGNAL ({@code Referral#riskReason}), whatever reason a host's LOW signal gave. */
  @Test
  void aHostRulesLowSignalIsNoSignal() {
    FraudRules lowOnly = new FraudRules(FraudScreening.builder()
        .rule(candidate -> Optional.of(RiskSignal.of(RiskLevel.LOW, "HOST_TRUSTED_PARTNER")))
        .build());
    assertSame(FraudRules.NONE, clean().screen(lowOnly));
    Candidate office = clean();
    office.ip = "203.0.113.7";
    assertSignal(RiskLevel.MEDIUM, FraudRules.SELF_REFERRAL_IP, office.screen(lowOnly));

    FraudRules lowThenMedium = new FraudRules(FraudScreening.builder()
        .rule(candidate -> Optional.of(RiskSignal.of(RiskLevel.LOW, "HOST_LOW")))
        .rule(candidate -> Optional.of(RiskSignal.of(RiskLevel.MEDIUM, "HOST_MEDIUM")))
        .build());
    assertSignal(RiskLevel.MEDIUM, "HOST_MEDIUM", clean().screen(lowThenMedium));
  }

  @Test
  void screeningStopsAtTheFirstHighSignal() {
    AtomicInteger calls = new AtomicInteger();
    FraudRules rules = new FraudRules(FraudScreening.builder()
        .rule(candidate -> {
          calls.incrementAndGet();
          return Optional.of(RiskSignal.of(RiskLevel.HIGH, "HOST_HIGH"));
        })
        .rule(candidate -> {
          calls.incrementAndGet();
          return Optional.of(RiskSignal.of(RiskLevel.HIGH, "HOST_LATER_HIGH"));
        })
        .build());
    Candidate c = clean();
    assertSignal(RiskLevel.HIGH, "HOST_HIGH", c.screen(rules));
    assertEquals(1, calls.get(), "nothing can beat the first HIGH");
    c.existed = true;
    assertSignal(RiskLevel.HIGH, FraudRules.DUPLICATE_IDENTITY, c.screen(rules));
    assertEquals(1, calls.get(), "host rules are not asked after an engine HIGH");
  }

  @Test
  void aThrowingHostRuleIsLoggedByClassNameAndSkipped() {
    List<LogRecord> records = new ArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        records.add(record);
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };
    Logger logger = Logger.getLogger(FraudRules.class.getName());
    boolean parents = logger.getUseParentHandlers();
    logger.setUseParentHandlers(false);   // keep the expected warning out of the build output
    logger.addHandler(handler);
    try {
      FraudRules rules = new FraudRules(FraudScreening.builder()
          .rule(new ThrowingRule())
          .rule(candidate -> null)    // a broken rule returning null is "nothing seen"
          .rule(candidate -> Optional.of(RiskSignal.of(RiskLevel.MEDIUM, "HOST_AFTER_BROKEN")))
          .build());
      assertSignal(RiskLevel.MEDIUM, "HOST_AFTER_BROKEN", clean().screen(rules));

      assertEquals(1, records.size(), "one warning per failure");
      LogRecord record = records.get(0);
      assertEquals(java.util.logging.Level.WARNING, record.getLevel());
      String text = record.getMessage();
      assertTrue(text.contains(ThrowingRule.class.getName()), text);
      assertFalse(text.contains("grace@example.org"), "no personal data from the exception message: " + text);
      assertEquals(null, record.getThrown(), "no stack trace (its message may hold personal data)");
    } finally {
      logger.removeHandler(handler);
      logger.setUseParentHandlers(parents);
    }
  }

  /**
   * A broken rule may fail with an error rather than an exception: a class it needs that is missing or failed to
   * initialise, an assertion of its own (run with -ea), a recursion without end. It is skipped like a throwing one,
   * not allowed to fail every referred signup.
   */
  @ParameterizedTest
  @ValueSource(strings = {"assertion", "linkage", "initialiser", "overflow"})
  void aHostRuleFailingWithAnErrorIsSkippedToo(String kind) {
    Logger logger = Logger.getLogger(FraudRules.class.getName());
    boolean parents = logger.getUseParentHandlers();
    logger.setUseParentHandlers(false);   // keep the expected warning out of the build output
    try {
      FraudRules rules = new FraudRules(FraudScreening.builder()
          .rule(candidate -> {
            String email = candidate.invited().sanitizedEmail();
            throw switch (kind) {
              case "assertion" -> new AssertionError("cannot score " + email);
              case "linkage" -> new NoClassDefFoundError("com/example/Scorer");
              case "initialiser" -> new ExceptionInInitializerError("cannot score " + email);
              default -> new StackOverflowError();
            };
          })
          .rule(candidate -> Optional.of(RiskSignal.of(RiskLevel.MEDIUM, "HOST_AFTER_BROKEN")))
          .build());
      assertSignal(RiskLevel.MEDIUM, "HOST_AFTER_BROKEN", clean().screen(rules));
    } finally {
      logger.setUseParentHandlers(parents);
    }
  }

  /** A host rule that fails with personal data in its message. */
  private static final class ThrowingRule implements io.loyaltyengine.fraud.RiskRule {
    @Override
    public Optional<RiskSignal> assess(ReferralCandidate candidate) {
      throw new IllegalStateException("cannot score " + candidate.invited().sanitizedEmail());
    }
  }

  // ==================================================================== disposable domains

  @ParameterizedTest
  @ValueSource(strings = {"mailinator.com", "MAILINATOR.COM", "x@Mailinator.Com", "x@mailinator.com.",
      "x@deep.sub.mailinator.com", "yopmail.fr", "a@b@yopmail.net", " x@yopmail.com "})
  void listedDomainsAndTheirSubdomainsAreDisposable(String value) {
    assertTrue(RULES.isDisposable(value), value);
  }

  @ParameterizedTest
  @ValueSource(strings = {"gmail.com", "x@gmail.com", "x@outlook.com", "x@example.com", "x@mailinator.com.evil.org",
      "x@notreallymailinator.com", "com", "", "@", "x@", "x@.", "x@bücher.de", "x@\ud800.com"})
  void otherDomainsAreNot(String value) {
    assertFalse(RULES.isDisposable(value), value);
  }

  @Test
  void nullIsNotDisposable() {
    assertFalse(RULES.isDisposable(null));
  }

  @Test
  void hostDomainsAddToTheShippedList() {
    FraudRules rules = new FraudRules(FraudScreening.builder()
        .disposableDomain("throwaway.example")
        .disposableDomain("wegwerf-bücher.de")
        .build());
    assertTrue(rules.isDisposable("x@throwaway.example"));
    assertTrue(rules.isDisposable("x@inbox.throwaway.example"));
    assertTrue(rules.isDisposable("x@wegwerf-bücher.de"), "Unicode domains compare in punycode");
    assertTrue(rules.isDisposable("x@WEGWERF-BÜCHER.DE"));
    assertTrue(rules.isDisposable("x@mailinator.com"), "the shipped list stays");
    assertFalse(RULES.isDisposable("x@throwaway.example"), "host domains are per instance");

    Candidate c = clean();
    c.invitedEmail = "grace@throwaway.example";
    assertSignal(RiskLevel.HIGH, FraudRules.DISPOSABLE_EMAIL, c.screen(rules));
  }

  /**
   * A list with a bad domain adds none of it: a refused call leaves the builder as it was. The refusal quotes the
   * domain refused, so that a host loading a list learns which one; a long one is cut.
   */
  @Test
  void aListWithABadDomainAddsNone() {
    FraudScreening.Builder builder = FraudScreening.builder().disposableDomain("kept.example");
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> builder.disposableDomains(List.of("first.example", "bücher.example", "a-.com")));
    assertEquals("disposableDomain must be a domain name of at most 253 characters, but was \"a-.com\"",
        refused.getMessage());
    String long254 = "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(58) + ".com";
    IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
        () -> builder.disposableDomain(long254));
    assertEquals("disposableDomain must be a domain name of at most 253 characters, but was \""
        + long254.substring(0, 64) + "...\" (" + long254.length() + " characters)", tooLong.getMessage());
    assertThrows(NullPointerException.class,
        () -> builder.disposableDomains(Arrays.asList("first.example", null)));
    assertEquals(Set.of("kept.example"), builder.build().disposableDomains());
  }

  /**
   * An email address given where a domain belongs (a host loading a list of reported addresses, say) is refused
   * naming its domain only: the refusal reaches the host's logs, and the address is personal data.
   */
  @Test
  void anEmailGivenForADomainIsRefusedWithoutItsLocalPart() {
    for (String given : List.of("grace.hopper@mailinator.com", " Grace.Hopper+x@throwaway.example ")) {
      IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
          () -> FraudScreening.builder().disposableDomain(given));
      assertFalse(refused.getMessage().toLowerCase(java.util.Locale.ROOT).contains("grace"), refused.getMessage());
      assertTrue(refused.getMessage().startsWith("disposableDomain must be a domain name"), refused.getMessage());
      IllegalArgumentException inList = assertThrows(IllegalArgumentException.class,
          () -> FraudScreening.builder().disposableDomains(List.of("ok.example", given)));
      assertFalse(inList.getMessage().toLowerCase(java.util.Locale.ROOT).contains("grace"), inList.getMessage());
    }
    IllegalArgumentException named = assertThrows(IllegalArgumentException.class,
        () -> FraudScreening.builder().disposableDomain("grace@mailinator.com"));
    assertTrue(named.getMessage().contains("mailinator.com"), "the domain is named: " + named.getMessage());
  }

  @Test
  void theShippedListIsWellFormedAndSparesTheBigProviders() throws IOException {
    Set<String> lines = new HashSet<>();
    try (InputStream in = FraudRules.class.getResourceAsStream("disposable-domains.txt")) {
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      boolean header = false;
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (line.startsWith("#")) {
          header |= line.contains("https://");
          continue;
        }
        if (line.isBlank()) {
          continue;
        }
        assertEquals(line.strip(), line, "no stray whitespace");
        assertTrue(lines.add(line), "listed once: " + line);
        FraudScreening.builder().disposableDomain(line);   // a domain name the host could add too
        assertEquals(line.toLowerCase(java.util.Locale.ROOT), line);
      }
      assertTrue(header, "the header says where the list comes from");
    }
    assertTrue(lines.size() >= 300, "a few hundred domains: " + lines.size());
    assertEquals(lines.size(), FraudRules.shippedDomainCount());
    for (String d : List.of("mailinator.com", "guerrillamail.com", "10minutemail.com", "yopmail.com",
        "temp-mail.org", "trashmail.com")) {
      assertTrue(lines.contains(d), d);
    }
    for (String d : List.of("gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "yahoo.com",
        "icloud.com", "me.com", "aol.com", "proton.me", "protonmail.com", "gmx.de", "gmx.net", "web.de", "mail.ru",
        "yandex.ru", "qq.com", "163.com", "126.com", "zoho.com", "fastmail.com", "tutanota.com", "hey.com",
        "example.com", "orange.fr", "t-online.de", "comcast.net", "btinternet.com")) {
      assertFalse(RULES.isDisposable("someone@" + d), d);
    }
  }

  @Test
  void toStringHidesNothingPersonalAndCountsTheLists() {
    RiskRule rule = new RiskRule() {
      @Override
      public Optional<RiskSignal> assess(ReferralCandidate candidate) {
        return Optional.empty();
      }

      @Override
      public String toString() {
        return "rule blocking vip.customer@private-host.example";
      }
    };
    FraudRules rules = new FraudRules(FraudScreening.builder()
        .disposableDomain("private-host.example")
        .disposableDomain("other-private.example")
        .rule(rule)
        .build());
    String text = rules.toString();
    assertFalse(text.contains("private"), text);
    assertEquals("FraudRules[" + FraudRules.shippedDomainCount() + " shipped and 2 host disposable domains, 1 host"
        + " rules]", text);
  }
}
