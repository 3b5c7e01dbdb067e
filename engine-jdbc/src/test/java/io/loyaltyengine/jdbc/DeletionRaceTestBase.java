package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.core.spi.CustomerMappingPort;
import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.ParticipantPort;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.customers.CustomerMapping;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.feedback.NewFeedbackBoard;
import io.loyaltyengine.feedback.NewIdea;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantFilter;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.participant.ParticipantUpdate;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.referrals.Signup;
import io.loyaltyengine.referrals.SignupResult;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.sso.SsoLogin;
import io.loyaltyengine.sso.SsoRecognition;
import io.loyaltyengine.sso.SsoSignatures;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testimonials.NewTestimonial;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A participant deleted while a change of theirs is under way (a recorded action; a referred signup naming them as the
 * referrer; a testimonial; an idea): the change read the participant without a lock, the deletion committed, and the
 * change then writes. It must fail as NOT_FOUND (the signup: as a code naming no participant) and leave nothing behind,
 * neither rows of the deleted participant nor events after {@code participant.deleted}. And the mirror case: a
 * participant changed while its deletion is under way, whose {@code participant.deleted} must carry the participant as
 * deleted. And a single sign-on login between its read of the customer's mapping and of the participant, which
 * enrols the customer anew; or between its read of the mapping and its own mapping of its email's participant, while
 * another login maps the customer. Needs two transactions at once, so it runs on the SQL stores (the in-memory store
 * runs one at a time).
 */
abstract class DeletionRaceTestBase {
  private JdbcFixture fixture;
  private LoyaltyEngine engine;
  /** The thread whose next participant read pauses, and the latches of that pause. */
  private volatile Thread pauseAfterRead;
  private final Pause afterRead = new Pause();

  abstract JdbcFixture createFixture();

  @BeforeEach
  void open() {
    fixture = createFixture();
    engine = LoyaltyEngine.builder()
        .storage(pausingReads((Storage) fixture.openStorage()))
        .events(EventSettings.builder().manualDispatch().build())
        .build();
  }

  @AfterEach
  void close() throws Exception {
    engine.close();
    fixture.close();
  }

  @Test
  void anActionWhoseParticipantIsDeletedMeanwhileFailsAndLeavesNothing() throws Exception {
    TenantScope shop = shop();
    long campaign = campaign(shop);
    CampaignReward reward = shop.rewards().define(campaign, NewCampaignReward.message("Thanks", "Thank you", 1));
    Participant p = shop.participants().create(campaign, NewParticipant.withEmail("gone@example.com"));

    // With a key the participant is read before anything is locked (an action by id without one finds it by
    // numbering its event, under the row lock, and so has no such window).
    changeWhileDeleted(shop, p, ErrorCode.NOT_FOUND, () -> shop.rewards().recordAction(
        LoyaltyAction.of(ParticipantRef.id(p.id()), reward.id()).withIdempotencyKey("visit-1")));
    for (String table : List.of("participant", "loyalty_action", "action_count", "earned_reward")) {
      assertEquals(0, fixture.count("SELECT COUNT(*) FROM " + table + " WHERE participant_id = ?", p.id()), table);
    }
    assertEquals(List.of("participant.created", "participant.deleted"), eventTypes(p.id()));
  }

  @Test
  void aReferredSignupWhoseReferrerIsDeletedMeanwhileFailsAndLeavesNothing() throws Exception {
    TenantScope shop = shop();
    long campaign = campaign(shop);
    // No referrer reward (the default): the referral is RECORDED, and writes no event of the referrer.
    Participant referrer = shop.participants().create(campaign, NewParticipant.withEmail("gone@example.com"));
    String code = shop.referrals().codes(ParticipantRef.id(referrer.id())).legacy();

    // Refused as a code naming no participant, as the same call after the deletion is (Referrals.signup).
    LoyaltyException e = changeWhileDeleted(shop, referrer, ErrorCode.VALIDATION_ERROR, () -> shop.referrals()
        .signup(campaign, Signup.referred(NewParticipant.withEmail("new@example.com"), code)));
    assertEquals("code", e.field().orElse(null), e.toString());
    assertEquals(0, fixture.count("SELECT COUNT(*) FROM referral WHERE referrer_id = ?", referrer.id()));
    assertEquals(0, fixture.count("SELECT COUNT(*) FROM referral_stats WHERE participant_id = ?", referrer.id()));
    assertEquals(List.of(), shop.participants().list(campaign, ParticipantFilter.all(), Keyset.first(10)).items(),
        "the signup enrolled nobody");
  }

