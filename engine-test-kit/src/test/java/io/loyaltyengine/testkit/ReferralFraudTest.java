package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.FeedPage;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.fraud.FraudScreening;
import io.loyaltyengine.fraud.ReferralCandidate;
import io.loyaltyengine.fraud.RiskAction;
import io.loyaltyengine.fraud.RiskLevel;
import io.loyaltyengine.fraud.RiskRule;
import io.loyaltyengine.fraud.RiskSignal;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantFilter;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.referrals.CodeKind;
import io.loyaltyengine.referrals.Referral;
import io.loyaltyengine.referrals.ReferralCodes;
import io.loyaltyengine.referrals.ReferralOutcome;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.ReferralStatus;
import io.loyaltyengine.referrals.Signup;
import io.loyaltyengine.referrals.SignupResult;
import io.loyaltyengine.rewards.Automation;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.tenant.NewTenant;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fraud screening of referrals, through the public API on {@link InMemoryStorage} with a {@link SettableClock}:
 * what each rule of {@link FraudScreening} raises, what the campaign's {@link ReferralSettings} make of it, and that
 * the level and reason are kept on the referral and on the invited participant.
 *
 * <p>Each campaign here is AUTO with a referrer reward (10 points per referral, unlimited) and an invited reward
 * (5 points, two-way), so a referral's status shows in the rewards it unlocks: COUNTED unlocks approved rewards,
 * IN_REVIEW pending ones, REJECTED none. Each test name states the rule it checks.
 */
class ReferralFraudTest {
  private static final Instant START = Instant.parse("2025-04-01T09:00:00Z");
  private static final String OFFICE_IP = "203.0.113.7";

  private final List<LoyaltyEngine> engines = new ArrayList<>();
  private final SettableClock clock = SettableClock.at(START);

  @AfterEach
  void closeEngines() {
    engines.forEach(LoyaltyEngine::close);
  }

  // ==================================================================== self-referral

  @Test
  void gmailDotAndTagAliasesOfTheReferrerAreTheReferrerItselfSoASelfReferralRecordsNothing() {
    Shop shop = shop(FraudScreening.DEFAULTS);
    Participant ada = shop.join("ada.lovelace@gmail.com");
    ReferralCodes codes = shop.codes(ada);
    List<String> aliases = List.of("adalovelace@gmail.com", "Ada.Love.Lace+promo@googlemail.com",
        "  ADALOVELACE+x.y@GMail.com ", "a.d.a.l.o.v.e.l.a.c.e@gmail.com");
    for (String alias : aliases) {
      for (CodeKind kind : CodeKind.values()) {
        SignupResult r = shop.scope.referrals().signup(shop.campaign,
            Signup.referred(NewParticipant.withEmail(alias), code(codes, kind)));
        assertEquals(ReferralOutcome.SELF_REFERRAL, r.outcome(), kind + " code");
        assertFalse(r.created(), "an alias finds the referrer, it enrols nobody");
        assertEquals(ada.id(), r.participant().id());
        assertNull(r.referral());
        assertEquals(List.of(), r.unlocked());
      }
    }
    Participant after = shop.get(ada);
    assertNull(after.riskLevel(), "never screened: nothing was recorded");
    assertNull(after.riskReason());
    assertEquals(Optional.empty(), shop.scope.referrals().referral(ParticipantRef.id(ada.id())));
    assertEquals(0, shop.scope.referrals().stats(ParticipantRef.id(ada.id())).signups());
    assertEquals(0, after.pointsBalance(), "no referral reward");
    assertEquals(1, shop.scope.participants().list(shop.campaign, ParticipantFilter.all(), Keyset.first(10))
        .items().size(), "one participant");
    assertEquals(List.of(), shop.events(EventType.REFERRAL_SIGNUP), "no referral.signup event");
  }

