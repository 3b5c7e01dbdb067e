package io.loyaltyengine.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.core.spi.ActionRecord;
import io.loyaltyengine.fraud.RiskAction;
import io.loyaltyengine.fraud.RiskLevel;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.referrals.ConversionPoints;
import io.loyaltyengine.referrals.LandingPage;
import io.loyaltyengine.referrals.NewConversion;
import io.loyaltyengine.referrals.ReferralCodes;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.participant.ParticipantFilter;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.participant.ParticipantUpdate;
import io.loyaltyengine.referrals.Signup;
import io.loyaltyengine.referrals.Track;
import io.loyaltyengine.referrals.TrackKind;
import io.loyaltyengine.rewards.ActionCounts;
import io.loyaltyengine.rewards.ActionSource;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.tenant.TenantType;
import io.loyaltyengine.webhooks.NewWebhookEndpoint;
import io.loyaltyengine.webhooks.WebhookEndpoint;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Values of engine-api that hosts build themselves (its module has no tests of its own). */
class ApiValuesTest {
  private static final String TOKEN = "xoxb-5ecret-t0ken";

  @Test
  void aResponseBodyListsCodeMessageAndFieldInThatOrder() {
    Map<String, Object> body = LoyaltyException.validation("email", "email is not an address").toResponseBody();
    @SuppressWarnings("unchecked")
    Map<String, Object> error = (Map<String, Object>) body.get("error");
    assertEquals(List.of("code", "message", "field"), List.copyOf(error.keySet()));
    assertEquals(List.of("VALIDATION_ERROR", "email is not an address", "email"), List.copyOf(error.values()));
    assertThrows(UnsupportedOperationException.class, () -> error.put("field", "other"));
    assertEquals(List.of("code", "message"), List.copyOf(((Map<?, ?>) LoyaltyException.notFound("participant")
        .toResponseBody().get("error")).keySet()));
  }

  @Test
  void aRateLimitedErrorTellsWhenToRetryInWholeSecondsRoundedUp() {
    LoyaltyException limited = LoyaltyException.rateLimited(Duration.ofMillis(1_200));
    assertEquals(429, limited.httpStatus());
    assertEquals(Optional.of(Duration.ofMillis(1_200)), limited.retryAfter());
    Map<?, ?> error = (Map<?, ?>) limited.toResponseBody().get("error");
    assertEquals(List.of("code", "message", "retryAfterSeconds"), List.copyOf(error.keySet()));
    assertEquals(2L, error.get("retryAfterSeconds"));
    assertEquals(3L, ((Map<?, ?>) LoyaltyException.rateLimited(Duration.ofSeconds(3)).toResponseBody().get("error"))
        .get("retryAfterSeconds"));
    assertEquals(Optional.empty(), LoyaltyException.notFound("participant").retryAfter());
    assertThrows(IllegalArgumentException.class, () -> LoyaltyException.rateLimited(Duration.ofSeconds(-1)));
    assertEquals(List.of(401, 403, 429), List.of(ErrorCode.UNAUTHENTICATED.httpStatus(),
        ErrorCode.FORBIDDEN.httpStatus(), ErrorCode.RATE_LIMITED.httpStatus()));
  }

  /** ErrorCode's statuses are part of the API (hosts answer them): each as its javadoc gives it. */
  @Test
  void everyErrorCodeHasItsDocumentedHttpStatus() {
    Map<ErrorCode, Integer> documented = new java.util.EnumMap<>(ErrorCode.class);
    documented.put(ErrorCode.VALIDATION_ERROR, 400);
    documented.put(ErrorCode.UNAUTHENTICATED, 401);
    documented.put(ErrorCode.FORBIDDEN, 403);
    documented.put(ErrorCode.NOT_FOUND, 404);
    documented.put(ErrorCode.CONFLICT, 409);
    documented.put(ErrorCode.INSUFFICIENT_POINTS, 409);
    documented.put(ErrorCode.INVALID_TRANSITION, 409);
    documented.put(ErrorCode.OUT_OF_STOCK, 409);
    documented.put(ErrorCode.RATE_LIMITED, 429);
    documented.put(ErrorCode.STORAGE_UNAVAILABLE, 503);
    assertEquals(Set.of(ErrorCode.values()), documented.keySet(), "a new code needs its status pinned here");
    for (ErrorCode code : ErrorCode.values()) {
      assertEquals(documented.get(code), code.httpStatus(), code.name());
      assertEquals(code.httpStatus(), new LoyaltyException(code, null, "m").httpStatus(), code.name());
    }
  }

