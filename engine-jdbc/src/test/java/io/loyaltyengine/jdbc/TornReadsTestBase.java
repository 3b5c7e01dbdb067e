package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.NumberedPage;
import io.loyaltyengine.PageRequest;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.BrandUpdate;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.customers.CustomerMapping;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.ParkedDelivery;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.leaderboard.Standing;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantFilter;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.referrals.LandingPage;
import io.loyaltyengine.referrals.Referral;
import io.loyaltyengine.referrals.ReferralStats;
import io.loyaltyengine.referrals.Signup;
import io.loyaltyengine.referrals.Track;
import io.loyaltyengine.rewards.EarnedReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.ParticipantRewardSummary;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testimonials.NewTestimonial;
import io.loyaltyengine.testimonials.Testimonial;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import io.loyaltyengine.webhooks.NewWebhookEndpoint;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A public read made of several statements answers from one point in time: a host transaction that commits between
 * two of its statements (right after the statement a test names, through an intercepted port) shows in all of its
 * parts or in none, so that a page agrees with its total, a board's ranks with its scores, and a participant (or a
 * webhook endpoint) with its rows, on each database.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class TornReadsTestBase {
  private StoreFixture fixture;
  private LoyaltyEngine engine;
  private TenantScope shop;
  private long brand;
  private long campaign;
  /** The port method after whose next call {@link #then} runs; null: none. */
  private final AtomicReference<String> after = new AtomicReference<>();
  private Runnable then;

  abstract StoreFixture createFixture();

  @BeforeEach
  void open() {
    fixture = createFixture();
    engine = LoyaltyEngine.builder()
        .storage(new InterceptingStorage(fixture.openStorage(), this::intercepted))
        .clock(SettableClock.at(Instant.parse("2026-03-10T12:00:00Z")))
        .events(EventSettings.builder().manualDispatch().build())
        // A loopback address needs no lookup; the endpoint disabled before dispatch is never called.
        .webhooks(WebhookSettings.DEFAULTS.withAddressPolicy(WebhookAddressPolicy.ALLOW_LOOPBACK)).build();
    shop = engine.forTenant(engine.tenants().create(NewTenant.business("Torn")).id());
    brand = shop.brands().create(new NewBrand("Torn", "https://torn.example.com")).id();
    campaign = shop.campaigns().create(NewCampaign.running(brand, "C")).id();
  }

  @AfterEach
  void close() {
    engine.close();
    fixture.close();
  }

  /** {@code tx}, whose ports run {@link #then} once, right after a call of the method named {@link #after}. */
  private Transaction intercepted(Transaction tx) {
    return (Transaction) Proxy.newProxyInstance(Transaction.class.getClassLoader(), new Class<?>[] {Transaction.class},
        (proxy, method, args) -> {
          Object port = InterceptingStorage.invoke(method, tx, args);
          if (!method.getReturnType().isInterface()) {
            return port;
          }
          return Proxy.newProxyInstance(method.getReturnType().getClassLoader(), new Class<?>[] {
              method.getReturnType()}, (p, m, a) -> {
                Object result = InterceptingStorage.invoke(m, port, a);
                if (after.compareAndSet(m.getName(), null)) {
                  then.run();
                }
                return result;
              });
        });
  }

  /** Runs {@code read} while a host transaction that ran {@code write} commits right after its {@code statement}. */
  private void readWhileCommitting(Consumer<TenantScope> write, String statement, Runnable read) {
    HostTx host = fixture.hostTransactions().orElseThrow().begin();
    try {
      write.accept(shop.joining(host.transaction()));
      then = host::commit;
      after.set(statement);
      read.run();
      assertNull(after.get(), "the host's transaction committed while the read ran");
    } finally {
      host.close();
    }
  }

  private Participant enrol(String email, long points) {
    Participant p = shop.participants().create(campaign, NewParticipant.withEmail(email));
    if (points > 0) {
      shop.points().award(ParticipantRef.id(p.id()), PointsChange.of(points, "purchase"));
    }
    return p;
  }

  @Test
  void aParticipantPageAndItsTotalAgree() {
    enrol("first@example.com", 0);
    NumberedPage<Participant>[] page = new NumberedPage[1];
    readWhileCommitting(s -> s.participants().create(campaign, NewParticipant.withEmail("second@example.com")),
        "count", () -> page[0] = shop.participants().page(campaign, ParticipantFilter.all(), PageRequest.of(1, 10)));
    assertEquals(page[0].items().size(), page[0].total(), "one point in time, not " + page[0]);
  }

  @Test
  void aStrongBoardPagesRanksAgreeWithItsScores() {
    enrol("leader@example.com", 10);
    Participant second = enrol("second@example.com", 5);
    CursorPage<BoardEntry>[] page = new CursorPage[1];
    readWhileCommitting(s -> s.points().award(ParticipantRef.id(second.id()), PointsChange.of(20, "purchase")),
        "page", () -> page[0] = shop.leaderboards().page(BoardRequest.of(campaign, BoardPeriod.ALL_TIME)
            .by(BoardMetric.POINTS).read(Consistency.STRONG)));
    List<BoardEntry> entries = page[0].items();
    assertEquals(2, entries.size(), entries.toString());
    assertEquals(List.of(1L, 2L), List.of(entries.get(0).rank(), entries.get(1).rank()),
        "ranks from the scores shown, not " + entries);
    assertTrue(entries.get(0).score() > entries.get(1).score(), entries.toString());
  }

  @Test
  void aStrongStandingsRankIsTheRankOfTheScoreItShows() {
    enrol("leader@example.com", 10);
    Participant second = enrol("second@example.com", 5);
    Standing[] standing = new Standing[1];
    readWhileCommitting(s -> s.points().award(ParticipantRef.id(second.id()), PointsChange.of(20, "purchase")),
        "score", () -> standing[0] = shop.leaderboards().standing(ParticipantRef.id(second.id()), BoardMetric.POINTS,
            Consistency.STRONG));
    Standing st = standing[0];
    assertTrue(List.of(List.of(5L, 2L), List.of(25L, 1L)).contains(List.of(st.score(), st.rank())),
        "one point in time, not " + st);
    assertTrue(List.of(List.of(5L, 2L), List.of(25L, 1L)).contains(List.of(st.monthScore(), st.monthlyRank())),
        "one point in time, not " + st);
  }

  @Test
  void aRewardSummarysEarnedRewardsAgreeWithItsActions() {
    long reward = shop.rewards().define(campaign, NewCampaignReward.message("Second visit", "hi", 2)).id();
    ParticipantRef p = ParticipantRef.id(enrol("visitor@example.com", 0).id());
    shop.rewards().recordAction(LoyaltyAction.of(p, reward));
    ParticipantRewardSummary[] summary = new ParticipantRewardSummary[1];
    readWhileCommitting(s -> s.rewards().recordAction(LoyaltyAction.of(p, reward)), "counts",
        () -> summary[0] = shop.rewards().summary(p));
    ParticipantRewardSummary sum = summary[0];
    assertTrue(List.of(List.of(1L, 0L), List.of(2L, 1L)).contains(List.of(sum.actionsAllTime(),
        sum.unapproved() + sum.unfulfilled())), "a reward of 2 actions earned after 2, not " + sum);
  }

  @Test
  void aParticipantsTestimonialIsReadWithTheParticipant() {
    ParticipantRef author = ParticipantRef.id(enrol("author@example.com", 0).id());
    Testimonial written = shop.testimonials().submit(author, NewTestimonial.of("Quick delivery"));
    Optional<Testimonial>[] read = new Optional[1];
    readWhileCommitting(s -> s.participants().delete(author), "find", () -> read[0] = shop.testimonials().of(author));
    assertEquals(Optional.of(written), read[0], "the participant as found before its deletion, with its testimonial");
  }

  @Test
  void aParticipantsHistoryIsReadWithTheParticipant() {
    ParticipantRef p = ParticipantRef.id(enrol("buyer@example.com", 10).id());
    List<LedgerEntry> before = shop.points().history(p, Keyset.first(10)).items();
    CursorPage<LedgerEntry>[] read = new CursorPage[1];
    readWhileCommitting(s -> s.participants().delete(p), "find",
        () -> read[0] = shop.points().history(p, Keyset.first(10)));
    assertEquals(1, before.size(), before.toString());
    assertEquals(before, read[0].items(), "the participant as found before its deletion, with its history");
  }

  @Test
  void aParticipantsEarnedRewardsAreReadWithTheParticipant() {
    long reward = shop.rewards().define(campaign, NewCampaignReward.message("First visit", "hi", 1)).id();
    ParticipantRef p = ParticipantRef.id(enrol("visitor@example.com", 0).id());
    shop.rewards().recordAction(LoyaltyAction.of(p, reward));
    List<EarnedReward> before = shop.rewards().earned(p, Keyset.first(10)).items();
    CursorPage<EarnedReward>[] read = new CursorPage[1];
    readWhileCommitting(s -> s.participants().delete(p), "find",
        () -> read[0] = shop.rewards().earned(p, Keyset.first(10)));
    assertEquals(1, before.size(), before.toString());
    assertEquals(before, read[0].items(), "the participant as found before its deletion, with its rewards");
  }

  /** A participant who signed up with the code of another, enrolled first. */
  private ParticipantRef referredFriend() {
    ParticipantRef referrer = ParticipantRef.id(enrol("referrer@example.com", 0).id());
    String code = shop.referrals().codes(referrer).shortCode();
    return ParticipantRef.id(shop.referrals().signup(campaign,
        Signup.referred(NewParticipant.withEmail("friend@example.com"), code)).participant().id());
  }

  @Test
  void aParticipantsReferralIsReadWithTheParticipant() {
    ParticipantRef invited = referredFriend();
    Optional<Referral> before = shop.referrals().referral(invited);
    Optional<Referral>[] read = new Optional[1];
    readWhileCommitting(s -> s.participants().delete(invited), "find",
        () -> read[0] = shop.referrals().referral(invited));
    assertTrue(before.isPresent());
    assertEquals(before, read[0], "the invited participant as found before its deletion, with its referral");
  }

  @Test
  void aParticipantsReferrerIsReadWithTheParticipant() {
    ParticipantRef invited = referredFriend();
    Optional<Participant> before = shop.referrals().referrer(invited);
    Optional<Participant>[] read = new Optional[1];
    readWhileCommitting(s -> s.participants().delete(invited), "find",
        () -> read[0] = shop.referrals().referrer(invited));
    assertTrue(before.isPresent());
    assertEquals(before, read[0], "the invited participant as found before its deletion, with its referrer");
  }

  @Test
  void aParticipantsReferralStatsAreReadWithTheParticipant() {
    ParticipantRef p = ParticipantRef.id(enrol("sharer@example.com", 0).id());
    shop.referrals().track(campaign, Track.share(shop.referrals().codes(p).shortCode()));
    ReferralStats before = shop.referrals().stats(p);
    ReferralStats[] read = new ReferralStats[1];
    readWhileCommitting(s -> s.participants().delete(p), "find", () -> read[0] = shop.referrals().stats(p));
    assertEquals(1, before.shares(), before.toString());
    assertEquals(before, read[0], "the participant as found before its deletion, with its stats");
  }

  @Test
  void aParticipantsCustomerMappingIsReadWithTheParticipant() {
    ParticipantRef p = ParticipantRef.id(enrol("customer@example.com", 0).id());
    CustomerMapping mapped = shop.customerMappings().map(campaign, "customer-1", p);
    Optional<CustomerMapping>[] read = new Optional[1];
    readWhileCommitting(s -> s.participants().delete(p), "find",
        () -> read[0] = shop.customerMappings().findByParticipant(p));
    assertEquals(Optional.of(mapped), read[0], "the participant as found before its deletion, with its mapping");
  }

  @Test
  void aWebhooksParkedDeliveriesAreReadWithTheEndpoint() {
    long endpoint = shop.webhooks().create(new NewWebhookEndpoint("http://127.0.0.1:9/hook",
        EventFilter.types(EventType.POINTS_AWARDED))).endpoint().id();
    enrol("buyer@example.com", 10);
    // Disabling fans the award out to the endpoint first; the dispatch then parks it, the endpoint being disabled.
    shop.webhooks().disable(endpoint);
    engine.events().dispatch();
    List<ParkedDelivery> before = shop.webhooks().parked(endpoint, Keyset.first(10)).items();
    CursorPage<ParkedDelivery>[] read = new CursorPage[1];
    readWhileCommitting(s -> s.webhooks().delete(endpoint), "find",
        () -> read[0] = shop.webhooks().parked(endpoint, Keyset.first(10)));
    assertEquals(1, before.size(), before.toString());
    assertEquals(before, read[0].items(), "the endpoint as found before its deletion, with its parked deliveries");
  }

  @Test
  void aDefaultLandingPageIsReadWithTheBrandItShows() {
    LandingPage before = shop.referrals().landingPage(campaign);
    LandingPage[] read = new LandingPage[1];
    // The host configures the page and moves the brand to another domain in one transaction.
    readWhileCommitting(s -> {
      s.referrals().configureLandingPage(before.withHeadline("Welcome"));
      s.brands().update(brand, new BrandUpdate("Torn", "https://moved.example.com"));
    }, "findLandingPage", () -> read[0] = shop.referrals().landingPage(campaign));
    assertEquals(before, read[0], "the default page of the brand as it was before the host's change");
  }
}
