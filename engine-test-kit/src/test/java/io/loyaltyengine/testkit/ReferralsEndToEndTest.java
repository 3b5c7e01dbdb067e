package io.loyaltyengine.testkit;

import static io.loyaltyengine.testkit.FeedReads.only;
import static io.loyaltyengine.testkit.FeedReads.payload;
import static io.loyaltyengine.testkit.FeedReads.types;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.fraud.RiskAction;
import io.loyaltyengine.fraud.RiskLevel;
import io.loyaltyengine.fraud.RiskSignal;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.referrals.BrandStats;
import io.loyaltyengine.referrals.CodeKind;
import io.loyaltyengine.referrals.Conversion;
import io.loyaltyengine.referrals.ConversionPoints;
import io.loyaltyengine.referrals.ConversionResult;
import io.loyaltyengine.referrals.ConversionStatus;
import io.loyaltyengine.referrals.DecodedCode;
import io.loyaltyengine.referrals.LandingPage;
import io.loyaltyengine.referrals.NewConversion;
import io.loyaltyengine.referrals.Referral;
import io.loyaltyengine.referrals.ReferralCodes;
import io.loyaltyengine.referrals.ReferralGoal;
import io.loyaltyengine.referrals.ReferralOutcome;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.ReferralStats;
import io.loyaltyengine.referrals.ReferralStatus;
import io.loyaltyengine.referrals.Referrals;
import io.loyaltyengine.referrals.ReversalResult;
import io.loyaltyengine.referrals.Signup;
import io.loyaltyengine.referrals.SignupResult;
import io.loyaltyengine.referrals.Track;
import io.loyaltyengine.referrals.TrackKind;
import io.loyaltyengine.referrals.TrackResult;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.RewardAudience;
import io.loyaltyengine.tenant.NewTenant;
import java.math.BigDecimal;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Referrals end to end, through the public engine API: engines on {@link InMemoryStorage} with manual dispatch and a
 * {@link SettableClock}. Codes of every kind and their refusals, signing-key rotation across engine instances, every
 * signup outcome, fraud screening and the risk actions, two-way rewards, tracking with goal VISIT, conversions and
 * reversals with the shortfall policy, chains, stats, deletion, and that a refused request changes nothing.
 *
 * <p>Concurrency (one referral per invitee under racing signups, forests under racing referrals) and model-based
 * checks run against every store elsewhere; this class checks the rules one request at a time.
 *
 * <p>Each test name states the rule it checks.
 */
class ReferralsEndToEndTest {
  private static final Instant START = Instant.parse("2025-03-15T12:00:00Z");

  private final List<LoyaltyEngine> engines = new ArrayList<>();
  private SettableClock clock;
  private LoyaltyEngine engine;
  private TenantScope scope;
  private Referrals referrals;
  private Brand brand;
  private Campaign campaign;
  private Participant ada;

  @BeforeEach
  void setUp() {
    clock = SettableClock.at(START);
    engine = newEngine(new InMemoryStorage(), EngineLimits.DEFAULTS);
    scope = newTenant(engine, "Referral shop");
    referrals = scope.referrals();
    brand = scope.brands().create(new NewBrand("Referral shop", "https://referrals.example.com"));
    campaign = scope.campaigns().create(NewCampaign.running(brand.id(), "Friends"));
    ada = scope.participants().create(campaign.id(),
        NewParticipant.withEmail("ada.lovelace@gmail.com").withName("Ada", "Lovelace"));
  }

  @AfterEach
  void tearDown() {
    for (LoyaltyEngine e : engines) {
      e.close();
    }
  }

  // ==================================================================== codes

  @Test
  void everyKindOfCodeDecodesToItsParticipantAndTheShortCodeIsKept() {
    ReferralCodes codes = referrals.codes(ParticipantRef.id(ada.id()));
    assertEquals(ada.id(), codes.participantId());
    assertEquals(new DecodedCode(CodeKind.LEGACY, campaign.id(), "direct", ada.id(), null),
        referrals.decode(campaign.id(), codes.legacy()));
    assertEquals(new DecodedCode(CodeKind.SIGNED, campaign.id(), "direct", ada.id(), null),
        referrals.decode(campaign.id(), codes.signed()));
    assertEquals(new DecodedCode(CodeKind.SHORT, campaign.id(), "direct", ada.id(), null),
        referrals.decode(campaign.id(), codes.shortCode()));
    assertEquals(CodeKind.SHORT, referrals.decode(campaign.id(), codes.shortCode().toLowerCase()).kind());
    assertTrue(codes.shortCode().startsWith("ADA"), "letters from the first name");

    ReferralCodes again = referrals.codes(ParticipantRef.email(campaign.id(), "ada.lovelace@gmail.com"));
    assertEquals(codes, again, "the short code is made once and kept; the others are stable");

    // A legacy code the hosted products handed out, with a social type and an invited id.
    String hosted = base64(campaign.id() + ":facebook:" + ada.id() + ":77");
    assertEquals(new DecodedCode(CodeKind.LEGACY, campaign.id(), "facebook", ada.id(), 77L),
        referrals.decode(campaign.id(), hosted));

    Participant bob = enrol("bob@example.com", "Bob");
    assertNotEquals(codes.shortCode(), referrals.codes(ParticipantRef.id(bob.id())).shortCode());
  }

  @Test
  void malformedForgedAndForeignCodesAreOneValidationErrorOnCode() {
    ReferralCodes codes = referrals.codes(ParticipantRef.id(ada.id()));
    Campaign other = scope.campaigns().create(NewCampaign.running(brand.id(), "Other campaign"));
    Participant elsewhere = scope.participants().create(other.id(), NewParticipant.withEmail("else@example.com"));
    ReferralCodes otherCodes = referrals.codes(ParticipantRef.id(elsewhere.id()));

    String signed = codes.signed();
    char last = signed.charAt(signed.length() - 1);
    String tampered = signed.substring(0, signed.length() - 1) + (last == 'A' ? 'B' : 'A');
    List<String> refused = new ArrayList<>(List.of(
        "", "   ", "x".repeat(513), "not a code", "!!!!", "r1.", "r1.1.2.3.4", tampered,
        signed.replace("r1.1.", "r1.9."),                                  // a key the tenant does not have
        base64(campaign.id() + ":direct:987654321"),                        // no such participant
        base64(other.id() + ":direct:" + ada.id()),                        // another campaign named
        base64(campaign.id() + ":direct:" + elsewhere.id()),               // participant of another campaign
        base64(campaign.id() + ":direct:" + ada.id() + ":" + ada.id()),    // Ada inviting herself
        otherCodes.legacy(), otherCodes.signed(), otherCodes.shortCode(),  // codes of another campaign
        "ZZZZZZ99"));                                                      // short-looking, not held
    refused.add(null);
    Set<String> messages = new HashSet<>();
    for (String code : refused) {
      LoyaltyException e = assertThrows(LoyaltyException.class, () -> referrals.decode(campaign.id(), code),
          String.valueOf(code));
      assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
      assertEquals("code", e.field().orElseThrow());
      messages.add(e.getMessage());
    }
    assertEquals(1, messages.size(), "one message whatever the reason: " + messages);

    // Another tenant's codes, even naming this tenant's campaign and participant ids, never decode here.
    TenantScope otherTenant = newTenant(engine, "Other shop");
    Brand otherBrand = otherTenant.brands().create(new NewBrand("Other", "https://other.example.com"));
    Campaign foreign = otherTenant.campaigns().create(NewCampaign.running(otherBrand.id(), "Theirs"));
    Participant stranger = otherTenant.participants().create(foreign.id(), NewParticipant.withEmail("s@example.com"));
    ReferralCodes foreignCodes = otherTenant.referrals().codes(ParticipantRef.id(stranger.id()));
    for (String code : List.of(foreignCodes.signed(), foreignCodes.legacy(), foreignCodes.shortCode())) {
      assertValidation("code", () -> referrals.decode(campaign.id(), code));
    }
    assertCode(ErrorCode.NOT_FOUND, () -> referrals.decode(foreign.id(), foreignCodes.signed()));
    assertCode(ErrorCode.NOT_FOUND, () -> referrals.decode(987_654_321L, codes.signed()));
    assertValidation("code", () -> referrals.decode(987_654_321L, null));
    assertCode(ErrorCode.NOT_FOUND, () -> referrals.codes(ParticipantRef.id(stranger.id())));
    assertCode(ErrorCode.NOT_FOUND, () -> referrals.codes(ParticipantRef.id(987_654_321L)));
  }