  @Test
  void anExceptionWithoutAMessageIsRefusedWhenMadeNotWhenAnswered() {
    assertThrows(NullPointerException.class, () -> new LoyaltyException(ErrorCode.CONFLICT, null, null));
    assertThrows(NullPointerException.class, () -> new LoyaltyException(ErrorCode.CONFLICT, null, null, null));
    assertThrows(NullPointerException.class, () -> new LoyaltyException(null, null, "message"));
  }

  @Test
  void valuesHoldingPersonalDataDoNotPrintIt() {
    Instant at = Instant.parse("2025-05-01T10:00:00Z");
    Map<String, Object> metadata = Map.of("phone", "+44 20 7946 0000");
    NewParticipant person = new NewParticipant("ann@example.com", "Ann", "Smith", "203.0.113.9", "gold", metadata);
    List<String> personal = List.of("ann@example.com", "Ann", "Smith", "203.0.113.9", "+44 20 7946 0000",
        "visitor-77", "customer-42", TOKEN);
    List<Object> values = List.of(
        new Participant(7, 1, 2, "ann@example.com", "ann@example.com", "Ann", "Smith", "203.0.113.9", "gold",
            metadata, 10, 12, at, at, RiskLevel.LOW, "none"),
        person,
        ParticipantUpdate.builder().email("ann@example.com").firstName("Ann").lastName("Smith")
            .ipAddress("203.0.113.9").metadata(metadata).build(),
        ParticipantRef.email(2, "ann@example.com"),
        new Signup(person, "code", "visitor-77", "customer-42"),
        new Track("code", TrackKind.VISIT, "visitor-77"),
        LoyaltyAction.of(ParticipantRef.email(2, "ann@example.com"), 5).withMetadata(metadata),
        new ActionRecord(9, 1, 2, 7, 5, ActionSource.DIRECT, metadata, null, null, false,
            new ActionCounts(1, 1, 0, 1, 1), at),
        ParticipantFilter.search("ann@example.com"),
        NewTenant.member("Ann Smith"),
        new Tenant(1, "Ann Smith", TenantType.MEMBER, at),
        NewWebhookEndpoint.of("https://hooks.example.com/services/T000/" + TOKEN + "?key=" + TOKEN),
        new WebhookEndpoint(3, 1, "https://hooks.example.com:8443/" + TOKEN, EventFilter.all(), true, null, false,
            at));
    for (Object value : values) {
      String text = value.toString();
      for (String datum : personal) {
        assertFalse(text.contains(datum), value.getClass().getSimpleName() + " prints " + datum + ": " + text);
      }
    }
    assertTrue(values.get(0).toString().contains("pointsBalance=10"), "the rest is printed: " + values.get(0));
    assertTrue(NewTenant.business("Tea Shop").toString().contains("Tea Shop"), "a business's name is not personal");
    assertEquals("NewWebhookEndpoint[url=https://hooks.example.com/<path hidden>, filter=" + EventFilter.all() + "]",
        NewWebhookEndpoint.of("https://hooks.example.com/services/" + TOKEN).toString());
    assertTrue(values.get(values.size() - 1).toString().contains("url=https://hooks.example.com:8443/<path hidden>"),
        "the origin is printed: " + values.get(values.size() - 1));
    assertTrue(NewWebhookEndpoint.of("not a url " + TOKEN).toString().contains("url=<hidden>"));
  }