  /**
   * A signup without a code of an email the campaign knows keeps the facts of that participant's signup (its IP
   * address and visitor id), after finding it by email without a lock. A deletion committed between the two must not
   * leave a signup record of someone who is gone (personal data the deletion takes, still counted by the velocity
   * rule): the signup fails as NOT_FOUND, as a referred signup of an enrolled participant does in this race
   * ({@code CounterLockOrderTestBase}), and a retry enrols the email anew.
   */
  @Test
  void aSignupOfAParticipantDeletedMeanwhileFailsAndLeavesNoSignupRecordOfIt() throws Exception {
    TenantScope shop = shop();
    long campaign = campaign(shop);
    Participant p = shop.participants().create(campaign, NewParticipant.withEmail("gone@example.com"));
    Signup signup = Signup.of(NewParticipant.withEmail("gone@example.com").withIpAddress("203.0.113.7"))
        .withVisitorId("v-1");

    changeWhileDeleted(shop, p, ErrorCode.NOT_FOUND, () -> shop.referrals().signup(campaign, signup));
    assertEquals(0, fixture.count("SELECT COUNT(*) FROM referral_signup WHERE participant_id = ?", p.id()),
        "no signup record outlives its participant");
    assertEquals(List.of("participant.created", "participant.deleted"), eventTypes(p.id()));
    SignupResult again = shop.referrals().signup(campaign, signup);
    assertTrue(again.created(), "a retry enrols the email anew: " + again);
  }

  /**
   * A participant's first request for its codes makes its short code, from up to 8 letters of its first name, after
   * reading the participant without a lock. A deletion committed between the two must not leave a short code made for
   * someone who is gone (Participants.delete keeps only the code the participant had), nor hand out codes naming
   * nobody: the request fails as NOT_FOUND, as the same request after the deletion does.
   */
  @Test
  void aFirstRequestForCodesWhoseParticipantIsDeletedMeanwhileFailsAndMakesNoShortCode() throws Exception {
    TenantScope shop = shop();
    long campaign = campaign(shop);
    Participant p = shop.participants().create(campaign,
        NewParticipant.withEmail("gone@example.com").withName("Adelaide", "Gone"));

    changeWhileDeleted(shop, p, ErrorCode.NOT_FOUND, () -> shop.referrals().codes(ParticipantRef.id(p.id())));
    assertEquals(0, fixture.count("SELECT COUNT(*) FROM referral_short_code WHERE participant_id = ?", p.id()),
        "no short code is made for a participant who is gone");
  }

  /**
   * A single sign-on login reads the customer's mapping, then its participant. A deletion committed between the two
   * took the mapping with it, so the login is of a customer the campaign no longer knows: it enrols one anew, as the
   * same login just after the deletion would.
   */
  @Test
  void aLoginWhoseMappedParticipantIsDeletedMeanwhileEnrolsTheCustomerAnew() throws Exception {
    TenantScope shop = shop();
    long campaign = campaign(shop);
    String secret = shop.singleSignOn().rotateSecret().secret();
    SsoLogin login = SsoSignatures.login(secret, campaign, "c-1", "ada@example.com", Instant.now().getEpochSecond());
    Participant first = shop.singleSignOn().recognize(login).participant();

    SsoRecognition again = whileDeleted(shop, first, () -> shop.singleSignOn().recognize(login));
    assertTrue(again.created(), again.toString());
    assertNotEquals(first.id(), again.participant().id());
    assertEquals(Optional.of(again.participant().id()),
        shop.customerMappings().find(campaign, "c-1").map(CustomerMapping::participantId));
  }