  @Test
  void anOutlookTagAliasIsAnotherParticipantRecordedHighForReviewWithItsRewardsPendingInAnAutoCampaign() {
    Shop shop = shop(FraudScreening.DEFAULTS);
    Participant grace = shop.join("grace.hopper@outlook.com");
    SignupResult r = shop.refer("Grace.Hopper+deals@outlook.com", grace, CodeKind.SIGNED);

    assertEquals(ReferralOutcome.REFERRED, r.outcome(), "outlook keeps +tags: a new participant");
    assertTrue(r.created());
    assertSignal(r, RiskLevel.HIGH, "SELF_REFERRAL_EMAIL");
    assertEquals(ReferralStatus.IN_REVIEW, r.referral().status(), "HIGH goes to review by default");
    assertEquals(2, r.unlocked().size(), "the referrer's reward and the invited participant's two-way reward");
    for (EarnedReward e : r.unlocked()) {
      assertEquals(EarnedRewardStatus.PENDING, e.status(), "held for review even in an AUTO campaign");
    }
    assertEquals(0, shop.get(grace).pointsBalance(), "pending rewards credit nothing yet");
    assertEquals(0, r.participant().pointsBalance());
    assertEquals(shop.referral(r.participant()), r.referral(), "read back equal");
    assertEquals(grace.id(), shop.scope.referrals().referrer(ParticipantRef.id(r.participant().id()))
        .orElseThrow().id(), "recorded in the chain");

    // The same campaign approves a clean referral at once: the review came from the risk, not from the campaign.
    SignupResult clean = shop.refer("kathleen@example.com", grace, CodeKind.SHORT);
    assertSignal(clean, RiskLevel.LOW, RiskSignal.NO_SIGNAL);
    assertEquals(ReferralStatus.COUNTED, clean.referral().status());
    assertEquals(List.of(EarnedRewardStatus.APPROVED, EarnedRewardStatus.APPROVED),
        clean.unlocked().stream().map(EarnedReward::status).toList());
    assertEquals(10, shop.get(grace).pointsBalance(), "the counted referral's reward only");
    assertEquals(5, shop.get(clean.participant()).pointsBalance(), "the two-way reward");
  }

  /**
   * A domain written in Unicode and in punycode is one domain name, so one mailbox: an alias of the referrer's email
   * spelling its domain the other way (with or without a {@code +tag}) is a self-referral, as a {@code +tag} alias
   * is. Another domain that merely looks like it is not.
   */
  @Test
  void anAliasSpellingTheReferrersDomainInPunycodeOrUnicodeIsHighSelfReferral() {
    Shop shop = shop(FraudScreening.DEFAULTS);
    Participant ada = shop.join("ada@b\u00fccher.de");
    assertSignal(shop.refer("ada@xn--bcher-kva.de", ada, CodeKind.SIGNED), RiskLevel.HIGH, "SELF_REFERRAL_EMAIL");
    assertSignal(shop.refer("Ada+2@XN--BCHER-KVA.DE", ada, CodeKind.SHORT), RiskLevel.HIGH, "SELF_REFERRAL_EMAIL");
    Participant bob = shop.join("bob@xn--bcher-kva.de");
    assertSignal(shop.refer("bob+1@B\u00dcCHER.de", bob, CodeKind.SIGNED), RiskLevel.HIGH, "SELF_REFERRAL_EMAIL");

    assertSignal(shop.refer("ada@bucher.de", ada, CodeKind.SIGNED), RiskLevel.LOW, RiskSignal.NO_SIGNAL);
  }

  @Test
  void theReferrersVisitorIdOrCustomerIdOnASignupIsHighSelfReferral() {
    Shop shop = shop(FraudScreening.DEFAULTS);
    SignupResult referrer = shop.scope.referrals().signup(shop.campaign,
        Signup.of(NewParticipant.withEmail("linus@example.com")).withVisitorId("visitor-1").withCustomerId("cust-1"));
    String code = shop.codes(referrer.participant()).signed();

    SignupResult sameVisitor = shop.scope.referrals().signup(shop.campaign,
        Signup.referred(NewParticipant.withEmail("linus.alt@example.net"), code).withVisitorId("visitor-1"));
    assertSignal(sameVisitor, RiskLevel.HIGH, "SELF_REFERRAL_VISITOR");
    SignupResult sameCustomer = shop.scope.referrals().signup(shop.campaign,
        Signup.referred(NewParticipant.withEmail("linus.other@example.org"), code).withCustomerId("cust-1"));
    assertSignal(sameCustomer, RiskLevel.HIGH, "SELF_REFERRAL_CUSTOMER");
    SignupResult stranger = shop.scope.referrals().signup(shop.campaign,
        Signup.referred(NewParticipant.withEmail("mary@example.org"), code).withVisitorId("visitor-2")
            .withCustomerId("cust-2"));
    assertSignal(stranger, RiskLevel.LOW, RiskSignal.NO_SIGNAL);
  }