  /**
   * A referral code names its participant: {@link Signup} and {@link Track} print only whether one was given, and the
   * other values that carry codes keep them out of their {@code toString} alike.
   */
  @Test
  void valuesCarryingReferralCodesDoNotPrintThem() {
    String legacy = "ada-legacy-code-1";
    String signed = "ada-signed-code-2";
    String shortCode = "ADA7Q2";
    NewParticipant person = new NewParticipant("ann@example.com", null, null, null, null, null);
    List<Object> values = List.of(
        new Signup(person, signed, null, null),
        Track.share(signed),
        new NewConversion(signed, "order-1", BigDecimal.TEN),
        new ReferralCodes(7, legacy, signed, shortCode));
    for (Object value : values) {
      String text = value.toString();
      for (String code : List.of(legacy, signed, shortCode)) {
        assertFalse(text.contains(code), value.getClass().getSimpleName() + " prints the code " + code + ": " + text);
      }
    }
    assertTrue(values.get(3).toString().contains("participantId=7"), "the rest is printed: " + values.get(3));
  }

  @Test
  void aFilterOfTypesNamedTwiceHoldsEachOnce() {
    EventFilter filter = EventFilter.types(EventType.PARTICIPANT_CREATED, EventType.PARTICIPANT_CREATED);
    assertEquals(Set.of(EventType.PARTICIPANT_CREATED), filter.types());
    assertEquals(filter, new EventFilter(Set.of(EventType.PARTICIPANT_CREATED), null));
  }

  /**
   * {@code types(...)} names the types that pass: with none it would pass every event (the record's empty set), so
   * that a host building it from a list of its configuration that happens to be empty subscribed an endpoint to every
   * event, personal data included. It is refused; {@link EventFilter#all()} says "every event".
   */
  @Test
  void aFilterOfNoTypesIsRefusedRatherThanPassingEveryEvent() {
    for (EventType[] none : List.of(new EventType[0], new EventType[] {null})) {
      LoyaltyException e = assertThrows(LoyaltyException.class, () -> EventFilter.types(none));
      assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
      assertEquals("types", e.field().orElse(null));
    }
  }

  /**
   * An event filter is request input (change-feed reads, webhook endpoints): a null type in it is a validation error
   * on {@code types}, as a bad {@code Keyset} is on its field, not a NullPointerException.
   */
  @Test
  void aNullTypeInAFilterIsAValidationErrorOnTypes() {
    Set<EventType> types = new HashSet<>();
    types.add(EventType.POINTS_AWARDED);
    types.add(null);
    for (LoyaltyException e : List.of(assertThrows(LoyaltyException.class, () -> new EventFilter(types, null)),
        assertThrows(LoyaltyException.class, () -> EventFilter.types(EventType.POINTS_AWARDED, null)))) {
      assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
      assertEquals("types", e.field().orElse(null));
    }
    assertEquals(EventFilter.all(), new EventFilter(null, null));
  }

  /**
   * {@code matches} is public: a host may test its own events against a filter. An event without a type is malformed
   * input, a validation error on {@code type} whatever the filter, not a NullPointerException from a filter of some
   * types (whose set refuses {@code contains(null)}) and a pass from a filter of every type.
   */
  @Test
  void anEventWithoutATypeIsAValidationErrorOnTypeForEveryFilter() {
    for (EventFilter filter : List.of(EventFilter.all(), EventFilter.types(EventType.POINTS_AWARDED),
        EventFilter.all().inCampaign(7), EventFilter.types(EventType.POINTS_AWARDED).inCampaign(7))) {
      for (Long campaignId : Arrays.asList(7L, null)) {
        LoyaltyException e = assertThrows(LoyaltyException.class, () -> filter.matches(null, campaignId),
            filter + " with campaign " + campaignId);
        assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
        assertEquals("type", e.field().orElse(null));
      }
    }
    assertTrue(EventFilter.types(EventType.POINTS_AWARDED).inCampaign(7).matches(EventType.POINTS_AWARDED, 7L));
    assertFalse(EventFilter.types(EventType.POINTS_AWARDED).matches(EventType.POINTS_DEDUCTED, 7L));
    assertFalse(EventFilter.all().inCampaign(7).matches(EventType.POINTS_AWARDED, null));
  }