  /**
   * Concurrent first logins of one customer "make one participant and one mapping, and all return it"
   * (SingleSignOn.recognize), and a login of a mapped customer is recognised as the mapped participant. A login with
   * one known email reads no mapping of its customer; another login of the customer, with another known email, maps
   * it and commits; the first then maps its email's participant: it must return the mapped participant, as the same
   * login just after the other would, not fail on the mapping the other made.
   */
  @Test
  void aLoginWhoseCustomerIsMappedMeanwhileByAnotherEmailReturnsTheMappedParticipant() throws Exception {
    TenantScope shop = shop();
    long campaign = campaign(shop);
    Participant ada = shop.participants().create(campaign, NewParticipant.withEmail("ada@example.com"));
    Participant bob = shop.participants().create(campaign, NewParticipant.withEmail("bob@example.com"));
    String secret = shop.singleSignOn().rotateSecret().secret();
    long now = Instant.now().getEpochSecond();
    SsoLogin asAda = SsoSignatures.login(secret, campaign, "c-1", "ada@example.com", now);
    SsoLogin asBob = SsoSignatures.login(secret, campaign, "c-1", "bob@example.com", now);

    SsoRecognition[] other = new SsoRecognition[1];
    SsoRecognition first = whilePaused(() -> shop.singleSignOn().recognize(asAda), () -> {
      // A host transaction: on H2 the engine's own transactions take turns, and the paused login holds the turn.
      try (HostTx host = fixture.hostTransactions().orElseThrow().begin()) {
        other[0] = shop.joining(host.transaction()).singleSignOn().recognize(asBob);
        host.commit();
      }
    });
    assertEquals(new SsoRecognition(bob, false, true), other[0], "the other login mapped bob's participant");
    assertEquals(new SsoRecognition(bob, false, false), first, "the first login finds the customer's mapping");
    assertEquals(Optional.of(bob.id()),
        shop.customerMappings().find(campaign, "c-1").map(CustomerMapping::participantId));
    assertEquals(Optional.empty(), shop.customerMappings().findByParticipant(ParticipantRef.id(ada.id())));
  }

  @Test
  void aTestimonialWhoseParticipantIsDeletedMeanwhileFailsAndLeavesNothing() throws Exception {
    TenantScope shop = shop();
    long campaign = campaign(shop);
    Participant p = shop.participants().create(campaign, NewParticipant.withEmail("gone@example.com"));

    // By email: the submission first reads the participant without a lock.
    changeWhileDeleted(shop, p, ErrorCode.NOT_FOUND, () -> shop.testimonials().submit(
        ParticipantRef.email(campaign, "gone@example.com"), NewTestimonial.of("Great shop, says Ada")));
    assertEquals(0, fixture.count("SELECT COUNT(*) FROM testimonial WHERE participant_id = ?", p.id()),
        "no testimonial outlives its participant");
  }

  @Test
  void anIdeaWhoseAuthorIsDeletedMeanwhileFailsAndLeavesNothing() throws Exception {
    TenantScope shop = shop();
    long campaign = campaign(shop);
    long board = shop.feedback().createBoard(NewFeedbackBoard.of(campaign, "Ideas")).id();
    Participant p = shop.participants().create(campaign, NewParticipant.withEmail("gone@example.com"));

    // By email: the submission first reads the participant without a lock.
    changeWhileDeleted(shop, p, ErrorCode.NOT_FOUND, () -> shop.feedback().submitIdea(
        ParticipantRef.email(campaign, "gone@example.com"), board, NewIdea.of("Ada's idea")));
    assertEquals(0, fixture.count("SELECT COUNT(*) FROM feedback_idea WHERE participant_id = ?", p.id()),
        "no idea outlives its author");
  }