  /**
   * A signup's customer id is taken as customer mappings take one, so that the id of a referrer the host mapped (by
   * single sign-on, say), spaces and accents included, is recognised on a signup too.
   */
  @Test
  void theCustomerIdTheReferrerIsMappedToOnASignupIsHighSelfReferralWhateverItsCharacters() {
    Shop shop = shop(FraudScreening.DEFAULTS);
    Participant referrer = shop.scope.referrals().signup(shop.campaign,
        Signup.of(NewParticipant.withEmail("zoe@example.com"))).participant();
    String customerId = "Zo\u00e9 M\u00fcller #7";
    shop.scope.customerMappings().map(shop.campaign, customerId, ParticipantRef.id(referrer.id()));
    String code = shop.codes(referrer).signed();

    SignupResult sameCustomer = shop.scope.referrals().signup(shop.campaign,
        Signup.referred(NewParticipant.withEmail("zoe.alt@example.net"), code).withCustomerId(customerId));
    assertSignal(sameCustomer, RiskLevel.HIGH, "SELF_REFERRAL_CUSTOMER");
    SignupResult other = shop.scope.referrals().signup(shop.campaign,
        Signup.referred(NewParticipant.withEmail("ann@example.org"), code).withCustomerId("Zo\u00e9 M\u00fcller #8"));
    assertSignal(other, RiskLevel.LOW, RiskSignal.NO_SIGNAL);
  }

  // ==================================================================== shared IP address

  @Test
  void colleaguesSigningUpFromTheReferrersIpAddressAreMediumAndStillCounted() {
    Shop shop = shop(FraudScreening.DEFAULTS);
    Participant boss = shop.scope.referrals().signup(shop.campaign,
        Signup.of(NewParticipant.withEmail("boss@office.example").withIpAddress(OFFICE_IP))).participant();
    for (int i = 0; i < 4; i++) {
      SignupResult r = shop.scope.referrals().signup(shop.campaign, Signup.referred(
          NewParticipant.withEmail("colleague" + i + "@office.example").withIpAddress(OFFICE_IP),
          shop.codes(boss).signed()));
      assertEquals(ReferralOutcome.REFERRED, r.outcome(), "not blocked");
      assertSignal(r, RiskLevel.MEDIUM, "SELF_REFERRAL_IP");
      assertEquals(ReferralStatus.COUNTED, r.referral().status(), "MEDIUM counts by default");
      assertEquals(List.of(EarnedRewardStatus.APPROVED, EarnedRewardStatus.APPROVED),
          r.unlocked().stream().map(EarnedReward::status).toList());
    }
    assertEquals(40, shop.get(boss).pointsBalance(), "four counted referrals");
    assertEquals(4, shop.scope.referrals().stats(ParticipantRef.id(boss.id())).signups());

    // One address in another spelling is the same address.
    Participant v6 = shop.scope.referrals().signup(shop.campaign,
        Signup.of(NewParticipant.withEmail("v6@office.example").withIpAddress("2001:db8::7"))).participant();
    SignupResult spelled = shop.scope.referrals().signup(shop.campaign, Signup.referred(
        NewParticipant.withEmail("v6.colleague@office.example").withIpAddress("2001:DB8:0:0:0:0:0:7"),
        shop.codes(v6).legacy()));
    assertSignal(spelled, RiskLevel.MEDIUM, "SELF_REFERRAL_IP");
  }