  /**
   * The filter keeps the types it checked: a caller's set that changes while the filter is made (another thread adds
   * to it) must not put an unchecked null past the check. A set that holds a null from its second reading on stands
   * for that change, made between the check and the copy.
   */
  @Test
  void aFilterKeepsTheTypesItCheckedWhenTheCallersSetChangesMeanwhile() {
    Set<EventType> changing = new AbstractSet<>() {
      private int readings;

      @Override
      public Iterator<EventType> iterator() {
        readings++;
        return (readings == 1 ? List.of(EventType.POINTS_AWARDED)
            : Arrays.asList(EventType.POINTS_AWARDED, null)).iterator();
      }

      @Override
      public int size() {
        return readings <= 1 ? 1 : 2;
      }
    };
    EventFilter filter = new EventFilter(changing, null);
    assertEquals(Set.of(EventType.POINTS_AWARDED), filter.types(), "the type checked, and nothing unchecked");
  }

  /**
   * A conversion rule is request input too (a host's referral settings form): out of its bounds it is a validation
   * error naming the part, not an IllegalArgumentException, and a null mode is one on {@code mode}.
   */
  @Test
  void aConversionRuleOutOfItsBoundsIsAValidationErrorNamingThePart() {
    List<Map.Entry<String, Executable>> bad = List.of(
        Map.entry("conversionPoints.mode", () -> new ConversionPoints(null, 0, null)),
        Map.entry("conversionPoints.fixedPoints", () -> ConversionPoints.fixed(0)),
        Map.entry("conversionPoints.perUnit", () -> ConversionPoints.perUnit(new BigDecimal("0.00001"))),
        Map.entry("conversionPoints.perUnit", () -> ConversionPoints.perUnit(new BigDecimal("10000.5"))),
        Map.entry("conversionPoints.perUnit", () -> ConversionPoints.perUnit(null)),
        Map.entry("conversionPoints.fixedPoints", () -> new ConversionPoints(ConversionPoints.Mode.NONE, 3, null)),
        Map.entry("conversionPoints.perUnit",
            () -> new ConversionPoints(ConversionPoints.Mode.FIXED, 3, BigDecimal.ONE)),
        Map.entry("conversionPoints.fixedPoints",
            () -> new ConversionPoints(ConversionPoints.Mode.PER_UNIT, 3, BigDecimal.ONE)));
    for (Map.Entry<String, Executable> b : bad) {
      LoyaltyException e = assertThrows(LoyaltyException.class, b.getValue(), b.getKey());
      assertEquals(ErrorCode.VALIDATION_ERROR, e.code(), b.getKey());
      assertEquals(b.getKey(), e.field().orElse(null));
    }
    assertEquals(new BigDecimal("2.5"), ConversionPoints.perUnit(new BigDecimal("2.5000")).perUnit());
    assertEquals(7, ConversionPoints.fixed(7).pointsFor(new BigDecimal("99.99")));
  }

