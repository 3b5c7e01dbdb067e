package io.loyaltyengine.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.access.AccessSettings;
import io.loyaltyengine.access.ApiCaller;
import io.loyaltyengine.access.ApiScope;
import io.loyaltyengine.access.IssuedApiKey;
import io.loyaltyengine.access.NewApiKey;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.catalog.CatalogReward;
import io.loyaltyengine.catalog.NewCatalogReward;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.jdbc.JdbcStorage;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsResult;
import io.loyaltyengine.referrals.ConversionPoints;
import io.loyaltyengine.referrals.ConversionResult;
import io.loyaltyengine.referrals.NewConversion;
import io.loyaltyengine.referrals.ReferralOutcome;
import io.loyaltyengine.referrals.ReferralSettings;
import io.loyaltyengine.referrals.Referrals;
import io.loyaltyengine.referrals.Signup;
import io.loyaltyengine.referrals.SignupResult;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.EarnedRewardStatus;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.RewardType;
import io.loyaltyengine.sso.SsoLogin;
import io.loyaltyengine.sso.SsoRecognition;
import io.loyaltyengine.sso.SsoSecret;
import io.loyaltyengine.sso.SsoSignatures;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.tenant.Tenant;
import io.loyaltyengine.testkit.SettableClock;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shop's first day with the engine, written from README.md, docs/ARCHITECTURE.md and the API's javadoc only: one
 * engine on an H2 file enrols, awards, redeems, refers, records actions, reads a board, hears of an award through a
 * listener subscribed after build, recognises a signed-in customer and issues an API key; then it is closed, and a new
 * engine on the same file reads all of it back (balances, history, stock, counts, the referral chain, the customer
 * mapping, the key, the board) and holds the tenant to its plan's rate, shared through the database. Where
 * {@link ReadmeSnippetsTest} checks each README snippet on its own, this checks that what a host did survives a
 * restart.
 */
class FirstDayTest {
  @TempDir
  Path dir;

  /** Stands still unless moved, so that no token of the plan's bucket comes back while the test runs. */
  private final SettableClock clock = SettableClock.at(Instant.now());

  private LoyaltyEngine open() {
    return LoyaltyEngine.builder()
        .storage(JdbcStorage.h2File(dir.resolve("data/loyalty")))
        .clock(clock)
        .access(AccessSettings.builder()
            .plan("free", 3, Duration.ofMinutes(1))
            .defaultPlan("free")
            .build())
        .build();
  }