  @Test
  void withRejectOnMediumTheOfficeReferralIsRecordedInTheChainButCountsForNothing() {
    Shop shop = shop(FraudScreening.DEFAULTS);
    shop.configure(s -> s.withRiskActions(RiskAction.REJECT, RiskAction.REVIEW));
    Participant boss = shop.scope.referrals().signup(shop.campaign,
        Signup.of(NewParticipant.withEmail("boss@office.example").withIpAddress(OFFICE_IP))).participant();
    SignupResult r = shop.scope.referrals().signup(shop.campaign, Signup.referred(
        NewParticipant.withEmail("colleague@office.example").withIpAddress(OFFICE_IP), shop.codes(boss).shortCode()));

    assertEquals(ReferralOutcome.REFERRED, r.outcome());
    assertSignal(r, RiskLevel.MEDIUM, "SELF_REFERRAL_IP");
    assertEquals(ReferralStatus.REJECTED, r.referral().status());
    assertEquals(List.of(), r.unlocked(), "a rejected referral unlocks nothing");
    assertEquals(0, shop.get(boss).pointsBalance());
    assertEquals(0, shop.get(r.participant()).pointsBalance(), "nor the two-way reward");
    assertEquals(boss.id(), shop.scope.referrals().referrer(ParticipantRef.id(r.participant().id()))
        .orElseThrow().id(), "still in the chain");
    assertEquals(1, shop.scope.referrals().stats(ParticipantRef.id(boss.id())).signups(),
        "signups count referrals whatever their status");

    // A LOW referral in the same campaign still counts.
    SignupResult clean = shop.refer("friend@elsewhere.example", boss, CodeKind.SIGNED);
    assertEquals(ReferralStatus.COUNTED, clean.referral().status());
    assertEquals(10, shop.get(boss).pointsBalance());
  }

  // ==================================================================== disposable domains

  @Test
  void aShippedDisposableDomainOrItsSubdomainIsHighButADomainMerelyEndingLikeOneIsNot() {
    Shop shop = shop(FraudScreening.DEFAULTS);
    Participant referrer = shop.join("host@example.com");
    for (String email : List.of("burner@mailinator.com", "x@sub.mailinator.com", "Y@GuerrillaMail.com")) {
      SignupResult r = shop.refer(email, referrer, CodeKind.SIGNED);
      assertEquals(ReferralOutcome.REFERRED, r.outcome(), "recorded");
      assertSignal(r, RiskLevel.HIGH, "DISPOSABLE_EMAIL");
      assertEquals(ReferralStatus.IN_REVIEW, r.referral().status());
    }
    assertSignal(shop.refer("real@xmailinator.com", referrer, CodeKind.SIGNED), RiskLevel.LOW,
        RiskSignal.NO_SIGNAL);
  }

  @Test
  void aDomainTheHostAddsThroughFraudScreeningIsDisposableTooAndOnlyOnThatEngine() {
    Shop strict = shop(FraudScreening.builder().disposableDomain("Throwaway.Example").build());
    Participant referrer = strict.join("host@example.com");
    assertSignal(strict.refer("a@throwaway.example", referrer, CodeKind.SIGNED), RiskLevel.HIGH, "DISPOSABLE_EMAIL");
    assertSignal(strict.refer("b@mx.throwaway.example", referrer, CodeKind.SIGNED), RiskLevel.HIGH,
        "DISPOSABLE_EMAIL");

    Shop lenient = shop(FraudScreening.DEFAULTS);
    Participant other = lenient.join("host@example.com");
    assertSignal(lenient.refer("a@throwaway.example", other, CodeKind.SIGNED), RiskLevel.LOW, RiskSignal.NO_SIGNAL);
  }

  // ==================================================================== velocity

  @Test
  void signupsFromOneIpAddressOverTheLimitWithinTheWindowAreHighUntilTheWindowPasses() {
    Shop shop = shop(FraudScreening.DEFAULTS);
    shop.configure(s -> s.withVelocity(3, Duration.ofMinutes(10)));
    Participant referrer = shop.join("host@example.com");
    String ip = "198.51.100.20";
    // Three signups from the address, basic ones included, within the window.
    shop.scope.referrals().signup(shop.campaign,
        Signup.of(NewParticipant.withEmail("a@example.net").withIpAddress(ip)));
    clock.advance(Duration.ofMinutes(2));
    shop.scope.referrals().signup(shop.campaign,
        Signup.of(NewParticipant.withEmail("b@example.net").withIpAddress(ip)));
    clock.advance(Duration.ofMinutes(2));
    SignupResult third = shop.scope.referrals().signup(shop.campaign, Signup.referred(
        NewParticipant.withEmail("c@example.net").withIpAddress(ip), shop.codes(referrer).signed()));
    assertSignal(third, RiskLevel.LOW, RiskSignal.NO_SIGNAL);
    clock.advance(Duration.ofMinutes(2));

    SignupResult fourth = shop.scope.referrals().signup(shop.campaign, Signup.referred(
        NewParticipant.withEmail("d@example.net").withIpAddress(ip), shop.codes(referrer).signed()));
    assertSignal(fourth, RiskLevel.HIGH, "VELOCITY_IP");
    assertEquals(ReferralStatus.IN_REVIEW, fourth.referral().status());
    SignupResult otherIp = shop.scope.referrals().signup(shop.campaign, Signup.referred(
        NewParticipant.withEmail("e@example.net").withIpAddress("198.51.100.21"), shop.codes(referrer).signed()));
    assertSignal(otherIp, RiskLevel.LOW, RiskSignal.NO_SIGNAL);

    clock.advance(Duration.ofMinutes(11)); // past the window of every earlier signup from the address
    SignupResult later = shop.scope.referrals().signup(shop.campaign, Signup.referred(
        NewParticipant.withEmail("f@example.net").withIpAddress(ip), shop.codes(referrer).signed()));
    assertSignal(later, RiskLevel.LOW, RiskSignal.NO_SIGNAL);
  }