  @Test
  void aCodePastedWithNoBreakSpacesAtItsEndsIsTheSameCodeAndOneInsideIsRefused() {
    referrals.configure(ReferralSettings.defaults(campaign.id()).withConversionPoints(ConversionPoints.fixed(7)));
    ReferralCodes codes = referrals.codes(ParticipantRef.id(ada.id()));
    for (String code : List.of(codes.shortCode(), codes.signed(), codes.legacy())) {
      // Copied from a web page, a code brings no-break spaces (U+00A0, U+202F, U+2007) that String.strip keeps.
      for (String pasted : List.of("\u00A0" + code + "\u00A0", code + "\u202F", "\u2007 " + code)) {
        assertEquals(referrals.decode(campaign.id(), code), referrals.decode(campaign.id(), pasted),
            "the same code: " + code);
      }
      assertValidation("code", () -> referrals.decode(campaign.id(),
          code.substring(0, 3) + "\u00A0" + code.substring(3)));
    }
    assertValidation("code", () -> referrals.decode(campaign.id(), "\u00A0\u202F"));

    String pasted = codes.shortCode() + "\u00A0";
    SignupResult bob = referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("bob@example.com"), pasted));
    assertEquals(ReferralOutcome.REFERRED, bob.outcome());
    assertEquals(ada.id(), bob.referral().referrerId());
    assertEquals(ada.id(), referrals.track(campaign.id(), Track.visit(pasted, "visitor-1")).referrerId());
    assertEquals(7, referrals.convert(campaign.id(), new NewConversion(pasted, "order-1", BigDecimal.TEN))
        .pointsAwarded());
    assertEquals(7, balance(ada));
  }

  @Test
  void campaignsRequiringSignedCodesRefuseLegacyOnesAndAcceptSignedAndShort() {
    ReferralCodes codes = referrals.codes(ParticipantRef.id(ada.id()));
    referrals.configure(ReferralSettings.defaults(campaign.id()).withSignedCodesRequired(true));
    assertTrue(referrals.settings(campaign.id()).requireSignedCodes());

    assertValidation("code", () -> referrals.decode(campaign.id(), codes.legacy()));
    assertNothingChanges(() -> assertValidation("code",
        () -> referrals.signup(campaign.id(), Signup.referred(NewParticipant.withEmail("new@example.com"),
            codes.legacy()))));
    assertValidation("code", () -> referrals.track(campaign.id(), Track.share(codes.legacy())));
    assertEquals(CodeKind.SIGNED, referrals.decode(campaign.id(), codes.signed()).kind());
    assertEquals(CodeKind.SHORT, referrals.decode(campaign.id(), codes.shortCode()).kind());
    SignupResult viaShort = referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("new@example.com"), codes.shortCode()));
    assertEquals(ReferralOutcome.REFERRED, viaShort.outcome());
    assertEquals(CodeKind.SHORT, viaShort.referral().codeKind());
  }

  @Test
  void aRotatedKeySignsNewCodesAndOldCodesKeepVerifyingOnEveryInstance() {
    TwoInstances two = twoInstances("https://two.example.com");
    TenantScope onA = two.onA();
    TenantScope onB = two.onB();
    Campaign c = two.campaign();
    Participant p = onA.participants().create(c.id(), NewParticipant.withEmail("p@example.com"));

    String oldCode = onB.referrals().codes(ParticipantRef.id(p.id())).signed();   // B makes key 1 and caches it
    assertEquals(oldCode, onA.referrals().codes(ParticipantRef.id(p.id())).signed(), "one key 1 for both");
    assertEquals(2, onA.referrals().rotateSigningKey());
    String newCode = onA.referrals().codes(ParticipantRef.id(p.id())).signed();
    assertNotEquals(oldCode, newCode);

    // B has only key 1 cached: the code under key 2 makes it reload once, and both codes verify.
    assertEquals(p.id(), onB.referrals().decode(c.id(), newCode).participantId());
    assertEquals(p.id(), onB.referrals().decode(c.id(), oldCode).participantId());
    assertEquals(p.id(), onA.referrals().decode(c.id(), oldCode).participantId());
    assertEquals(3, onB.referrals().rotateSigningKey(), "numbers continue from the stored keys");
    String newest = onB.referrals().codes(ParticipantRef.id(p.id())).signed();
    assertEquals(p.id(), onA.referrals().decode(c.id(), newest).participantId());
    SignupResult viaOldCode = onA.referrals().signup(c.id(),
        Signup.referred(NewParticipant.withEmail("q@example.com"), oldCode));
    assertEquals(ReferralOutcome.REFERRED, viaOldCode.outcome());
  }

  @Test
  void anotherInstanceSignsWithARotatedKeyWithinAMinuteAndAnUnknownTenantHasNoKeyToRotate() {
    TwoInstances two = twoInstances("https://signers.example.com");
    TenantScope onA = two.onA();
    TenantScope onB = two.onB();
    ParticipantRef p = ParticipantRef.id(onA.participants().create(two.campaign().id(),
        NewParticipant.withEmail("p@example.com")).id());

    String underKey1 = onB.referrals().codes(p).signed();   // B caches key 1 for signing
    onA.referrals().rotateSigningKey();
    String underKey2 = onA.referrals().codes(p).signed();
    assertNotEquals(underKey1, underKey2);
    clock.advance(Duration.ofMinutes(1));
    assertEquals(underKey2, onB.referrals().codes(p).signed(), "within a minute B signs with A's new key");

    long unknown = onA.tenantId() + 1_000_003L;
    assertCode(ErrorCode.NOT_FOUND, () -> two.a().forTenant(unknown).referrals().rotateSigningKey());
  }

  // ==================================================================== signups

  @Test
  void signupOutcomesNoneReferredAlreadyReferredSelfReferralAndCycle() {
    String adaCode = signed(ada);
    SignupResult plain = referrals.signup(campaign.id(),
        Signup.of(NewParticipant.withEmail("plain@example.com").withName("Pat", null).withTier("gold")));
    assertEquals(ReferralOutcome.NONE, plain.outcome());
    assertTrue(plain.created());
    assertNull(plain.referral());
    assertEquals("gold", plain.participant().tier());
    assertNull(plain.participant().riskLevel());

    SignupResult bob = referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("bob@example.com").withName("Bob", "B"), adaCode));
    assertEquals(ReferralOutcome.REFERRED, bob.outcome());
    assertTrue(bob.created());
    Referral bobReferral = bob.referral();
    assertEquals(new Referral(scope.tenantId(), campaign.id(), bob.participant().id(), ada.id(), CodeKind.SIGNED,
        RiskLevel.LOW, RiskSignal.NO_SIGNAL, ReferralStatus.RECORDED, START), bobReferral);
    assertEquals(RiskLevel.LOW, bob.participant().riskLevel());
    assertEquals(RiskSignal.NO_SIGNAL, bob.participant().riskReason());
    assertEquals("Bob", bob.participant().firstName());
    assertEquals(bob.participant(), scope.participants().get(ParticipantRef.id(bob.participant().id())));

    // Bob again, with another code: the first referral stands, never overwritten.
    SignupResult again = referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("bob@example.com"), signed(plain.participant())));
    assertEquals(ReferralOutcome.ALREADY_REFERRED, again.outcome());
    assertFalse(again.created());
    assertEquals(bobReferral, again.referral());
    assertEquals(ada.id(), referrals.referrer(ParticipantRef.id(bob.participant().id())).orElseThrow().id());

    // Ada through a gmail alias of her own address: the same participant.
    SignupResult self = referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("AdaLovelace+promo@googlemail.com"), adaCode));
    assertEquals(ReferralOutcome.SELF_REFERRAL, self.outcome());
    assertFalse(self.created());
    assertEquals(ada.id(), self.participant().id());
    assertTrue(referrals.referral(ParticipantRef.id(ada.id())).isEmpty());

    // Bob refers Cy; Ada (existing) cannot then be referred by Bob or Cy: both would close a cycle.
    SignupResult cy = referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("cy@example.com"), signed(bob.participant())));
    assertEquals(ReferralOutcome.REFERRED, cy.outcome());
    for (Participant closer : List.of(bob.participant(), cy.participant())) {
      SignupResult cycle = referrals.signup(campaign.id(),
          Signup.referred(NewParticipant.withEmail("ada.lovelace@gmail.com"), signed(closer)));
      assertEquals(ReferralOutcome.CYCLE, cycle.outcome());
      assertNull(cycle.referral());
    }
    assertTrue(referrals.referral(ParticipantRef.id(ada.id())).isEmpty());

    // The outcomes' documented order: Bob, referred, with his own code is SELF_REFERRAL before ALREADY_REFERRED;
    // with Cy's code (Cy is below him) ALREADY_REFERRED before CYCLE.
    SignupResult ownCode = referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("bob@example.com"), signed(bob.participant())));
    assertEquals(ReferralOutcome.SELF_REFERRAL, ownCode.outcome());
    assertNull(ownCode.referral());
    SignupResult below = referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("bob@example.com"), signed(cy.participant())));
    assertEquals(ReferralOutcome.ALREADY_REFERRED, below.outcome());
    assertEquals(bobReferral, below.referral());

    // An existing participant without a referrer can be referred (screened as a duplicate identity).
    SignupResult late = referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("plain@example.com"), signed(cy.participant())));
    assertEquals(ReferralOutcome.REFERRED, late.outcome());
    assertFalse(late.created());
    assertEquals(RiskLevel.HIGH, late.referral().riskLevel());
    assertEquals("DUPLICATE_IDENTITY", late.referral().riskReason());
    assertEquals(RiskLevel.HIGH, late.participant().riskLevel());
    assertEquals(ReferralStatus.RECORDED, late.referral().status(),
        "without a referrer reward a referral is RECORDED whatever its risk (HIGH goes to review by default)");

    // One signup counted per referral recorded, for its referrer; none for the refused outcomes.
    assertEquals(1, referrals.stats(ParticipantRef.id(ada.id())).signups());
    assertEquals(1, referrals.stats(ParticipantRef.id(bob.participant().id())).signups());
    assertEquals(1, referrals.stats(ParticipantRef.id(cy.participant().id())).signups());
    assertEquals(3, referrals.campaignStats(campaign.id()).signups());
  }

  @Test
  void aCycleIsRefusedHoweverFarAboveTheReferrerItsInvitedParticipantIs() {
    // A chain of 450 below Ada, each referred by the one before: longer than a cycle check reads at once.
    List<Participant> chain = new ArrayList<>();
    Participant last = ada;
    for (int i = 0; i < 450; i++) {
      last = referrals.signup(campaign.id(),
          Signup.referred(NewParticipant.withEmail("link" + i + "@example.com"), signed(last))).participant();
      chain.add(last);
    }
    assertEquals(ReferralOutcome.CYCLE, referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("ada.lovelace@gmail.com"), signed(last))).outcome(),
        "Ada is 450 levels above");
    assertEquals(ReferralOutcome.ALREADY_REFERRED, referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("link10@example.com"), signed(last))).outcome());
    Participant zoe = scope.participants().create(campaign.id(), NewParticipant.withEmail("zoe@example.com"));
    assertEquals(ReferralOutcome.REFERRED, referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("zoe@example.com"), signed(last))).outcome(),
        "Zoe is nowhere in the chain");
    List<Long> above = new ArrayList<>();
    for (int i = chain.size() - 1; i >= chain.size() - 50; i--) {
      above.add(chain.get(i).id());
    }
    assertEquals(above, referrals.ancestors(ParticipantRef.id(zoe.id()), 50).stream().map(Participant::id)
        .toList(), "the 50 nearest, nearest first");
  }

  @Test
  void aReferralWritesItsEventForTheInvitedParticipantWithoutPersonalData() {
    SignupResult bob = referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("bob@example.com").withIpAddress("198.51.100.4"), signed(ada))
            .withVisitorId("visitor-42").withCustomerId("customer-42"));
    List<LoyaltyEvent> bobs = events(bob.participant().id());
    assertEquals(List.of(EventType.PARTICIPANT_CREATED, EventType.REFERRAL_SIGNUP), types(bobs));
    LoyaltyEvent event = bobs.get(1);
    assertEquals(campaign.id(), event.campaignId());
    Map<String, Object> json = payload(event);
    assertEquals(Long.toString(campaign.id()), JsonValues.at(json, "referral", "campaignId"));
    assertEquals(Long.toString(bob.participant().id()), JsonValues.at(json, "referral", "invitedId"));
    assertEquals(Long.toString(ada.id()), JsonValues.at(json, "referral", "referrerId"));
    assertEquals("SIGNED", JsonValues.at(json, "referral", "codeKind"));
    assertEquals("LOW", JsonValues.at(json, "referral", "riskLevel"));
    assertEquals("NO_SIGNAL", JsonValues.at(json, "referral", "riskReason"));
    assertEquals("RECORDED", JsonValues.at(json, "referral", "status"));
    assertEquals(START.toString(), JsonValues.at(json, "referral", "createdAt"));
    String text = event.payload();
    for (String secret : List.of("@", "198.51.100.4", "visitor-42", "customer-42")) {
      assertFalse(text.contains(secret), "payload carries no " + secret);
    }
  }

  @Test
  void aRefusedSignupChangesNothing() {
    String adaCode = signed(ada);
    NewParticipant dee = NewParticipant.withEmail("dee@example.com");
    assertNothingChanges(() -> {
      assertValidation("code", () -> referrals.signup(campaign.id(), Signup.referred(dee, "garbage!")));
      assertValidation("code", () -> referrals.signup(campaign.id(), Signup.referred(dee, " ")));
      assertValidation("code", () -> referrals.signup(campaign.id(),
          Signup.referred(dee, base64(campaign.id() + ":direct:987654321"))));
      assertValidation("visitorId", () -> referrals.signup(campaign.id(),
          Signup.referred(dee, adaCode).withVisitorId("has space")));
      assertValidation("visitorId", () -> referrals.signup(campaign.id(), Signup.of(dee).withVisitorId("")));
      assertValidation("customerId", () -> referrals.signup(campaign.id(),
          Signup.of(dee).withCustomerId("x".repeat(256))));
      assertValidation("customerId", () -> referrals.signup(campaign.id(), Signup.of(dee).withCustomerId("")));
      assertValidation("customerId", () -> referrals.signup(campaign.id(),
          Signup.of(dee).withCustomerId(" \u00a0 ")));
      assertValidation("customerId", () -> referrals.signup(campaign.id(),
          Signup.of(dee).withCustomerId("cust\n42")));
      assertValidation("email", () -> referrals.signup(campaign.id(),
          Signup.referred(NewParticipant.withEmail("not-an-email"), adaCode)));
      assertValidation("ipAddress", () -> referrals.signup(campaign.id(),
          Signup.of(dee.withIpAddress("999.1.1.1"))));
      assertValidation("firstName", () -> referrals.signup(campaign.id(),
          Signup.of(dee.withName("x".repeat(101), null))));
      assertValidation("participant", () -> referrals.signup(campaign.id(), Signup.of(null)));
      assertValidation("signup", () -> referrals.signup(campaign.id(), null));
      assertCode(ErrorCode.NOT_FOUND, () -> referrals.signup(987_654_321L, Signup.referred(dee, adaCode)));
    });
    assertCode(ErrorCode.NOT_FOUND, () -> scope.participants().get(ParticipantRef.email(campaign.id(),
        "dee@example.com")));
    assertEquals(ReferralStats.ZERO, referrals.stats(ParticipantRef.id(ada.id())));
  }

  // ==================================================================== screening and rewards

  @Test
  void twoWayRewardsTheReferrerEveryTwoReferralsAndEachInvitedOnce() {
    CampaignReward everyTwo = scope.rewards().define(campaign.id(),
        NewCampaignReward.points("Two friends", 100, 2).unlimited());
    CampaignReward welcome = scope.rewards().define(campaign.id(),
        NewCampaignReward.points("Welcome", 10, 1).forInvited());
    referrals.configure(ReferralSettings.defaults(campaign.id()).withReferrerReward(everyTwo.id()));
    String code = signed(ada);

    List<Participant> invited = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      SignupResult r = referrals.signup(campaign.id(),
          Signup.referred(NewParticipant.withEmail("friend" + i + "@example.com"), code));
      assertEquals(ReferralOutcome.REFERRED, r.outcome());
      assertEquals(ReferralStatus.COUNTED, r.referral().status());
      List<EarnedReward> expected = r.unlocked();
      long referrerRewards = expected.stream().filter(e -> e.campaignRewardId() == everyTwo.id()).count();
      long welcomes = expected.stream().filter(e -> e.campaignRewardId() == welcome.id()).count();
      assertEquals(i % 2 == 0 ? 1 : 0, referrerRewards, "signup " + i);
      assertEquals(1, welcomes, "signup " + i);
      for (EarnedReward e : expected) {
        assertEquals(EarnedRewardStatus.APPROVED, e.status(), "an AUTO campaign approves at once");
      }
      invited.add(r.participant());
    }
    assertEquals(200, balance(ada));
    for (Participant p : invited) {
      assertEquals(10, balance(p));
    }
    assertEquals(4, scope.rewards().counts(ParticipantRef.id(ada.id()), everyTwo.id()).rewardAllTime());
    assertEquals(4, referrals.stats(ParticipantRef.id(ada.id())).signups());
  }

  @Test
  void aReferralSentToReviewKeepsItsRewardsPendingInAnAutoCampaign() {
    CampaignReward perFriend = scope.rewards().define(campaign.id(),
        NewCampaignReward.points("Per friend", 50, 1).unlimited());
    CampaignReward welcome = scope.rewards().define(campaign.id(),
        NewCampaignReward.points("Welcome", 5, 1).forInvited());
    referrals.configure(ReferralSettings.defaults(campaign.id()).withReferrerReward(perFriend.id()));
    Participant zed = enrol("zed@example.com", "Zed");   // enrolled before: a duplicate identity, HIGH

    SignupResult risky = referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("zed@example.com"), signed(ada)));
    assertEquals(ReferralOutcome.REFERRED, risky.outcome());
    assertEquals(ReferralStatus.IN_REVIEW, risky.referral().status());
    assertEquals(2, risky.unlocked().size());
    for (EarnedReward e : risky.unlocked()) {
      assertEquals(EarnedRewardStatus.PENDING, e.status());
    }
    assertEquals(0, balance(ada));
    assertEquals(0, balance(zed));
    assertEquals(RiskLevel.HIGH, risky.participant().riskLevel());

    EarnedReward adas = risky.unlocked().stream().filter(e -> e.campaignRewardId() == perFriend.id())
        .findFirst().orElseThrow();
    scope.rewards().approve(adas.id(), false);
    assertEquals(50, balance(ada));

    SignupResult clean = referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("yan@example.com"), signed(ada)));
    assertEquals(ReferralStatus.COUNTED, clean.referral().status());
    assertTrue(clean.unlocked().stream().allMatch(e -> e.status() == EarnedRewardStatus.APPROVED));
    assertTrue(clean.unlocked().stream().anyMatch(e -> e.campaignRewardId() == welcome.id()));
    assertEquals(100, balance(ada));
  }

  @Test
  void riskActionsRejectDoesNotCountAndMediumFollowsItsOwnAction() {
    CampaignReward perFriend = scope.rewards().define(campaign.id(),
        NewCampaignReward.points("Per friend", 50, 1).unlimited());
    referrals.configure(ReferralSettings.defaults(campaign.id()).withReferrerReward(perFriend.id())
        .withRiskActions(RiskAction.REVIEW, RiskAction.REJECT));
    Participant ip = scope.participants().create(campaign.id(),
        NewParticipant.withEmail("office@example.com").withIpAddress("203.0.113.7"));
    String code = signed(ip);

    SignupResult throwaway = referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("x@mailinator.com"), code));
    assertEquals(ReferralOutcome.REFERRED, throwaway.outcome());
    assertEquals(ReferralStatus.REJECTED, throwaway.referral().status());
    assertEquals("DISPOSABLE_EMAIL", throwaway.referral().riskReason());
    assertTrue(throwaway.unlocked().isEmpty());
    assertEquals(0, scope.rewards().counts(ParticipantRef.id(ip.id()), perFriend.id()).rewardAllTime());
    assertEquals(1, referrals.stats(ParticipantRef.id(ip.id())).signups(), "recorded, whatever its status");
    assertEquals(ip.id(), referrals.referrer(ParticipantRef.id(throwaway.participant().id())).orElseThrow().id());

    SignupResult colleague = referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("colleague@example.com").withIpAddress("203.0.113.7"), code));
    assertEquals(RiskLevel.MEDIUM, colleague.referral().riskLevel());
    assertEquals("SELF_REFERRAL_IP", colleague.referral().riskReason());
    assertEquals(ReferralStatus.IN_REVIEW, colleague.referral().status());
    assertEquals(EarnedRewardStatus.PENDING, colleague.unlocked().get(0).status());
    assertEquals(1, scope.rewards().counts(ParticipantRef.id(ip.id()), perFriend.id()).rewardAllTime());
  }

  @Test
  void velocityCountsEarlierSignupsFromOneAddressWithinTheWindow() {
    referrals.configure(ReferralSettings.defaults(campaign.id()).withVelocity(2, Duration.ofHours(1)));
    String code = signed(ada);
    List<String> reasons = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      reasons.add(referrals.signup(campaign.id(), Signup.referred(
          NewParticipant.withEmail("burst" + i + "@example.com").withIpAddress("198.51.100.9"), code))
          .referral().riskReason());
    }
    assertEquals(List.of("NO_SIGNAL", "NO_SIGNAL", "VELOCITY_IP"), reasons);
    assertEquals("VELOCITY_VISITOR", burstByVisitor(code, 3));
    clock.advance(Duration.ofMinutes(61));
    assertEquals("NO_SIGNAL", referrals.signup(campaign.id(), Signup.referred(
        NewParticipant.withEmail("later@example.com").withIpAddress("198.51.100.9"), code))
        .referral().riskReason());
  }

  /** Signs up {@code n} people from one visitor id and returns the last one's reason. */
  private String burstByVisitor(String code, int n) {
    String reason = null;
    for (int i = 0; i < n; i++) {
      reason = referrals.signup(campaign.id(), Signup.referred(
          NewParticipant.withEmail("visitor" + i + "@example.com"), code).withVisitorId("device-1"))
          .referral().riskReason();
    }
    return reason;
  }

  // ==================================================================== settings

  @Test
  void settingsDefaultUntilConfiguredAndAreValidated() {
    assertEquals(ReferralSettings.defaults(campaign.id()), referrals.settings(campaign.id()));
    CampaignReward reward = scope.rewards().define(campaign.id(), NewCampaignReward.points("R", 1, 1));
    CampaignReward invitedOnly = scope.rewards().define(campaign.id(),
        NewCampaignReward.points("I", 1, 1).forInvited());
    Campaign other = scope.campaigns().create(NewCampaign.running(brand.id(), "Other"));
    CampaignReward elsewhere = scope.rewards().define(other.id(), NewCampaignReward.points("E", 1, 1));
    ReferralSettings base = ReferralSettings.defaults(campaign.id());

    assertValidation("referrerRewardId", () -> referrals.configure(base.withReferrerReward(invitedOnly.id())));
    assertValidation("referrerRewardId", () -> referrals.configure(base.withReferrerReward(elsewhere.id())));
    assertCode(ErrorCode.NOT_FOUND, () -> referrals.configure(base.withReferrerReward(987_654_321L)));
    assertCode(ErrorCode.NOT_FOUND, () -> referrals.configure(ReferralSettings.defaults(987_654_321L)));
    assertValidation("velocityLimit", () -> referrals.configure(base.withVelocity(0, Duration.ofHours(1))));
    assertValidation("velocityLimit", () -> referrals.configure(base.withVelocity(10_001, Duration.ofHours(1))));
    assertValidation("velocityWindow", () -> referrals.configure(base.withVelocity(5, Duration.ofSeconds(59))));
    assertValidation("velocityWindow", () -> referrals.configure(base.withVelocity(5, Duration.ofDays(8))));
    assertValidation("velocityWindow", () -> referrals.configure(base.withVelocity(5, null)));
    assertValidation("velocityWindow", () -> referrals.configure(base.withVelocity(5, Duration.ofMillis(90_500))));
    assertValidation("goal", () -> referrals.configure(base.withGoal(null)));
    assertValidation("onHighRisk", () -> referrals.configure(base.withRiskActions(RiskAction.COUNT, null)));
    assertValidation("conversionPoints", () -> referrals.configure(base.withConversionPoints(null)));
    assertValidation("settings", () -> referrals.configure(null));
    assertEquals(base, referrals.settings(campaign.id()), "nothing refused was kept");

    ReferralSettings configured = base.withReferrerReward(reward.id()).withGoal(ReferralGoal.VISIT)
        .withConversionPoints(ConversionPoints.fixed(5)).withVelocity(3, Duration.ofMinutes(5));
    assertEquals(configured, referrals.configure(configured));
    assertEquals(configured, referrals.settings(campaign.id()));
    assertCode(ErrorCode.NOT_FOUND, () -> referrals.settings(987_654_321L));
  }

  @Test
  void fixedConversionPointsAboveTheLargestPointsOperationAreRefusedOnConfigureNotOnEveryConversion() {
    long largest = EngineLimits.DEFAULTS.maxPointsPerOperation();
    ReferralSettings base = ReferralSettings.defaults(campaign.id());
    // No conversion could ever award them: refused here, on the field at fault, as a POINTS reward above the limit
    // is refused when it is defined.
    assertValidation("conversionPoints.fixedPoints",
        () -> referrals.configure(base.withConversionPoints(ConversionPoints.fixed(largest + 1))));
    assertEquals(base, referrals.settings(campaign.id()), "nothing refused was kept");

    ReferralSettings atTheLimit = base.withConversionPoints(ConversionPoints.fixed(largest));
    assertEquals(atTheLimit, referrals.configure(atTheLimit));
    assertEquals(largest, referrals.convert(campaign.id(),
        new NewConversion(signed(ada), "order-1", BigDecimal.ONE)).pointsAwarded());
  }

  @Test
  void aSignupOrVisitWhoseRewardWouldOverflowTheReferrersPointsIsAValidationErrorOnTheCodeAndChangesNothing() {
    LoyaltyEngine unbounded = newEngine(new InMemoryStorage(),
        EngineLimits.builder().maxPointsPerOperation(Long.MAX_VALUE).build());
    TenantScope big = newTenant(unbounded, "Big shop");
    long brandId = big.brands().create(new NewBrand("Big shop", "https://big.example.com")).id();
    Campaign bySignup = big.campaigns().create(NewCampaign.running(brandId, "Big friends"));
    CampaignReward perFriend = big.rewards().define(bySignup.id(),
        NewCampaignReward.points("Per friend", 10, 1).unlimited());
    big.referrals().configure(ReferralSettings.defaults(bySignup.id()).withReferrerReward(perFriend.id()));
    Participant full = big.participants().create(bySignup.id(), NewParticipant.withEmail("full@example.com"));
    big.points().award(ParticipantRef.id(full.id()), PointsChange.of(Long.MAX_VALUE - 5, "purchase"));
    String code = big.referrals().codes(ParticipantRef.id(full.id())).signed();

    // Not "amount", which is no component of a signup: the code naming the referrer whose points would overflow
    // (named "code", as when it is malformed).
    assertValidation("code", () -> big.referrals().signup(bySignup.id(),
        Signup.referred(NewParticipant.withEmail("new@example.com"), code)));
    assertEquals(Long.MAX_VALUE - 5, big.participants().get(ParticipantRef.id(full.id())).pointsBalance());
    assertEquals(ReferralStats.ZERO, big.referrals().stats(ParticipantRef.id(full.id())), "no signup recorded");

    Campaign byVisit = big.campaigns().create(NewCampaign.running(brandId, "Big visits"));
    CampaignReward perVisit = big.rewards().define(byVisit.id(),
        NewCampaignReward.points("Per visit", 10, 1).unlimited());
    big.referrals().configure(ReferralSettings.defaults(byVisit.id()).withGoal(ReferralGoal.VISIT)
        .withReferrerReward(perVisit.id()));
    Participant visited = big.participants().create(byVisit.id(), NewParticipant.withEmail("full@example.com"));
    big.points().award(ParticipantRef.id(visited.id()), PointsChange.of(Long.MAX_VALUE - 5, "purchase"));
    String visitCode = big.referrals().codes(ParticipantRef.id(visited.id())).signed();
    assertValidation("code", () -> big.referrals().track(byVisit.id(), Track.visit(visitCode, "visitor-1")));
    assertEquals(Long.MAX_VALUE - 5, big.participants().get(ParticipantRef.id(visited.id())).pointsBalance());
    assertEquals(ReferralStats.ZERO, big.referrals().stats(ParticipantRef.id(visited.id())), "no visit recorded");
  }

  @Test
  void aConversionWhosePointsWouldOverflowTheReferrersIsAValidationErrorOnOrderValueAndChangesNothing() {
    LoyaltyEngine unbounded = newEngine(new InMemoryStorage(),
        EngineLimits.builder().maxPointsPerOperation(Long.MAX_VALUE).build());
    TenantScope big = newTenant(unbounded, "Big shop");
    Campaign c = big.campaigns().create(NewCampaign.running(
        big.brands().create(new NewBrand("Big shop", "https://big.example.com")).id(), "Big friends"));
    big.referrals().configure(ReferralSettings.defaults(c.id()).withConversionPoints(ConversionPoints.fixed(10)));
    Participant full = big.participants().create(c.id(), NewParticipant.withEmail("full@example.com"));
    big.points().award(ParticipantRef.id(full.id()), PointsChange.of(Long.MAX_VALUE - 5, "purchase"));
    String code = big.referrals().codes(ParticipantRef.id(full.id())).signed();

    // Not "amount", which is no component of the conversion: the order whose value the points come from.
    assertValidation("orderValue",
        () -> big.referrals().convert(c.id(), new NewConversion(code, "order-1", BigDecimal.ONE)));
    assertEquals(Long.MAX_VALUE - 5, big.participants().get(ParticipantRef.id(full.id())).pointsBalance());
    assertEquals(ReferralStats.ZERO, big.referrals().stats(ParticipantRef.id(full.id())), "no conversion recorded");
  }

  // ==================================================================== landing pages

  @Test
  void theLandingPageDefaultsToTheBrandsWebsiteUntilConfiguredAndGoesBackOnReset() {
    LandingPage defaults = new LandingPage(campaign.id(), "https://referrals.example.com/", "Friends", null, null,
        null, "ref", false);
    assertEquals(defaults, referrals.landingPage(campaign.id()));

    LandingPage asked = defaults.withUrl("  https://referrals.example.com/spring?utm=mail#join ")
        .withHeadline(" Give £10, get £10 ").withDescription("Your friend gets £10 off.")
        .withShareMessage("£10 off with my link").withImageUrl("https://cdn.example.com/spring.png")
        .withReferralParameter(" via ");
    LandingPage stored = new LandingPage(campaign.id(), "https://referrals.example.com/spring?utm=mail#join",
        "Give £10, get £10", "Your friend gets £10 off.", "£10 off with my link", "https://cdn.example.com/spring.png",
        "via", true);
    assertEquals(stored, referrals.configureLandingPage(asked));
    assertEquals(stored, referrals.landingPage(campaign.id()));
    Campaign other = scope.campaigns().create(NewCampaign.running(brand.id(), "Other"));
    assertEquals("Other", referrals.landingPage(other.id()).headline(), "another campaign keeps its default");

    assertEquals(defaults, referrals.resetLandingPage(campaign.id()));
    assertEquals(defaults, referrals.landingPage(campaign.id()));
    assertEquals(defaults, referrals.resetLandingPage(campaign.id()), "idempotent");

    TenantScope stranger = newTenant(engine, "Stranger");
    assertCode(ErrorCode.NOT_FOUND, () -> stranger.referrals().landingPage(campaign.id()));
    assertCode(ErrorCode.NOT_FOUND, () -> stranger.referrals().configureLandingPage(stored));
    assertCode(ErrorCode.NOT_FOUND, () -> stranger.referrals().resetLandingPage(campaign.id()));
    assertCode(ErrorCode.NOT_FOUND, () -> referrals.landingPage(987_654_321L));
  }

  @Test
  void aLandingPageIsValidatedFieldByFieldAndARefusedOneChangesNothing() {
    LandingPage base = referrals.landingPage(campaign.id());
    assertValidation("page", () -> referrals.configureLandingPage(null));
    for (String url : Arrays.asList(null, " ", "referrals.example.com/spring", "ftp://referrals.example.com/",
        "javascript:alert(1)", "https:///spring", "https://user:secret@referrals.example.com/",
        "https://referrals.example.com/a b", "https://referrals.example.com/\u00a0x", "https://[::1/",
        "https://referrals.example.com/" + "a".repeat(2_000),
        // No host, or a port no browser can follow: java.net.URI reads such an authority as a registry name.
        "https://:8443/spring", "https://referrals.example.com:99999/", "https://referrals.example.com:0/",
        "https://referrals.example.com:-1/", "https://referrals.example.com:https/", "https://[::1]:65536/",
        // Not a host name: an empty label, a label with a hyphen at an end or over 63 characters, percent-encoding.
        "https://referrals..example.com/", "https://-referrals.example.com/", "https://referrals-.example.com/",
        "https://" + "a".repeat(64) + ".example.com/", "https://%41.example.com/", "https://./")) {
      assertValidation("url", () -> referrals.configureLandingPage(base.withUrl(url)));
    }
    assertValidation("imageUrl", () -> referrals.configureLandingPage(base.withImageUrl("https://:443/a.png")));
    assertValidation("headline", () -> referrals.configureLandingPage(base.withHeadline(null)));
    assertValidation("headline", () -> referrals.configureLandingPage(base.withHeadline("\u00a0")));
    assertValidation("headline", () -> referrals.configureLandingPage(base.withHeadline("x".repeat(201))));
    assertValidation("headline", () -> referrals.configureLandingPage(base.withHeadline("a\u0000b")));
    assertValidation("description", () -> referrals.configureLandingPage(base.withDescription("x".repeat(2_001))));
    assertValidation("shareMessage", () -> referrals.configureLandingPage(base.withShareMessage("x".repeat(501))));
    assertValidation("shareMessage", () -> referrals.configureLandingPage(base.withShareMessage(" ")));
    assertValidation("imageUrl", () -> referrals.configureLandingPage(base.withImageUrl("data:image/png;base64,AA")));
    for (String parameter : Arrays.asList(null, "", "r f", "ref=", "r&f", "x".repeat(33), "réf")) {
      assertValidation("referralParameter",
          () -> referrals.configureLandingPage(base.withReferralParameter(parameter)));
    }
    assertEquals(base, referrals.landingPage(campaign.id()), "nothing refused was kept");
    assertEquals("https://referrals.example.com:8443/a_b-c.d",
        referrals.configureLandingPage(base.withUrl("https://referrals.example.com:8443/a_b-c.d")).url());
    for (String url : List.of("https://bücher.example/", "https://[::1]:65535/", "https://my_shop.example.com/",
        "https://referrals.example.com./", "https://" + "a".repeat(63) + ".example.com/")) {
      assertEquals(url, referrals.configureLandingPage(base.withUrl(url)).url(), "kept as typed");
    }
  }

  @Test
  void aLandingPageUrlOrParameterPastedWithNoBreakSpacesIsStrippedAsWithSpaces() {
    // "https://x.example/spring " is stored stripped; one pasted with a no-break space at an end is the same URL.
    LandingPage base = referrals.landingPage(campaign.id());
    LandingPage stored = referrals.configureLandingPage(base.withUrl("\u00A0https://x.example/spring\u202F")
        .withImageUrl("https://x.example/a.png\u00A0").withReferralParameter("\u2007via\u00A0"));
    assertEquals("https://x.example/spring", stored.url());
    assertEquals("https://x.example/a.png", stored.imageUrl());
    assertEquals("via", stored.referralParameter());
    assertEquals("https://x.example/spring?via=AB12", stored.linkFor("AB12"));
  }

  @Test
  void aLandingPageHostWithAnInvisibleFormatCharacterIsRefused() {
    // A zero-width space, soft hyphen, word joiner, byte-order mark, joiner or direction override (Unicode format
    // characters, category Cf) shows nothing, so the link looks like another host; a browser drops or refuses it.
    LandingPage base = referrals.landingPage(campaign.id());
    for (String format : List.of("\u200B", "\u00AD", "\u2060", "\uFEFF", "\u200D", "\u202E", "\uDB40\uDC01")) {
      assertValidation("url", () -> referrals.configureLandingPage(
          base.withUrl("https://referrals.exa" + format + "mple.com/")));
      assertValidation("url", () -> referrals.configureLandingPage(
          base.withUrl("https://" + format + "referrals.example.com:8443/spring")));
      assertValidation("imageUrl", () -> referrals.configureLandingPage(
          base.withImageUrl("https://img.example.com" + format + "/a.png")));
    }
    assertEquals(base, referrals.landingPage(campaign.id()), "nothing refused was kept");
  }

  @Test
  void aLandingPageUrlWithARawInvisibleFormatCharacterInItsPathQueryOrFragmentIsRefused() {
    // Not valid raw in a URL (RFC 3986 wants it percent-encoded) and used to spoof what a link shows: refused
    // anywhere, as in the host.
    LandingPage base = referrals.landingPage(campaign.id());
    for (String format : List.of("\u200B", "\u00AD", "\u2060", "\uFEFF", "\u200D", "\u202E", "\uDB40\uDC01")) {
      assertValidation("url", () -> referrals.configureLandingPage(
          base.withUrl("https://referrals.example.com/spr" + format + "ing")));
      assertValidation("url", () -> referrals.configureLandingPage(
          base.withUrl("https://referrals.example.com:8443/spring?promo=" + format + "gpj.exe")));
      assertValidation("url", () -> referrals.configureLandingPage(
          base.withUrl("https://referrals.example.com/spring#top" + format)));
      assertValidation("imageUrl", () -> referrals.configureLandingPage(
          base.withImageUrl("https://img.example.com/a" + format + ".png")));
    }
    assertEquals(base, referrals.landingPage(campaign.id()), "nothing refused was kept");
    // Percent-encoded, as RFC 3986 writes it, it is kept as given.
    String encoded = "https://referrals.example.com/spr%E2%80%8Bing?promo=%E2%80%AEx";
    assertEquals(encoded, referrals.configureLandingPage(base.withUrl(encoded)).url());
  }

  @Test
  void aLandingPageHostWithAnInvisibleCharacterOutsideTheFormatCategoryIsRefusedToo() {
    // Drawn as nothing as a format character is, though not of category Cf: the other default-ignorable characters
    // (combining grapheme joiner, Hangul fillers, Khmer inherent vowels, Mongolian free and other variation
    // selectors), and code points with nothing to draw (unassigned, noncharacters). A browser drops them (the link
    // looks like another host) or refuses the host.
    LandingPage base = referrals.landingPage(campaign.id());
    for (String invisible : List.of("\u034F", "\u115F", "\u1160", "\u17B4", "\u17B5", "\u180B", "\u180F", "\u3164",
        "\uFE00", "\uFE0F", "\uFFA0", "\uDB40\uDD00", "\uDB40\uDDEF", "\u0378", "\uFFFF", "\uFDD0")) {
      String shown = "U+" + Integer.toHexString(invisible.codePointAt(0)).toUpperCase();
      LoyaltyException e = assertThrows(LoyaltyException.class, () -> referrals.configureLandingPage(
          base.withUrl("https://referrals.exa" + invisible + "mple.com/")), shown);
      assertEquals(ErrorCode.VALIDATION_ERROR, e.code(), shown);
      assertEquals("url", e.field().orElseThrow(), shown);
      assertValidation("imageUrl", () -> referrals.configureLandingPage(
          base.withImageUrl("https://img.example.com" + invisible + "/a.png")));
    }
    assertEquals(base, referrals.landingPage(campaign.id()), "nothing refused was kept");
    // Visible letters and marks stay as typed.
    assertEquals("https://bu\u0308cher.example/", referrals.configureLandingPage(
        base.withUrl("https://bu\u0308cher.example/")).url());
  }

  @Test
  void aShareLinkAddsTheCodeToTheLandingPagesQueryBeforeItsFragment() {
    LandingPage page = referrals.landingPage(campaign.id());
    String legacy = referrals.codes(ParticipantRef.id(ada.id())).legacy();
    assertEquals("https://referrals.example.com/?ref=" + URLEncoder.encode(legacy, StandardCharsets.UTF_8),
        page.linkFor(legacy));
    assertEquals("https://referrals.example.com/?ref=a%2Bb%2Fc%3D%3D", page.linkFor("a+b/c=="));
    assertEquals("https://x.example/s?utm=mail&via=AB12#join",
        page.withUrl("https://x.example/s?utm=mail#join").withReferralParameter("via").linkFor("AB12"));
    assertEquals("https://x.example/s?ref=AB12", page.withUrl("https://x.example/s?").linkFor("AB12"));
    assertEquals("https://x.example/s?a=1&ref=AB12", page.withUrl("https://x.example/s?a=1&").linkFor("AB12"));
    assertEquals(CodeKind.LEGACY, referrals.decode(campaign.id(), URLDecoder.decode(
        page.linkFor(legacy).substring(page.linkFor(legacy).indexOf("ref=") + 4), StandardCharsets.UTF_8)).kind(),
        "the code read back from the link decodes");
    // A page the host built without a URL names the missing part, as a null code does.
    assertEquals("url", assertThrows(NullPointerException.class, () -> page.withUrl(null).linkFor("AB12"))
        .getMessage());
    assertEquals("code", assertThrows(NullPointerException.class, () -> page.linkFor(null)).getMessage());
  }

  @Test
  void aShareLinkReplacesAReferralParameterTheLandingPageAlreadyCarries() {
    // A page URL copied from a referred visit already carries a code: the link carries this one, once, in its place.
    LandingPage page = referrals.landingPage(campaign.id());
    assertEquals("https://x.example/s?ref=AB12", page.withUrl("https://x.example/s?ref=OLD").linkFor("AB12"));
    assertEquals("https://x.example/s?utm=mail&ref=AB12&lang=en#join",
        page.withUrl("https://x.example/s?utm=mail&ref=OLD&lang=en#join").linkFor("AB12"));
    assertEquals("https://x.example/s?ref=AB12&a=1", page.withUrl("https://x.example/s?ref&a=1").linkFor("AB12"));
    assertEquals("https://x.example/s?ref=AB12&a=1",
        page.withUrl("https://x.example/s?ref=&a=1&ref=OLD").linkFor("AB12"), "one code, at its first place");
    assertEquals("https://x.example/s?via=a%2Bb&ref=keep#ref=frag", page.withUrl("https://x.example/s?via=old&ref=keep"
        + "#ref=frag").withReferralParameter("via").linkFor("a+b"), "only the page's parameter, not in the fragment");
    assertEquals("https://x.example/s?xref=1&ref2=2&REF=3&ref=AB12",
        page.withUrl("https://x.example/s?xref=1&ref2=2&REF=3").linkFor("AB12"), "other names stay");
  }

  // ==================================================================== tracking

  @Test
  void goalVisitCountsUniqueVisitorsOnlyAndSignupsAreRecordedOnly() {
    CampaignReward perVisitor = scope.rewards().define(campaign.id(),
        NewCampaignReward.points("Per visitor", 3, 1).unlimited());
    referrals.configure(ReferralSettings.defaults(campaign.id()).withGoal(ReferralGoal.VISIT)
        .withReferrerReward(perVisitor.id()));
    ReferralCodes codes = referrals.codes(ParticipantRef.id(ada.id()));

    TrackResult first = referrals.track(campaign.id(), Track.visit(codes.shortCode(), "v-1"));
    assertEquals(ada.id(), first.referrerId());
    assertEquals(TrackKind.VISIT, first.kind());
    assertTrue(first.uniqueVisitor());
    assertTrue(first.counted());
    assertEquals(1, first.unlocked().size());
    TrackResult repeat = referrals.track(campaign.id(), Track.visit(codes.signed(), "v-1"));
    assertFalse(repeat.uniqueVisitor());
    assertFalse(repeat.counted());
    assertTrue(repeat.unlocked().isEmpty());
    assertTrue(referrals.track(campaign.id(), Track.visit(codes.legacy(), "v-2")).counted());
    TrackResult share = referrals.track(campaign.id(), Track.share(codes.signed()));
    assertFalse(share.counted());
    assertFalse(share.uniqueVisitor());
    referrals.track(campaign.id(), new Track(codes.signed(), TrackKind.IMPRESSION, "v-3"));
    referrals.track(campaign.id(), Track.impression(codes.signed()));
    assertEquals(6, balance(ada), "two unique visitors, 3 points each");

    SignupResult bob = referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("bob@example.com"), codes.signed()));
    assertEquals(ReferralStatus.RECORDED, bob.referral().status());
    assertTrue(bob.unlocked().isEmpty());
    assertEquals(6, balance(ada));

    assertEquals(new ReferralStats(2, 1, 3, 2, 1, 0, 0, BigDecimal.ZERO),
        referrals.stats(ParticipantRef.id(ada.id())));

    List<LoyaltyEvent> tracked = events(ada.id()).stream()
        .filter(e -> e.type() == EventType.REFERRAL_TRACKED).toList();
    assertEquals(6, tracked.size());
    Map<String, Object> json = payload(tracked.get(0));
    assertEquals(Map.of("kind", "VISIT", "referrerId", Long.toString(ada.id()), "uniqueVisitor", true, "counted", true), json);
    assertFalse(tracked.get(0).payload().contains("v-1"), "no visitor id in the payload");
  }

  @Test
  void trackValidatesItsInputAndChangesNothingWhenRefused() {
    String code = signed(ada);
    assertNothingChanges(() -> {
      assertValidation("visitorId", () -> referrals.track(campaign.id(), Track.visit(code, null)));
      assertValidation("visitorId", () -> referrals.track(campaign.id(), Track.visit(code, "two words")));
      assertValidation("visitorId", () -> referrals.track(campaign.id(), Track.visit(code, "v".repeat(129))));
      assertValidation("visitorId", () -> referrals.track(campaign.id(), new Track(code, TrackKind.SHARE, "")));
      assertValidation("kind", () -> referrals.track(campaign.id(), new Track(code, null, "v-1")));
      assertValidation("code", () -> referrals.track(campaign.id(), Track.visit("nope!", "v-1")));
      assertValidation("code", () -> referrals.track(campaign.id(), Track.share(null)));
      assertValidation("track", () -> referrals.track(campaign.id(), null));
      assertCode(ErrorCode.NOT_FOUND, () -> referrals.track(987_654_321L, Track.share(code)));
    });
    assertEquals(ReferralStats.ZERO, referrals.stats(ParticipantRef.id(ada.id())));
    TrackResult shared = referrals.track(campaign.id(), new Track(code, TrackKind.SHARE, "v-9"));
    assertFalse(shared.counted(), "no referrer reward configured");
  }

  // ==================================================================== conversions

  @Test
  void aFixedConversionAwardsOncePerOrderIdAndReplaysWhateverTheCodeOrValue() {
    referrals.configure(ReferralSettings.defaults(campaign.id()).withConversionPoints(ConversionPoints.fixed(25)));
    Participant bob = enrol("bob@example.com", "Bob");
    ConversionResult first = referrals.convert(campaign.id(),
        new NewConversion(signed(ada), "order-1", new BigDecimal("19.99")));
    assertFalse(first.replayed());
    assertEquals(25, first.pointsAwarded());
    Conversion c = first.conversion();
    assertEquals(ada.id(), c.referrerId());
    assertEquals("order-1", c.orderId());
    assertEquals(0, new BigDecimal("19.99").compareTo(c.orderValue()));
    assertEquals(ConversionStatus.CONVERTED, c.status());
    assertEquals(START, c.createdAt());
    assertNull(c.reversedAt());
    assertEquals(25, balance(ada));

    ConversionResult replay = referrals.convert(campaign.id(),
        new NewConversion(signed(bob), "order-1", new BigDecimal("5000")));
    assertTrue(replay.replayed());
    assertEquals(c, replay.conversion());
    assertEquals(25, replay.pointsAwarded());
    assertEquals(25, balance(ada));
    assertEquals(0, balance(bob));

    LedgerEntry entry = history(ada).get(0);
    assertEquals("referral_conversion", entry.type());
    assertEquals(25, entry.amount());
    assertEquals(new ReferralStats(0, 0, 0, 0, 0, 1, 0, new BigDecimal("19.99")),
        referrals.stats(ParticipantRef.id(ada.id())));

    LoyaltyEvent event = only(events(ada.id()), EventType.REFERRAL_CONVERSION);
    Map<String, Object> json = payload(event);
    assertEquals(Long.toString(c.id()), JsonValues.at(json, "conversion", "id"));
    assertEquals(Long.toString(campaign.id()), JsonValues.at(json, "conversion", "campaignId"));
    assertEquals(Long.toString(ada.id()), JsonValues.at(json, "conversion", "referrerId"));
    assertEquals("order-1", JsonValues.at(json, "conversion", "orderId"));
    assertEquals("19.99", JsonValues.at(json, "conversion", "orderValue"));
    assertEquals(25L, JsonValues.at(json, "conversion", "points"));
    assertEquals("CONVERTED", JsonValues.at(json, "conversion", "status"));
    assertEquals(0L, JsonValues.at(json, "conversion", "pointsReversed"));
    assertEquals(START.toString(), JsonValues.at(json, "conversion", "createdAt"));
    assertNull(JsonValues.at(json, "conversion", "reversedAt"));
    assertEquals(25L, JsonValues.at(json, "pointsAwarded"));
  }

  @Test
  void perUnitPointsRoundDownAndAZeroOrderAwardsNothing() {
    referrals.configure(ReferralSettings.defaults(campaign.id())
        .withConversionPoints(ConversionPoints.perUnit(new BigDecimal("1.5"))));
    String code = signed(ada);
    assertEquals(16, referrals.convert(campaign.id(),
        new NewConversion(code, "o-1", new BigDecimal("10.99"))).pointsAwarded(), "floor(16.485)");
    assertEquals(1, referrals.convert(campaign.id(),
        new NewConversion(code, "o-2", new BigDecimal("1.3333"))).pointsAwarded(), "floor(1.99995)");
    ConversionResult zero = referrals.convert(campaign.id(), new NewConversion(code, "o-3", BigDecimal.ZERO));
    assertEquals(0, zero.pointsAwarded());
    assertEquals(0, zero.conversion().points());
    assertEquals(17, balance(ada));
    assertEquals(2, history(ada).size(), "no ledger entry for zero points");
    assertEquals(0, referrals.convert(campaign.id(),
        new NewConversion(code, "o-4", new BigDecimal("1.50000"))).conversion().orderValue()
        .compareTo(new BigDecimal("1.5")), "trailing zeros are not decimals");
    assertEquals(new ReferralStats(0, 0, 0, 0, 0, 4, 0, new BigDecimal("13.8233")),
        referrals.campaignStats(campaign.id()));
  }

  @Test
  void aPerUnitRateWithTrailingZerosIsTheSameRateAsWithout() {
    // As for an order value, trailing zeros are not decimals: 1.50000 (a rate read from a column of scale 5, say) is
    // 1.5, and 10000.00000 is the largest rate, not above it.
    assertEquals(ConversionPoints.perUnit(new BigDecimal("1.5")),
        ConversionPoints.perUnit(new BigDecimal("1.50000")));
    assertEquals(ConversionPoints.perUnit(new BigDecimal("10000")),
        ConversionPoints.perUnit(new BigDecimal("10000.00000")));
    assertValidation("conversionPoints.perUnit", () -> ConversionPoints.perUnit(new BigDecimal("1.00001")));

    referrals.configure(ReferralSettings.defaults(campaign.id())
        .withConversionPoints(ConversionPoints.perUnit(new BigDecimal("1.50000"))));
    assertEquals(15, referrals.convert(campaign.id(),
        new NewConversion(signed(ada), "o-1", BigDecimal.TEN)).pointsAwarded());
  }

  @Test
  void conversionInputIsValidatedAndOverflowIsAnOrderValueError() {
    referrals.configure(ReferralSettings.defaults(campaign.id())
        .withConversionPoints(ConversionPoints.perUnit(new BigDecimal("10000"))));
    String code = signed(ada);
    assertNothingChanges(() -> {
      assertValidation("orderId", () -> referrals.convert(campaign.id(), new NewConversion(code, null, BigDecimal.ONE)));
      assertValidation("orderId", () -> referrals.convert(campaign.id(), new NewConversion(code, "", BigDecimal.ONE)));
      assertValidation("orderId", () -> referrals.convert(campaign.id(),
          new NewConversion(code, "order 1", BigDecimal.ONE)));
      assertValidation("orderId", () -> referrals.convert(campaign.id(),
          new NewConversion(code, "o".repeat(129), BigDecimal.ONE)));
      assertValidation("orderValue", () -> referrals.convert(campaign.id(), new NewConversion(code, "o", null)));
      assertValidation("orderValue", () -> referrals.convert(campaign.id(),
          new NewConversion(code, "o", new BigDecimal("-0.01"))));
      assertValidation("orderValue", () -> referrals.convert(campaign.id(),
          new NewConversion(code, "o", new BigDecimal("1000000000000.0001"))));
      assertValidation("orderValue", () -> referrals.convert(campaign.id(),
          new NewConversion(code, "o", new BigDecimal("1.00001"))));
      assertValidation("code", () -> referrals.convert(campaign.id(), new NewConversion("??", "o", BigDecimal.ONE)));
      assertValidation("conversion", () -> referrals.convert(campaign.id(), null));
      // 10^12 x 10,000 points: more than one operation may move (default limit 10^9).
      assertValidation("orderValue", () -> referrals.convert(campaign.id(),
          new NewConversion(code, "o", new BigDecimal("1000000000000"))));
      assertCode(ErrorCode.NOT_FOUND, () -> referrals.convert(987_654_321L,
          new NewConversion(code, "o", BigDecimal.ONE)));
    });

    // A referrer whose points cannot take the award: refused on orderValue, and nothing is kept.
    LoyaltyEngine rich = newEngine(new InMemoryStorage(),
        EngineLimits.builder().maxPointsPerOperation(Long.MAX_VALUE).build());
    TenantScope richScope = newTenant(rich, "Rich");
    Brand b = richScope.brands().create(new NewBrand("Rich", "https://rich.example.com"));
    Campaign c = richScope.campaigns().create(NewCampaign.running(b.id(), "Rich"));
    Participant whale = richScope.participants().create(c.id(), NewParticipant.withEmail("whale@example.com"));
    richScope.points().award(ParticipantRef.id(whale.id()), PointsChange.of(Long.MAX_VALUE - 5, "seed"));
    richScope.referrals().configure(ReferralSettings.defaults(c.id()).withConversionPoints(ConversionPoints.fixed(10)));
    String whaleCode = richScope.referrals().codes(ParticipantRef.id(whale.id())).signed();
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> richScope.referrals().convert(c.id(),
        new NewConversion(whaleCode, "big", BigDecimal.ONE)));
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals("orderValue", e.field().orElseThrow());
    assertCode(ErrorCode.NOT_FOUND, () -> richScope.referrals().reverse(c.id(), "big"));
    assertEquals(ReferralStats.ZERO, richScope.referrals().campaignStats(c.id()));
  }

  @Test
  void aReversalTakesBackWhatTheBalanceAllowsAndReportsTheShortfall() {
    referrals.configure(ReferralSettings.defaults(campaign.id()).withConversionPoints(ConversionPoints.fixed(25)));
    String code = signed(ada);
    referrals.convert(campaign.id(), new NewConversion(code, "order-1", new BigDecimal("10")));
    referrals.convert(campaign.id(), new NewConversion(code, "order-2", new BigDecimal("30")));
    assertEquals(50, balance(ada));

    clock.advance(Duration.ofMinutes(5));
    ReversalResult full = referrals.reverse(campaign.id(), "order-1");
    assertFalse(full.replayed());
    assertEquals(25, full.pointsReversed());
    assertEquals(0, full.shortfall());
    assertEquals(ConversionStatus.REVERSED, full.conversion().status());
    assertEquals(25, full.conversion().pointsReversed());
    assertEquals(START.plus(Duration.ofMinutes(5)), full.conversion().reversedAt());
    assertEquals(25, balance(ada));
    ReversalResult again = referrals.reverse(campaign.id(), "order-1");
    assertTrue(again.replayed());
    assertEquals(full.conversion(), again.conversion());
    assertEquals(25, again.pointsReversed());
    assertEquals(25, balance(ada));

    // Ada spent 20 of the 25 points order 2 gave: the reversal takes the 5 left, and reports 20 short.
    scope.points().deduct(ParticipantRef.id(ada.id()), PointsChange.of(20, "redemption"));
    ReversalResult partial = referrals.reverse(campaign.id(), "order-2");
    assertEquals(5, partial.pointsReversed());
    assertEquals(20, partial.shortfall());
    assertEquals(5, partial.conversion().pointsReversed());
    assertEquals(0, balance(ada));
    assertEquals(0, ledgerSum(ada));
    ReversalResult replayed = referrals.reverse(campaign.id(), "order-2");
    assertTrue(replayed.replayed());
    assertEquals(20, replayed.shortfall());
    assertEquals(ConversionStatus.REVERSED, referrals.convert(campaign.id(),
        new NewConversion(code, "order-2", BigDecimal.ONE)).conversion().status(), "a replay shows the reversal");

    assertEquals(new ReferralStats(0, 0, 0, 0, 0, 2, 2, BigDecimal.ZERO),
        referrals.stats(ParticipantRef.id(ada.id())));
    List<LoyaltyEvent> reversals = events(ada.id()).stream()
        .filter(e -> e.type() == EventType.REFERRAL_REVERSAL).toList();
    assertEquals(2, reversals.size());
    Map<String, Object> json = payload(reversals.get(1));
    assertEquals(5L, JsonValues.at(json, "pointsReversed"));
    assertEquals(20L, JsonValues.at(json, "shortfall"));
    assertEquals("REVERSED", JsonValues.at(json, "conversion", "status"));
    assertEquals(5L, JsonValues.at(json, "conversion", "pointsReversed"));
    assertEquals("30", JsonValues.at(json, "conversion", "orderValue"));
    assertEquals(START.plus(Duration.ofMinutes(5)).toString(), JsonValues.at(json, "conversion", "reversedAt"));
    assertEquals(List.of("referral_conversion", "referral_conversion", "referral_reversal", "redemption",
        "referral_reversal"), history(ada).stream().map(LedgerEntry::type).toList());

    assertCode(ErrorCode.NOT_FOUND, () -> referrals.reverse(campaign.id(), "order-404"));
    assertCode(ErrorCode.NOT_FOUND, () -> referrals.reverse(987_654_321L, "order-1"));
    assertValidation("orderId", () -> referrals.reverse(campaign.id(), null));
    assertValidation("orderId", () -> referrals.reverse(campaign.id(), "with space"));
  }

  /**
   * A reversal deducts under the ledger key {@code referral_reversal:<conversion id>}. A points change of the host's
   * with that key, the same parameters or others, is refused as CONFLICT on {@code orderId} with nothing changed:
   * replaying the host's entry would mark the conversion reversed and take nothing back.
   */
  @Test
  void aReversalWhoseLedgerKeyTheHostTookIsAConflictThatChangesNothing() {
    referrals.configure(ReferralSettings.defaults(campaign.id()).withConversionPoints(ConversionPoints.fixed(25)));
    String code = signed(ada);
    long alike = referrals.convert(campaign.id(), new NewConversion(code, "order-1", BigDecimal.TEN))
        .conversion().id();
    long otherwise = referrals.convert(campaign.id(), new NewConversion(code, "order-2", BigDecimal.TEN))
        .conversion().id();
    ParticipantRef ref = ParticipantRef.id(ada.id());
    scope.points().deduct(ref, PointsChange.of(25, "referral_reversal").withIdempotencyKey(
        "referral_reversal:" + alike));
    scope.points().award(ref, PointsChange.of(1, "bonus").withIdempotencyKey("referral_reversal:" + otherwise));
    // 26 points left: reversing order 1 would take 25, as the host's entry did, and replay it.
    assertEquals(26, balance(ada));

    for (String order : List.of("order-1", "order-2")) {
      LoyaltyException e = assertThrows(LoyaltyException.class, () -> referrals.reverse(campaign.id(), order));
      assertEquals(ErrorCode.CONFLICT, e.code(), e.toString());
      assertEquals("orderId", e.field().orElseThrow(), e.toString());
      assertEquals(ConversionStatus.CONVERTED, referrals.convert(campaign.id(),
          new NewConversion(code, order, BigDecimal.ONE)).conversion().status(), "the conversion stays as it was");
    }
    assertEquals(26, balance(ada));
    assertEquals(26, ledgerSum(ada));
    assertEquals(List.of(), events(ada.id()).stream().filter(e -> e.type() == EventType.REFERRAL_REVERSAL).toList());
  }

  @Test
  void aConversionOfADeletedReferrerIsReversedWithNothingTakenBack() {
    referrals.configure(ReferralSettings.defaults(campaign.id()).withConversionPoints(ConversionPoints.fixed(25)));
    referrals.convert(campaign.id(), new NewConversion(signed(ada), "order-9", new BigDecimal("9.5")));
    scope.participants().delete(ParticipantRef.id(ada.id()));

    ReversalResult r = referrals.reverse(campaign.id(), "order-9");
    assertEquals(0, r.pointsReversed());
    assertEquals(25, r.shortfall());
    assertEquals(ConversionStatus.REVERSED, r.conversion().status());
    assertEquals(ada.id(), r.conversion().referrerId());
    LoyaltyEvent event = only(events(null), EventType.REFERRAL_REVERSAL);
    assertNull(event.participantId(), "the referrer is gone; the event is the campaign's");
    assertEquals(25L, JsonValues.at(payload(event), "shortfall"));
    assertEquals(ReferralStats.ZERO, referrals.campaignStats(campaign.id()));
  }

  // ==================================================================== chains

  @Test
  void chainsAnswerReferralReferrerReferredAndAncestors() {
    Participant b = referred("b@example.com", ada);
    Participant c = referred("c@example.com", b);
    Participant d = referred("d@example.com", c);
    Participant b2 = referred("b2@example.com", ada);
    Participant b3 = referred("b3@example.com", ada);

    assertEquals(List.of(c.id(), b.id()), ids(referrals.ancestors(ParticipantRef.id(d.id()), 2)));
    assertEquals(List.of(c.id(), b.id(), ada.id()), ids(referrals.ancestors(ParticipantRef.id(d.id()), 50)));
    assertEquals(List.of(), referrals.ancestors(ParticipantRef.id(ada.id()), 5));
    assertValidation("depth", () -> referrals.ancestors(ParticipantRef.id(d.id()), 0));
    assertValidation("depth", () -> referrals.ancestors(ParticipantRef.id(d.id()), 51));

    assertEquals(b.id(), referrals.referral(ParticipantRef.id(c.id())).orElseThrow().referrerId());
    assertEquals(b.id(), referrals.referrer(ParticipantRef.email(campaign.id(), "c@example.com")).orElseThrow().id());
    assertTrue(referrals.referrer(ParticipantRef.id(ada.id())).isEmpty());
    assertTrue(referrals.referral(ParticipantRef.id(ada.id())).isEmpty());

    List<Long> pages = new ArrayList<>();
    Keyset page = Keyset.first(2);
    int rounds = 0;
    while (true) {
      CursorPage<Participant> got = referrals.referred(ParticipantRef.id(ada.id()), page);
      pages.addAll(ids(got.items()));
      rounds++;
      if (!got.hasMore()) {
        break;
      }
      page = Keyset.after(got.nextId(), 2);
    }
    assertEquals(List.of(b.id(), b2.id(), b3.id()), pages);
    assertEquals(2, rounds);
    assertTrue(referrals.referred(ParticipantRef.id(d.id()), Keyset.first(10)).items().isEmpty());

    ParticipantRef unknown = ParticipantRef.id(987_654_321L);
    assertCode(ErrorCode.NOT_FOUND, () -> referrals.referral(unknown));
    assertCode(ErrorCode.NOT_FOUND, () -> referrals.referrer(unknown));
    assertCode(ErrorCode.NOT_FOUND, () -> referrals.referred(unknown, Keyset.first(10)));
    assertCode(ErrorCode.NOT_FOUND, () -> referrals.ancestors(unknown, 3));
    assertCode(ErrorCode.NOT_FOUND, () -> referrals.stats(unknown));
    assertValidation("page", () -> referrals.referred(ParticipantRef.id(ada.id()), null));
    assertValidation("participant", () -> referrals.referral(null));
  }

  @Test
  void deletingAParticipantRemovesItsReferralsCodesAndStats() {
    Participant b = referred("b@example.com", ada);
    Participant c = referred("c@example.com", b);
    ReferralCodes bCodes = referrals.codes(ParticipantRef.id(b.id()));
    referrals.track(campaign.id(), Track.visit(bCodes.signed(), "v-1"));
    assertEquals(1, referrals.stats(ParticipantRef.id(b.id())).signups());

    scope.participants().delete(ParticipantRef.id(b.id()));
    assertTrue(referrals.referrer(ParticipantRef.id(c.id())).isEmpty(), "its referrals as referrer are gone");
    assertTrue(referrals.ancestors(ParticipantRef.id(c.id()), 10).isEmpty());
    assertTrue(referrals.referred(ParticipantRef.id(ada.id()), Keyset.first(10)).items().isEmpty(),
        "its referral as invited is gone");
    for (String code : List.of(bCodes.legacy(), bCodes.signed(), bCodes.shortCode())) {
      assertValidation("code", () -> referrals.decode(campaign.id(), code));
    }
    ReferralStats left = referrals.campaignStats(campaign.id());
    assertEquals(1, left.signups(), "Ada's referral of B is still counted in Ada's stats");
    assertEquals(0, left.clicks(), "B's counters went with B");

    // C is free to be referred again, and the chain stays a forest.
    SignupResult again = referrals.signup(campaign.id(),
        Signup.referred(NewParticipant.withEmail("c@example.com"), signed(ada)));
    assertEquals(ReferralOutcome.REFERRED, again.outcome());
  }

  // ==================================================================== stats

  @Test
  void campaignAndBrandStatsSumTheirParticipants() {
    Campaign second = scope.campaigns().create(NewCampaign.running(brand.id(), "Second"));
    Participant bob = scope.participants().create(second.id(), NewParticipant.withEmail("bob@example.com"));
    String adaCode = signed(ada);
    referrals.track(campaign.id(), Track.impression(adaCode));
    referrals.track(campaign.id(), Track.impression(adaCode));
    referrals.track(campaign.id(), Track.share(adaCode));
    referrals.track(campaign.id(), Track.visit(adaCode, "v-1"));
    referrals.track(campaign.id(), Track.visit(adaCode, "v-1"));
    Participant cy = referred("cy@example.com", ada);
    referrals.track(campaign.id(), Track.visit(signed(cy), "v-1"));
    referrals.track(second.id(), Track.share(signed(bob)));

    assertEquals(new ReferralStats(2, 1, 2, 1, 1, 0, 0, BigDecimal.ZERO),
        referrals.stats(ParticipantRef.id(ada.id())));
    assertEquals(new ReferralStats(0, 0, 1, 1, 0, 0, 0, BigDecimal.ZERO),
        referrals.stats(ParticipantRef.id(cy.id())), "unique per referrer");
    assertEquals(referrals.stats(ParticipantRef.id(ada.id())).plus(referrals.stats(ParticipantRef.id(cy.id()))),
        referrals.campaignStats(campaign.id()));
    assertEquals(new ReferralStats(0, 1, 0, 0, 0, 0, 0, BigDecimal.ZERO),
        referrals.campaignStats(second.id()));

    assertEquals(new BrandStats(brand.id(), 2, 3, 2, 3, 2), referrals.brandStats(brand.id()));
    Brand empty = scope.brands().create(new NewBrand("Empty", "https://empty.example.com"));
    assertEquals(new BrandStats(empty.id(), 0, 0, 0, 0, 0), referrals.brandStats(empty.id()));

    TenantScope other = newTenant(engine, "Other shop");
    Brand theirs = other.brands().create(new NewBrand("Theirs", "https://theirs.example.com"));
    assertCode(ErrorCode.NOT_FOUND, () -> referrals.brandStats(theirs.id()));
    assertCode(ErrorCode.NOT_FOUND, () -> referrals.brandStats(987_654_321L));
    assertCode(ErrorCode.NOT_FOUND, () -> referrals.campaignStats(987_654_321L));
    assertCode(ErrorCode.NOT_FOUND, () -> other.referrals().campaignStats(campaign.id()));
    assertCode(ErrorCode.NOT_FOUND, () -> other.referrals().stats(ParticipantRef.id(ada.id())));
  }

  // ==================================================================== helpers

  /** Two engine instances on one in-memory database, and one tenant's running campaign seen from each. */
  private record TwoInstances(LoyaltyEngine a, TenantScope onA, TenantScope onB, Campaign campaign) {
  }

  private TwoInstances twoInstances(String website) {
    InMemoryStorage first = new InMemoryStorage();
    LoyaltyEngine a = newEngine(first, EngineLimits.DEFAULTS);
    LoyaltyEngine b = newEngine(first.database().openStorage(), EngineLimits.DEFAULTS);
    long tenantId = a.tenants().create(NewTenant.business("Two instances")).id();
    TenantScope onA = a.forTenant(tenantId);
    Brand brand = onA.brands().create(new NewBrand("Two", website));
    return new TwoInstances(a, onA, b.forTenant(tenantId),
        onA.campaigns().create(NewCampaign.running(brand.id(), "Shared")));
  }

  private LoyaltyEngine newEngine(InMemoryStorage storage, EngineLimits limits) {
    LoyaltyEngine e = LoyaltyEngine.builder()
        .storage(storage)
        .clock(clock)
        .limits(limits)
        .events(EventSettings.builder().manualDispatch().build())
        .build();
    engines.add(e);
    return e;
  }

  private static TenantScope newTenant(LoyaltyEngine e, String name) {
    return e.forTenant(e.tenants().create(NewTenant.business(name)).id());
  }

  private Participant enrol(String email, String firstName) {
    return scope.participants().create(campaign.id(), NewParticipant.withEmail(email).withName(firstName, null));
  }

  /** A new participant signed up with {@code referrer}'s code. */
  private Participant referred(String email, Participant referrer) {
    SignupResult r = referrals.signup(campaign.id(), Signup.referred(NewParticipant.withEmail(email),
        signed(referrer)));
    assertEquals(ReferralOutcome.REFERRED, r.outcome());
    return r.participant();
  }

  private String signed(Participant p) {
    return referrals.codes(ParticipantRef.id(p.id())).signed();
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static List<Long> ids(List<Participant> participants) {
    return participants.stream().map(Participant::id).toList();
  }

  private long balance(Participant p) {
    return scope.participants().get(ParticipantRef.id(p.id())).pointsBalance();
  }

  private List<LedgerEntry> history(Participant p) {
    List<LedgerEntry> all = new ArrayList<>();
    Keyset page = Keyset.first(100);
    while (true) {
      CursorPage<LedgerEntry> got = scope.points().history(ParticipantRef.id(p.id()), page);
      all.addAll(got.items());
      if (!got.hasMore()) {
        return all.stream().sorted((x, y) -> Long.compare(x.id(), y.id())).toList();
      }
      page = Keyset.after(got.nextId(), 100);
    }
  }

  private long ledgerSum(Participant p) {
    return history(p).stream().mapToLong(LedgerEntry::signedAmount).sum();
  }

  private void dispatchUntilIdle() {
    FeedReads.dispatchUntilIdle(engine);
  }

  /** Every event of the tenant, or of one participant, in change-feed order (positions them first). */
  private List<LoyaltyEvent> events(Long participantId) {
    return FeedReads.ofParticipant(FeedReads.events(engine, scope, EventFilter.all()), participantId);
  }

  /** Runs {@code failing} and checks that the tenant's events, participants and Ada (balance included) are unchanged. */
  private void assertNothingChanges(Runnable failing) {
    int before = events(null).size();
    Supplier<Participant> read = () -> scope.participants().get(ParticipantRef.id(ada.id()));
    Participant adaBefore = read.get();
    long participantsBefore = scope.rewards().totals(campaign.id()).participants();
    ReferralStats statsBefore = referrals.campaignStats(campaign.id());
    failing.run();
    assertEquals(before, events(null).size(), "no event written");
    assertEquals(adaBefore, read.get(), "referrer and balance unchanged");
    assertEquals(participantsBefore, scope.rewards().totals(campaign.id()).participants(), "nobody enrolled");
    assertEquals(statsBefore, referrals.campaignStats(campaign.id()), "stats unchanged");
  }

  private static void assertCode(ErrorCode code, Executable call) {
    LoyaltyException e = assertThrows(LoyaltyException.class, call);
    assertEquals(code, e.code(), e.toString());
  }

  private static void assertValidation(String field, Executable call) {
    LoyaltyException e = assertThrows(LoyaltyException.class, call);
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code(), e.toString());
    assertEquals(field, e.field().orElseThrow(), e.toString());
  }
}