  @Test
  void aShopsFirstDaySurvivesARestart() throws InterruptedException {
    long tenantId;
    long campaignId;
    long adaId;
    long bobId;
    long tinId;
    long loyalId;
    String key;
    String signedCode;
    long mappedId;
    try (LoyaltyEngine engine = open()) {
      Tenant tenant = engine.tenants().create(NewTenant.business("Corner Tea Shop"));
      tenantId = tenant.id();
      TenantScope shop = engine.forTenant(tenant.id());
      Brand brand = shop.brands().create(new NewBrand("Corner Tea", "https://shop.cornertea.example"));
      Campaign campaign = shop.campaigns().create(NewCampaign.running(brand.id(), "Tea Points"));
      campaignId = campaign.id();

      Queue<LoyaltyEvent> seen = new ConcurrentLinkedQueue<>();
      CountDownLatch firstAward = new CountDownLatch(1);
      engine.events().subscribe("first-day", EventFilter.types(EventType.POINTS_AWARDED), event -> {
        seen.add(event);
        firstAward.countDown();
      });

      Participant ada = shop.participants().create(campaign.id(),
          NewParticipant.withEmail("ada.lovelace@gmail.com").withName("Ada", "Lovelace").withTier("gold"));
      adaId = ada.id();
      PointsResult r = shop.points().award(ParticipantRef.email(campaign.id(), "Ada.Lovelace@gmail.com"),
          PointsChange.of(600, "purchase").withIdempotencyKey("order-1001"));
      assertEquals(600, r.balance());
      assertTrue(firstAward.await(30, TimeUnit.SECONDS), "the listener hears of the award");
      assertEquals(ada.id(), seen.peek().participantId());

      shop.points().deduct(ParticipantRef.email(campaign.id(), "AdaLovelace+shop@googlemail.com"),
          PointsChange.of(40, "redemption"));

      CatalogReward tin = shop.catalog().create(NewCatalogReward.of(campaign.id(), "Tea tin", 500,
          RewardType.CUSTOM_MESSAGE).withStock(1));
      tinId = tin.id();
      shop.catalog().redeem(ParticipantRef.id(ada.id()), tin.id(), "redeem-42");
      assertEquals(60, shop.participants().get(ParticipantRef.id(ada.id())).pointsBalance());

      CampaignReward loyal = shop.rewards().define(campaign.id(), NewCampaignReward.points("Loyal", 100, 2));
      loyalId = loyal.id();
      ActionResult first = shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(ada.id()), loyal.id())
          .withIdempotencyKey("order-1001"));
      assertTrue(first.unlocked().isEmpty());
      ActionResult second = shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(ada.id()), loyal.id())
          .withIdempotencyKey("order-1002"));
      assertEquals(1, second.unlocked().size());
      assertEquals(EarnedRewardStatus.APPROVED, second.unlocked().get(0).status(), "AUTO by default");
      assertEquals(160, shop.participants().get(ParticipantRef.id(ada.id())).pointsBalance());

      Referrals referrals = shop.referrals();
      referrals.configure(ReferralSettings.defaults(campaign.id())
          .withConversionPoints(ConversionPoints.fixed(25)));
      String code = referrals.codes(ParticipantRef.id(ada.id())).shortCode();
      signedCode = referrals.codes(ParticipantRef.id(ada.id())).signed();
      SignupResult s = referrals.signup(campaign.id(),
          Signup.referred(NewParticipant.withEmail("bob@example.com"), code));
      assertEquals(ReferralOutcome.REFERRED, s.outcome());
      bobId = s.participant().id();
      ConversionResult c = referrals.convert(campaign.id(), new NewConversion(code, "order-7", new BigDecimal("40")));
      assertEquals(25, c.pointsAwarded());

      CursorPage<BoardEntry> top = shop.leaderboards().page(BoardRequest.of(campaign.id(), BoardPeriod.ALL_TIME)
          .by(BoardMetric.POINTS).limit(10));
      assertEquals(List.of(adaId, bobId), top.items().stream().map(BoardEntry::participantId).toList());

      SsoSecret sso = shop.singleSignOn().rotateSecret();
      SsoLogin login = SsoSignatures.login(sso.secret(), campaign.id(), "customer-1042", "ada.lovelace@gmail.com",
          clock.instant().getEpochSecond());
      SsoRecognition who = shop.singleSignOn().recognize(login);
      assertEquals(ada.id(), who.participant().id());
      assertFalse(who.created());
      assertTrue(who.newlyMapped());
      mappedId = who.participant().id();

      IssuedApiKey issued = shop.apiKeys().issue(NewApiKey.of("till", ApiScope.READ));
      key = issued.secret();
      assertEquals(tenantId, engine.access().authenticate(key, ApiScope.READ).tenantId());   // 1 of 3
    }
    clock.advance(Duration.ofSeconds(5));   // less than the 20 s a token of 3 a minute takes to come back

    try (LoyaltyEngine engine = open()) {
      TenantScope shop = engine.forTenant(tenantId);
      assertEquals("Corner Tea Shop", shop.tenant().name());
      Participant ada = shop.participants().get(ParticipantRef.email(campaignId, "adalovelace@gmail.com"));
      assertEquals(adaId, ada.id());
      assertEquals(185, ada.pointsBalance());
      assertEquals(0, shop.catalog().get(tinId).stock());
      assertEquals(2, shop.rewards().counts(ParticipantRef.id(adaId), loyalId).rewardAllTime());
      List<LedgerEntry> history = shop.points().history(ParticipantRef.id(adaId), Keyset.first(50)).items();
      assertEquals(5, history.size());
      assertEquals(adaId, shop.referrals().referrer(ParticipantRef.id(bobId)).orElseThrow().id());
      assertEquals(adaId, shop.referrals().decode(campaignId, signedCode).participantId(), "the signing key stays");
      assertEquals(mappedId, shop.customerMappings().find(campaignId, "customer-1042").orElseThrow().participantId());
      ApiCaller caller = engine.access().authenticate(key, ApiScope.READ);   // 2 of 3
      assertEquals(tenantId, caller.tenantId());
      for (Consistency read : Consistency.values()) {
        assertEquals(1, shop.leaderboards().standing(ParticipantRef.id(adaId), BoardMetric.POINTS, read).rank());
        assertEquals(2, shop.leaderboards().standing(ParticipantRef.id(bobId), BoardMetric.POINTS, read).rank());
      }
      LoyaltyException wrongScope = assertThrows(LoyaltyException.class,
          () -> engine.access().authenticate(key, ApiScope.WRITE));
      assertEquals(ErrorCode.FORBIDDEN, wrongScope.code());   // not counted: only requests that pass are
      engine.access().authenticate(key, ApiScope.READ);   // 3 of 3
      LoyaltyException limited = assertThrows(LoyaltyException.class,
          () -> engine.access().authenticate(key, ApiScope.READ));
      assertEquals(ErrorCode.RATE_LIMITED, limited.code());
      assertEquals(429, limited.httpStatus());
      assertEquals(Duration.ofSeconds(15), limited.retryAfter().orElseThrow(), "a token every 20 s, 5 s gone");
    }
  }
}