  @Test
  void aSignupLessThanASecondInsideTheWindowStillCountsTowardTheLimit() {
    Shop shop = shop(FraudScreening.DEFAULTS);
    shop.configure(s -> s.withVelocity(1, Duration.ofMinutes(10)));
    Participant referrer = shop.join("host@example.com");
    String ip = "198.51.100.30";
    shop.scope.referrals().signup(shop.campaign,
        Signup.of(NewParticipant.withEmail("a@example.net").withIpAddress(ip)).withVisitorId("visitor-1"));
    // Half a second before the first signup leaves the window: it is still within it, for both identifiers.
    clock.advance(Duration.ofMinutes(10).minusMillis(500));
    SignupResult sameIp = shop.scope.referrals().signup(shop.campaign, Signup.referred(
        NewParticipant.withEmail("b@example.net").withIpAddress(ip), shop.codes(referrer).signed()));
    assertSignal(sameIp, RiskLevel.HIGH, "VELOCITY_IP");
    SignupResult sameVisitor = shop.scope.referrals().signup(shop.campaign, Signup.referred(
        NewParticipant.withEmail("c@example.net"), shop.codes(referrer).signed()).withVisitorId("visitor-1"));
    assertSignal(sameVisitor, RiskLevel.HIGH, "VELOCITY_VISITOR");
  }

  @Test
  void signupsFromOneIpAddressCountTogetherHoweverTheAddressIsWritten() {
    Shop shop = shop(FraudScreening.DEFAULTS);
    shop.configure(s -> s.withVelocity(1, Duration.ofMinutes(10)));
    Participant referrer = shop.join("host@example.com");
    String code = shop.codes(referrer).signed();
    // Each pair is one address written two ways: with a limit of 1, its second signup is over it.
    List<List<String>> addresses = List.of(
        List.of("2001:db8::1", "2001:DB8:0:0:0:0:0:1"),
        List.of("198.51.100.9", "::ffff:198.51.100.9"),
        List.of("::FFFF:c633:640a", "198.51.100.10"));
    int n = 0;
    for (List<String> spellings : addresses) {
      SignupResult first = shop.scope.referrals().signup(shop.campaign, Signup.referred(
          NewParticipant.withEmail("first" + n + "@example.net").withIpAddress(spellings.get(0)), code));
      assertSignal(first, RiskLevel.LOW, RiskSignal.NO_SIGNAL);
      SignupResult second = shop.scope.referrals().signup(shop.campaign, Signup.referred(
          NewParticipant.withEmail("second" + n + "@example.net").withIpAddress(spellings.get(1)), code));
      assertSignal(second, RiskLevel.HIGH, "VELOCITY_IP");
      n++;
    }
  }

  @Test
  void signupsFromOneVisitorIdOverTheLimitWithinTheWindowAreHigh() {
    Shop shop = shop(FraudScreening.DEFAULTS);
    shop.configure(s -> s.withVelocity(2, Duration.ofMinutes(5)));
    Participant referrer = shop.join("host@example.com");
    String code = shop.codes(referrer).signed();
    for (String email : List.of("v1@example.net", "v2@example.net")) {
      assertSignal(shop.scope.referrals().signup(shop.campaign,
          Signup.referred(NewParticipant.withEmail(email), code).withVisitorId("device-9")), RiskLevel.LOW,
          RiskSignal.NO_SIGNAL);
    }
    assertSignal(shop.scope.referrals().signup(shop.campaign,
        Signup.referred(NewParticipant.withEmail("v3@example.net"), code).withVisitorId("device-9")), RiskLevel.HIGH,
        "VELOCITY_VISITOR");
    clock.advance(Duration.ofMinutes(6));
    assertSignal(shop.scope.referrals().signup(shop.campaign,
        Signup.referred(NewParticipant.withEmail("v4@example.net"), code).withVisitorId("device-9")), RiskLevel.LOW,
        RiskSignal.NO_SIGNAL);
  }