  /**
   * A rule's points for an order are asked with a host's order value too (a cart showing what an order would earn):
   * none, a negative one, or one whose points pass {@code Long.MAX_VALUE} is a validation error on
   * {@code orderValue}, not a NullPointerException, an ArithmeticException, negative points or points for nothing;
   * a value of absurd scale is refused by its bounds, never expanded.
   */
  @Test
  void aConversionRuleRefusesAnOrderValueOutOfItsBoundsAsAValidationError() {
    List<ConversionPoints> rules = List.of(ConversionPoints.NONE, ConversionPoints.fixed(7),
        ConversionPoints.perUnit(new BigDecimal("2.5")));
    for (ConversionPoints rule : rules) {
      for (BigDecimal bad : Arrays.asList(null, new BigDecimal("-0.01"), new BigDecimal("-1E+400"))) {
        LoyaltyException e = assertThrows(LoyaltyException.class, () -> rule.pointsFor(bad), rule + " " + bad);
        assertEquals(ErrorCode.VALIDATION_ERROR, e.code(), rule + " " + bad);
        assertEquals("orderValue", e.field().orElse(null), rule + " " + bad);
      }
    }
    ConversionPoints most = ConversionPoints.perUnit(new BigDecimal("10000"));
    for (BigDecimal huge : List.of(new BigDecimal("922337203685477.5808"), new BigDecimal("1E+30"),
        new BigDecimal("1E+2147483647"))) {
      LoyaltyException e = assertThrows(LoyaltyException.class, () -> most.pointsFor(huge), huge.toString());
      assertEquals(ErrorCode.VALIDATION_ERROR, e.code(), huge.toString());
      assertEquals("orderValue", e.field().orElse(null), huge.toString());
    }
    assertEquals(Long.MAX_VALUE, most.pointsFor(new BigDecimal("922337203685477.5807")));
    assertEquals(Long.MAX_VALUE, ConversionPoints.perUnit(BigDecimal.ONE).pointsFor(
        new BigDecimal(Long.MAX_VALUE).add(new BigDecimal("0.9999"))));
    ConversionPoints least = ConversionPoints.perUnit(new BigDecimal("0.0001"));
    assertEquals(0, least.pointsFor(new BigDecimal("1E-2147483647")));
    assertEquals(0, least.pointsFor(BigDecimal.ZERO));
    assertEquals(1, least.pointsFor(new BigDecimal("10000")));
    assertEquals(7, ConversionPoints.fixed(7).pointsFor(new BigDecimal("1E+30")));
  }

  /**
   * A host asks what a referral of some level would do with a participant's level, which is null for a participant
   * never screened ({@link Participant#riskLevel()}): a null level is a validation error on {@code level}, as
   * {@link EventFilter#matches} answers a null type and {@link ConversionPoints#pointsFor} a null order value, not a
   * NullPointerException.
   */
  @Test
  void aReferralSettingsActionForNoLevelIsAValidationErrorOnLevel() {
    ReferralSettings settings = ReferralSettings.defaults(7).withRiskActions(RiskAction.REVIEW, RiskAction.REJECT);
    Participant neverScreened = new Participant(1, 1, 7, "a@example.com", "a@example.com", null, null, null, null,
        Map.of(), 0, 0, Instant.EPOCH, Instant.EPOCH, null, null);
    LoyaltyException e = assertThrows(LoyaltyException.class,
        () -> settings.actionFor(neverScreened.riskLevel()));
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals("level", e.field().orElse(null));
    assertEquals(RiskAction.COUNT, settings.actionFor(RiskLevel.LOW));
    assertEquals(RiskAction.REVIEW, settings.actionFor(RiskLevel.MEDIUM));
    assertEquals(RiskAction.REJECT, settings.actionFor(RiskLevel.HIGH));
  }

  /**
   * {@link LandingPage#linkFor} adds the code as the page's {@code referralParameter}, and refuses a page the host
   * built itself without a URL rather than make a link of nothing: a page without a parameter is refused alike,
   * never made into a link whose parameter is named {@code null}, which no landing page reads.
   */
  @Test
  void aShareLinkOfAPageWithoutAReferralParameterIsRefusedNotNamedNull() {
    LandingPage page = new LandingPage(7, "https://shop.example.com/spring", "Spring", null, null, null,
        LandingPage.DEFAULT_REFERRAL_PARAMETER, false);
    assertEquals("https://shop.example.com/spring?ref=AB12", page.linkFor("AB12"));
    LandingPage withoutParameter = page.withReferralParameter(null);
    Optional<String> link = Optional.empty();
    try {
      link = Optional.of(withoutParameter.linkFor("AB12"));
    } catch (NullPointerException expected) {
      assertEquals("referralParameter", expected.getMessage());
    }
    assertEquals(Optional.empty(), link, "a link was made of a page without a referral parameter");
  }