  @Test
  void aDeletionReportsTheParticipantAsDeletedWhenItChangedAfterTheFirstRead() throws Exception {
    TenantScope shop = shop();
    long campaign = campaign(shop);
    Participant p = shop.participants().create(campaign, NewParticipant.withEmail("before@example.com"));
    ParticipantRef ref = ParticipantRef.id(p.id());
    // By email: the deletion first reads the participant without a lock (an id needs no read to be resolved).
    ParticipantRef byEmail = ParticipantRef.email(campaign, "before@example.com");

    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<?> deleting = pool.submit(() -> {
        pauseAfterRead = Thread.currentThread();
        shop.participants().delete(byEmail);
        return null;
      });
      afterRead.awaitReached("the deletion read the participant");
      // Committed after the deletion's first read, before it wrote anything: the deleted participant has them.
      shop.participants().update(ref, ParticipantUpdate.builder().email("after@example.com").tier("gold").build());
      shop.points().award(ref, PointsChange.of(7, "purchase"));
      afterRead.release();
      deleting.get(30, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertEquals(List.of("participant.created", "participant.updated", "points.awarded", "participant.deleted"),
        eventTypes(p.id()));
    String payload = payload(p.id(), "participant.deleted");
    assertTrue(payload.contains("\"email\":\"after@example.com\"") && payload.contains("\"tier\":\"gold\"")
        && payload.contains("\"pointsBalance\":7"),
        "participant.deleted carries the participant as deleted, not as first read: " + payload);
  }

  private TenantScope shop() {
    return engine.forTenant(engine.tenants().create(NewTenant.business("Race")).id());
  }

  private static long campaign(TenantScope shop) {
    return shop.campaigns().create(NewCampaign.running(
        shop.brands().create(new NewBrand("Race", "https://race.example.com")).id(), "Race")).id();
  }

  /**
   * Runs {@code change} on a thread of its own, paused after its first participant read while {@code deleted} is
   * deleted; returns the refusal it must fail with.
   */
  private LoyaltyException changeWhileDeleted(TenantScope shop, Participant deleted, ErrorCode refusal,
      Callable<?> change) throws Exception {
    ExecutionException failed = assertThrows(ExecutionException.class, () -> whileDeleted(shop, deleted, change));
    LoyaltyException e = assertInstanceOf(LoyaltyException.class, failed.getCause());
    assertEquals(refusal, e.code(), e.toString());
    return e;
  }

  /**
   * Runs {@code work} on a thread of its own, paused after its first participant or customer mapping read while
   * {@code deleted} is deleted.
   *
   * @return what {@code work} returned
   * @throws ExecutionException what it threw
   */
  private <T> T whileDeleted(TenantScope shop, Participant deleted, Callable<T> work) throws Exception {
    return whilePaused(work, () -> shop.participants().delete(ParticipantRef.id(deleted.id())));
  }

  /** What runs while the work is paused. */
  @FunctionalInterface
  private interface Meanwhile {
    void run() throws Exception;
  }

  /**
   * Runs {@code work} on a thread of its own, paused after its first participant or customer mapping read while
   * {@code meanwhile} runs.
   *
   * @return what {@code work} returned
   * @throws ExecutionException what it threw
   */
  private <T> T whilePaused(Callable<T> work, Meanwhile meanwhile) throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<T> working = pool.submit(() -> {
        pauseAfterRead = Thread.currentThread();
        return work.call();
      });
      afterRead.awaitReached("the work read the participant");
      meanwhile.run();
      afterRead.release();
      return working.get(30, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
  }

  private List<String> eventTypes(long participantId) throws SQLException {
    try (Connection c = fixture.connect(); PreparedStatement s = c.prepareStatement(
        "SELECT type FROM event_outbox WHERE participant_id = ? ORDER BY sequence")) {
      s.setLong(1, participantId);
      List<String> types = new ArrayList<>();
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          types.add(rs.getString(1));
        }
      }
      return types;
    }
  }

  private String payload(long participantId, String type) throws SQLException {
    try (Connection c = fixture.connect(); PreparedStatement s = c.prepareStatement(
        "SELECT payload FROM event_outbox WHERE participant_id = ? AND type = ?")) {
      s.setLong(1, participantId);
      s.setString(2, type);
      try (ResultSet rs = s.executeQuery()) {
        assertTrue(rs.next(), "a " + type + " event");
        return rs.getString(1);
      }
    }
  }

  /**
   * A storage whose participant and customer mapping reads pause the chosen thread once, after the read, until the
   * test resumes it.
   */
  private Storage pausingReads(Storage delegate) {
    return new InterceptingStorage(delegate, tx -> new ForwardingTransaction(tx) {
      @Override
      public ParticipantPort participants() {
        return InterceptingStorage.intercept(ParticipantPort.class, tx.participants(), this::pauseAfterFind);
      }

      @Override
      public CustomerMappingPort customerMappings() {
        return InterceptingStorage.intercept(CustomerMappingPort.class, tx.customerMappings(), this::pauseAfterFind);
      }

      private Object pauseAfterFind(Method method, Object[] args, Object port) throws Throwable {
        Object result = InterceptingStorage.invoke(method, port, args);
        if (method.getName().startsWith("find") && Thread.currentThread() == pauseAfterRead) {
          pauseAfterRead = null;
          afterRead.here();
        }
        return result;
      }
    });
  }
}