  // ==================================================================== duplicate identity

  @Test
  void anInviteeEnrolledBeforeTheReferralIsHighDuplicateIdentity() {
    Shop shop = shop(FraudScreening.DEFAULTS);
    Participant referrer = shop.join("host@example.com");
    Participant known = shop.scope.participants().create(shop.campaign, NewParticipant.withEmail("known@example.com"));
    SignupResult r = shop.refer("Known@Example.com", referrer, CodeKind.LEGACY);

    assertEquals(ReferralOutcome.REFERRED, r.outcome());
    assertFalse(r.created());
    assertEquals(known.id(), r.participant().id());
    assertSignal(r, RiskLevel.HIGH, "DUPLICATE_IDENTITY");
    assertEquals(ReferralStatus.IN_REVIEW, r.referral().status());
    assertEquals(CodeKind.LEGACY, r.referral().codeKind());
  }

  // ==================================================================== host rules

  @Test
  void aHostRulesSignalIsKeptOnTheParticipantAndTheReferralAndTheRuleSeesTheCandidate() {
    List<ReferralCandidate> seen = new CopyOnWriteArrayList<>();
    RiskRule watchlist = candidate -> {
      seen.add(candidate);
      return candidate.invited().sanitizedEmail().endsWith("@watch.example")
          ? Optional.of(RiskSignal.of(RiskLevel.MEDIUM, "HOST_WATCHLIST")) : Optional.empty();
    };
    Shop shop = shop(FraudScreening.builder().rule(watchlist).build());
    Participant referrer = shop.join("host@example.com");
    SignupResult r = shop.scope.referrals().signup(shop.campaign, Signup.referred(
        NewParticipant.withEmail("eve@watch.example").withIpAddress("192.0.2.44"), shop.codes(referrer).signed())
        .withVisitorId("visitor-44").withCustomerId("customer-44"));

    assertSignal(r, RiskLevel.MEDIUM, "HOST_WATCHLIST");
    assertEquals(ReferralStatus.COUNTED, r.referral().status(), "MEDIUM counts by default");
    Participant stored = shop.get(r.participant());
    assertEquals(RiskLevel.MEDIUM, stored.riskLevel());
    assertEquals("HOST_WATCHLIST", stored.riskReason());
    Referral read = shop.referral(r.participant());
    assertEquals(RiskLevel.MEDIUM, read.riskLevel());
    assertEquals("HOST_WATCHLIST", read.riskReason());

    assertEquals(1, seen.size(), "asked once per referral");
    ReferralCandidate c = seen.get(0);
    assertEquals(shop.scope.tenantId(), c.tenantId());
    assertEquals(shop.campaign, c.campaignId());
    assertEquals(referrer.id(), c.referrer().id());
    assertEquals(r.participant().id(), c.invited().id());
    assertFalse(c.invitedExisted());
    assertEquals("192.0.2.44", c.ipAddress());
    assertEquals("visitor-44", c.visitorId());
    assertEquals("customer-44", c.customerId());
    assertFalse(c.toString().contains("watch.example") || c.toString().contains("192.0.2.44"),
        "the candidate's toString hides personal data");

    assertSignal(shop.refer("bob@example.org", referrer, CodeKind.SIGNED), RiskLevel.LOW, RiskSignal.NO_SIGNAL);
  }

