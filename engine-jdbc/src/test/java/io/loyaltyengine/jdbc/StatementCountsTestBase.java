package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.points.PointsOperation;
import io.loyaltyengine.points.PointsOutcome;
import io.loyaltyengine.referrals.BrandStats;
import io.loyaltyengine.referrals.ReferralOutcome;
import io.loyaltyengine.referrals.Signup;
import io.loyaltyengine.referrals.Track;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.webhooks.NewWebhookEndpoint;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The statements an operation sends do not grow with the number of items it handles: each operation is run on a
 * few items and on many, through a DataSource that records every statement prepared on its connections, and both
 * runs must send as many statements.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class StatementCountsTestBase {
  private final TestEngines engines = new TestEngines();
  /** The statements prepared since the last {@link #counted}, as the first words of their SQL. */
  private final StatementRecorder recorder = new StatementRecorder();
  private JdbcStorage storage;
  private LoyaltyEngine engine;
  private long brandId;

  /** A fresh database's DataSource, closed by {@link #closeDatabase()}. */
  abstract DataSource openDatabase();

  /** Closes what {@link #openDatabase()} opened. */
  abstract void closeDatabase();

  @BeforeEach
  void open() {
    storage = JdbcStorage.builder().dataSource(recorder.wrap(openDatabase())).build();
    // Endpoints' hosts are never called here, nor resolved.
    engine = engines.build(engines.builder(storage, 0)
        .webhooks(WebhookSettings.DEFAULTS.withAddressPolicy(WebhookAddressPolicy.ALLOW_ALL)));
  }

  @AfterEach
  void close() {
    engines.close();
    closeDatabase();
  }

  /** A new tenant with one brand, whose scope is returned. */
  private TenantScope tenant() {
    TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business("Acme")).id());
    brandId = scope.brands().create(new NewBrand("Acme Shop", "https://shop.example.com/")).id();
    return scope;
  }

  private long campaign(TenantScope scope) {
    return scope.campaigns().create(NewCampaign.running(brandId, "Spring")).id();
  }

  /**
   * The statements {@code call} sends for {@code few} and for {@code many} items, each on a world {@code setUp}
   * made for that many (the setup's statements not counted), asserted equal.
   */
  private void assertSameStatements(String what, int few, int many, IntFunction<Runnable> setUp) {
    List<String> forFew = counted(setUp.apply(few));
    List<String> forMany = counted(setUp.apply(many));
    assertEquals(forFew.size(), forMany.size(), what + ": for " + few + " items " + tally(forFew) + ", for " + many
        + " items " + tally(forMany));
  }

  /** Each statement sent, with how many times it was. */
  private static Map<String, Long> tally(List<String> sent) {
    return sent.stream().collect(Collectors.groupingBy(s -> s, LinkedHashMap::new, Collectors.counting()));
  }

  /** The statements {@code call} sends, each cut to 40 characters. */
  private List<String> counted(Runnable call) {
    recorder.drain();
    call.run();
    return recorder.drain().stream().map(s -> s.sql().length() <= 40 ? s.sql() : s.sql().substring(0, 40)).toList();
  }

  @Test
  void positioningEventsSendsAsManyStatementsForManyEventsAsForFew() {
    engine.events().subscribe("audit", EventFilter.all(), event -> { });
    assertSameStatements("positioning and fanning out events", 2, 40, n -> {
      TenantScope scope = tenant();
      long campaignId = campaign(scope);
      long endpointId = scope.webhooks().create(NewWebhookEndpoint.of("https://hooks.example.com/loyalty"))
          .endpoint().id();
      Participant ann = scope.participants().create(campaignId, NewParticipant.withEmail("ann@example.com"));
      for (int i = 0; i < n; i++) {
        scope.points().award(ParticipantRef.id(ann.id()), PointsChange.of(1, "purchase"));
      }
      // Disabling an endpoint first positions the tenant's committed events and fans them out to the listener and
      // the endpoint.
      return () -> scope.webhooks().disable(endpointId);
    });
  }

  @Test
  void aPageOfReferredParticipantsSendsAsManyStatementsForManyAsForFew() {
    assertSameStatements("a page of referred participants", 1, 30, n -> {
      TenantScope scope = tenant();
      long campaignId = campaign(scope);
      Participant ann = scope.participants().create(campaignId, NewParticipant.withEmail("ann@example.com"));
      String code = scope.referrals().codes(ParticipantRef.id(ann.id())).shortCode();
      for (int i = 0; i < n; i++) {
        scope.referrals().signup(campaignId,
            Signup.referred(NewParticipant.withEmail("friend" + i + "@example.com"), code));
      }
      return () -> assertEquals(n,
          scope.referrals().referred(ParticipantRef.id(ann.id()), Keyset.first(Keyset.MAX_LIMIT)).items().size());
    });
  }

  @Test
  void aBulkCallNamingParticipantsByEmailSendsAsManyStatementsForManyAsForFew() {
    assertSameStatements("a bulk call naming its participants by email", 2, 40, n -> {
      TenantScope scope = tenant();
      long campaignId = campaign(scope);
      long otherCampaignId = campaign(scope);
      List<PointsOperation> operations = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        // Each email twice, in two spellings, and in two campaigns; one unknown email per campaign.
        long campaign = i % 2 == 0 ? campaignId : otherCampaignId;
        scope.participants().create(campaign, NewParticipant.withEmail("friend" + i + "@example.com"));
        operations.add(PointsOperation.award(ParticipantRef.email(campaign, "friend" + i + "@example.com"),
            PointsChange.of(5, "purchase")));
        operations.add(PointsOperation.deduct(ParticipantRef.email(campaign, "Friend" + i + "@Example.com"),
            PointsChange.of(2, "refund")));
      }
      operations.add(PointsOperation.award(ParticipantRef.email(campaignId, "nobody@example.com"),
          PointsChange.of(5, "purchase")));
      operations.add(PointsOperation.award(ParticipantRef.email(otherCampaignId, "nobody@example.com"),
          PointsChange.of(5, "purchase")));
      return () -> {
        List<PointsOutcome> outcomes = scope.points().applyAll(operations);
        for (int i = 0; i < 2 * n; i++) {
          assertEquals(i % 2 == 0 ? 5 : 3, outcomes.get(i).result().balance(), "operation " + i);
        }
        assertEquals(ErrorCode.NOT_FOUND, outcomes.get(2 * n).error().code());
        assertEquals(ErrorCode.NOT_FOUND, outcomes.get(2 * n + 1).error().code());
      };
    });
  }

  @Test
  void aBrandsStatsSendAsManyStatementsForManyCampaignsAsForOne() {
    assertSameStatements("a brand's stats", 1, 12, n -> {
      TenantScope scope = tenant();
      for (int i = 0; i < n; i++) {
        long campaignId = campaign(scope);
        Participant ann = scope.participants().create(campaignId, NewParticipant.withEmail("ann@example.com"));
        scope.referrals().track(campaignId, Track.share(scope.referrals().codes(ParticipantRef.id(ann.id()))
            .shortCode()));
      }
      return () -> {
        BrandStats stats = scope.referrals().brandStats(brandId);
        assertEquals(List.of((long) n, (long) n, (long) n), List.of(stats.campaigns(), stats.participants(),
            stats.shares()));
      };
    });
  }

  @Test
  void aParticipantsAncestorsSendAsManyStatementsForALongChainAsForAShortOne() {
    assertSameStatements("a participant's ancestors", 1, 30, n -> {
      TenantScope scope = tenant();
      long campaignId = campaign(scope);
      // A chain: each participant referred by the one before it.
      Participant last = scope.participants().create(campaignId, NewParticipant.withEmail("p0@example.com"));
      List<Long> chain = new ArrayList<>();
      for (int i = 1; i <= n; i++) {
        chain.add(0, last.id());
        String code = scope.referrals().codes(ParticipantRef.id(last.id())).shortCode();
        last = scope.referrals().signup(campaignId,
            Signup.referred(NewParticipant.withEmail("p" + i + "@example.com"), code)).participant();
      }
      long id = last.id();
      return () -> assertEquals(chain, scope.referrals().ancestors(ParticipantRef.id(id), 50).stream()
          .map(Participant::id).toList());
    });
  }

  @Test
  void referringAnExistingParticipantSendsAsManyStatementsBelowALongChainAsBelowAShortOne() {
    assertSameStatements("a signup of an existing participant checking for a cycle", 1, 30, n -> {
      TenantScope scope = tenant();
      long campaignId = campaign(scope);
      Participant last = scope.participants().create(campaignId, NewParticipant.withEmail("p0@example.com"));
      for (int i = 1; i <= n; i++) {
        String code = scope.referrals().codes(ParticipantRef.id(last.id())).shortCode();
        last = scope.referrals().signup(campaignId,
            Signup.referred(NewParticipant.withEmail("p" + i + "@example.com"), code)).participant();
      }
      scope.participants().create(campaignId, NewParticipant.withEmail("zoe@example.com"));
      String code = scope.referrals().codes(ParticipantRef.id(last.id())).shortCode();
      // Zoe existed before: her referral could close a cycle, so the referrer's chain is walked to its root.
      return () -> assertEquals(ReferralOutcome.REFERRED, scope.referrals().signup(campaignId,
          Signup.referred(NewParticipant.withEmail("zoe@example.com"), code)).outcome());
    });
  }

  @Test
  void aBoardReadAfterThisEnginesAwardsSendsAsManyStatementsForManyAwardedParticipantsAsForFew() {
    // A settable clock that stays put: no catch-up with other instances becomes due between the reads.
    LoyaltyEngine clocked = engines.build(engines.builder(storage, 0)
        .clock(SettableClock.at(Instant.parse("2025-06-15T12:00:00Z"))));
    assertSameStatements("a board read after awards", 2, 40, n -> {
      TenantScope scope = clocked.forTenant(clocked.tenants().create(NewTenant.business("Acme")).id());
      long campaignId = scope.campaigns().create(NewCampaign.running(
          scope.brands().create(new NewBrand("Acme Shop", "https://shop.example.com/")).id(), "Spring")).id();
      List<Long> ids = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        ids.add(scope.participants().create(campaignId, NewParticipant.withEmail("p" + i + "@example.com")).id());
      }
      BoardRequest board = BoardRequest.of(campaignId, BoardPeriod.CURRENT_MONTH).by(BoardMetric.POINTS).limit(2);
      scope.leaderboards().page(board); // builds the campaign's index
      for (int i = 0; i < n; i++) {
        scope.points().award(ParticipantRef.id(ids.get(i)), PointsChange.of(1 + i, "purchase"));
      }
      // The index learns the awarded participants' new counters before it answers.
      return () -> assertEquals(List.of(new BoardEntry(ids.get(n - 1), n, 1), new BoardEntry(ids.get(n - 2), n - 1, 2)),
          scope.leaderboards().page(board).items());
    });
  }
}