  /**
   * EventType promises that existing types keep their wire name, which webhooks and the change feed carry: pinned
   * here, so that a rename fails a test instead of breaking receivers. A type added is added here.
   */
  @Test
  void everyEventTypeKeepsItsWireNameAndIsFoundByIt() {
    Map<String, EventType> wire = Map.ofEntries(
        Map.entry("participant.created", EventType.PARTICIPANT_CREATED),
        Map.entry("participant.updated", EventType.PARTICIPANT_UPDATED),
        Map.entry("participant.deleted", EventType.PARTICIPANT_DELETED),
        Map.entry("points.awarded", EventType.POINTS_AWARDED),
        Map.entry("points.deducted", EventType.POINTS_DEDUCTED),
        Map.entry("action.recorded", EventType.LOYALTY_ACTION_RECORDED),
        Map.entry("reward.reached", EventType.REWARD_REACHED),
        Map.entry("reward.approved", EventType.REWARD_APPROVED),
        Map.entry("reward.fulfilled", EventType.REWARD_FULFILLED),
        Map.entry("reward.removed", EventType.REWARD_REMOVED),
        Map.entry("coupon.pool_empty", EventType.COUPON_POOL_EMPTY),
        Map.entry("coupon.pool_low", EventType.COUPON_POOL_LOW),
        Map.entry("coupon.assigned", EventType.COUPON_ASSIGNED),
        Map.entry("reward.redeemed", EventType.REWARD_REDEEMED),
        Map.entry("referral.signup", EventType.REFERRAL_SIGNUP),
        Map.entry("referral.tracked", EventType.REFERRAL_TRACKED),
        Map.entry("referral.conversion", EventType.REFERRAL_CONVERSION),
        Map.entry("referral.reversal", EventType.REFERRAL_REVERSAL),
        Map.entry("testimonial.submitted", EventType.TESTIMONIAL_SUBMITTED),
        Map.entry("testimonial.approved", EventType.TESTIMONIAL_APPROVED),
        Map.entry("testimonial.rejected", EventType.TESTIMONIAL_REJECTED),
        Map.entry("quest.task_completed", EventType.QUEST_TASK_COMPLETED),
        Map.entry("quest.completed", EventType.QUEST_COMPLETED),
        Map.entry("idea.submitted", EventType.IDEA_SUBMITTED),
        Map.entry("idea.status_changed", EventType.IDEA_STATUS_CHANGED),
        Map.entry("idea.deleted", EventType.IDEA_DELETED));
    assertEquals(EventType.values().length, wire.size(), "a type without a pinned wire name");
    wire.forEach((name, type) -> {
      assertEquals(name, type.wireName());
      assertEquals(type, EventType.fromWireName(name));
    });
    for (String unknown : new String[] {"POINTS_AWARDED", "points.Awarded", "", null}) {
      assertThrows(IllegalArgumentException.class, () -> EventType.fromWireName(unknown), String.valueOf(unknown));
    }
  }

  @Test
  void aReferralCandidateAHostBuiltWithoutItsParticipantsPrintsWithoutThrowing() {
    // A host testing its own RiskRule may build one with only the parts its rule reads; a log line must not throw.
    io.loyaltyengine.fraud.ReferralCandidate candidate =
        new io.loyaltyengine.fraud.ReferralCandidate(1, 100, null, null, false, "192.0.2.1", null, null);
    assertEquals("ReferralCandidate[tenant 1, campaign 100, referrer null, invited null, <personal data hidden>]",
        candidate.toString());
  }
}