  @Test
  void aHostRuleThatThrowsIsSkippedAndNeverBlocksASignup() {
    RiskRule broken = candidate -> {
      throw new IllegalStateException("rule failed for " + candidate.invited().email());
    };
    RiskRule after = candidate -> Optional.of(RiskSignal.of(RiskLevel.MEDIUM, "SECOND_RULE"));
    Shop shop = shop(FraudScreening.builder().rule(broken).build());
    Participant referrer = shop.join("host@example.com");
    List<LogRecord> logged = new CopyOnWriteArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        logged.add(record);
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };
    Logger root = Logger.getLogger("");
    root.addHandler(capture);
    SignupResult r;
    try {
      r = shop.refer("ok@example.org", referrer, CodeKind.SIGNED);
    } finally {
      root.removeHandler(capture);
    }
    assertFalse(logged.isEmpty(), "the failing rule is logged");
    for (LogRecord record : logged) {
      String line = record.getMessage() + " " + record.getThrown();
      assertFalse(line.contains("ok@example.org") || line.contains("rule failed for"),
          "no personal data and no message of the rule's exception in the log: " + line);
    }
    assertEquals(ReferralOutcome.REFERRED, r.outcome());
    assertSignal(r, RiskLevel.LOW, RiskSignal.NO_SIGNAL);
    assertEquals(ReferralStatus.COUNTED, r.referral().status());
    assertEquals(10, shop.get(referrer).pointsBalance());

    Shop both = shop(FraudScreening.builder().rule(broken).rule(after).build());
    Participant host = both.join("host@example.com");
    assertSignal(both.refer("ok@example.org", host, CodeKind.SIGNED), RiskLevel.MEDIUM, "SECOND_RULE");
  }

  // ==================================================================== helpers

  private static void assertSignal(SignupResult r, RiskLevel level, String reason) {
    Referral referral = r.referral();
    assertNotNull(referral, "a referral was recorded");
    assertEquals(level, referral.riskLevel(), "the referral's level");
    assertEquals(reason, referral.riskReason(), "the referral's reason");
    assertEquals(level, r.participant().riskLevel(), "the invited participant's level");
    assertEquals(reason, r.participant().riskReason(), "the invited participant's reason");
  }

  private static String code(ReferralCodes codes, CodeKind kind) {
    return switch (kind) {
      case LEGACY -> codes.legacy();
      case SIGNED -> codes.signed();
      case SHORT -> codes.shortCode();
    };
  }

  private Shop shop(FraudScreening screening) {
    LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(new InMemoryStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().build())
        .fraudScreening(screening)
        .build();
    engines.add(engine);
    TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business("Fraud shop")).id());
    long brand = scope.brands().create(new NewBrand("Fraud shop", "https://fraud.example.com")).id();
    long campaign = scope.campaigns().create(NewCampaign.running(brand, "Referrals")).id();
    scope.rewards().configure(campaign, Automation.AUTO, 0);
    CampaignReward referrerReward = scope.rewards().define(campaign,
        NewCampaignReward.points("Referral bonus", 10, 1).unlimited());
    scope.rewards().define(campaign, NewCampaignReward.points("Welcome", 5, 1).forInvited());
    Shop shop = new Shop(engine, scope, campaign);
    shop.configure(s -> s.withReferrerReward(referrerReward.id()));
    return shop;
  }

  /** One tenant with one AUTO campaign and its rewards. */
  private record Shop(LoyaltyEngine engine, TenantScope scope, long campaign) {
    void configure(java.util.function.UnaryOperator<ReferralSettings> change) {
      ReferralSettings next = change.apply(scope.referrals().settings(campaign));
      assertEquals(next, scope.referrals().configure(next));
    }

    Participant join(String email) {
      return scope.referrals().signup(campaign, Signup.of(NewParticipant.withEmail(email))).participant();
    }

    SignupResult refer(String email, Participant referrer, CodeKind kind) {
      return scope.referrals().signup(campaign, Signup.referred(NewParticipant.withEmail(email), code(codes(referrer),
          kind)));
    }

    ReferralCodes codes(Participant p) {
      return scope.referrals().codes(ParticipantRef.id(p.id()));
    }

    Participant get(Participant p) {
      return scope.participants().get(ParticipantRef.id(p.id()));
    }

    Referral referral(Participant invited) {
      return scope.referrals().referral(ParticipantRef.id(invited.id())).orElseThrow();
    }

    /** The tenant's events of one type, in feed order (dispatching until idle first). */
    List<LoyaltyEvent> events(EventType type) {
      for (int i = 0; !engine.events().dispatch().isIdle(); i++) {
        assertTrue(i < 1_000, "dispatch settles");
      }
      List<LoyaltyEvent> all = new ArrayList<>();
      long position = 0;
      while (true) {
        FeedPage page = scope.changeFeed().read(position, EventFilter.types(type), 100);
        all.addAll(page.events());
        if (page.nextPosition() == position) {
          return all;
        }
        position = page.nextPosition();
      }
    }
  }
}
