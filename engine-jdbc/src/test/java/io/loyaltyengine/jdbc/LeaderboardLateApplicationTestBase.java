package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.ParticipantPort;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.StoreFixture;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The board writes of two units of work applied to the index in the other order than they committed: an action that
 * enrols a participant commits, the participant is deleted (and its removal applied to the index), and only then
 * are the action's board writes applied. The deletion must win at once, as this engine's own writes are in its index
 * without waiting for a catch-up: the clock stands still, so no catch-up repairs the board. The action's unit of
 * work is paused after its commit and before its board writes reach the index, by a storage under the engine's that
 * holds the calling thread once its transaction returns.
 */
abstract class LeaderboardLateApplicationTestBase {
  private StoreFixture fixture;
  private LoyaltyEngine engine;
  /** Whether the next unit of work that enrols a participant pauses after its commit. */
  private volatile boolean pauseNextEnrolment;
  /** Whether the calling thread's last unit of work enrolled a participant. */
  private final ThreadLocal<Boolean> enrolled = ThreadLocal.withInitial(() -> false);
  private final Pause afterCommit = new Pause();
  private TenantScope shop;
  private long campaign;
  private CampaignReward reward;

  abstract StoreFixture createFixture();

  @BeforeEach
  void open() {
    fixture = createFixture();
    engine = LoyaltyEngine.builder()
        .storage(pausingEnrolments(fixture.openStorage()))
        .clock(SettableClock.at(Instant.parse("2025-06-15T12:00:00Z")))
        .events(EventSettings.builder().manualDispatch().build())
        .build();
    shop = engine.forTenant(engine.tenants().create(NewTenant.business("Late")).id());
    campaign = shop.campaigns().create(NewCampaign.running(
        shop.brands().create(new NewBrand("Late", "https://late.example.com")).id(), "Late")).id();
    reward = shop.rewards().define(campaign, NewCampaignReward.message("Thanks", "Thank you", 100));
  }

  @AfterEach
  void close() {
    engine.close();
    fixture.close();
  }

  @Test
  void aParticipantDeletedBeforeItsEnrolmentReachesTheIndexStaysOffTheBoards() throws Exception {
    act("first@example.com", 2);
    act("second@example.com", 1);
    for (BoardPeriod period : List.of(BoardPeriod.ALL_TIME, BoardPeriod.CURRENT_MONTH)) {
      shop.leaderboards().page(board(period)); // built before the race, so that both writes are applied to it
    }

    long deleted = enrolDeleteThenApply(() -> { });

    assertBoardsHold(deleted);
  }

  @Test
  void aParticipantDeletedBeforeItsEnrolmentReachesTheIndexStaysOffABoardBuiltInBetween() throws Exception {
    act("first@example.com", 2);
    act("second@example.com", 1);

    // The campaign's index is first built after the deletion, before the enrolment's writes are applied.
    long deleted = enrolDeleteThenApply(() -> {
      for (BoardPeriod period : List.of(BoardPeriod.ALL_TIME, BoardPeriod.CURRENT_MONTH)) {
        shop.leaderboards().page(board(period));
      }
    });

    assertBoardsHold(deleted);
  }

  /**
   * Records an action that enrols a new participant, pauses it after its commit, deletes the participant, runs
   * {@code meanwhile}, then lets the action apply its board writes; returns the deleted participant's id.
   */
  private long enrolDeleteThenApply(Runnable meanwhile) throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    long deleted;
    try {
      pauseNextEnrolment = true;
      Future<ActionResult> acting = pool.submit(() -> shop.rewards().recordAction(
          LoyaltyAction.of(ParticipantRef.email(campaign, "late@example.com"), reward.id())));
      afterCommit.awaitReached("the enrolling action committed");
      deleted = shop.participants().get(ParticipantRef.email(campaign, "late@example.com")).id();
      shop.participants().delete(ParticipantRef.id(deleted));
      meanwhile.run();
      afterCommit.release();
      ActionResult result = acting.get(30, TimeUnit.SECONDS);
      assertEquals(deleted, result.participantId());
    } finally {
      pool.shutdownNow();
    }
    return deleted;
  }

  private void assertBoardsHold(long deleted) {
    for (BoardPeriod period : List.of(BoardPeriod.ALL_TIME, BoardPeriod.CURRENT_MONTH)) {
      List<BoardEntry> indexed = shop.leaderboards().page(board(period)).items();
      assertEquals(shop.leaderboards().page(board(period).read(Consistency.STRONG)).items(), indexed,
          "the index holds what storage holds: " + period);
      assertFalse(indexed.stream().anyMatch(e -> e.participantId() == deleted),
          "the deleted participant is not on the board: " + period);
      assertEquals(List.of(2L, 1L), indexed.stream().map(BoardEntry::score).toList(), period.name());
      LoyaltyException gone = assertThrows(LoyaltyException.class, () -> shop.leaderboards().rank(campaign, deleted,
          period, BoardMetric.ACTIONS, Consistency.INDEX));
      assertEquals(ErrorCode.NOT_FOUND, gone.code(), "the deleted participant has no rank: " + period);
    }
  }

  private BoardRequest board(BoardPeriod period) {
    return BoardRequest.of(campaign, period).by(BoardMetric.ACTIONS).limit(10);
  }

  private Participant act(String email, int times) {
    Participant p = shop.participants().create(campaign, NewParticipant.withEmail(email));
    for (int i = 0; i < times; i++) {
      shop.rewards().recordAction(LoyaltyAction.of(ParticipantRef.id(p.id()), reward.id()));
    }
    return p;
  }

  /**
   * A storage whose next unit of work that enrols a participant, once asked to, pauses after it committed (before the
   * engine applies its board writes to the index) until the test resumes it.
   */
  private Storage pausingEnrolments(Storage delegate) {
    return new InterceptingStorage(delegate, tx -> {
      enrolled.set(false); // a retried transaction starts over
      return new ForwardingTransaction(tx) {
        @Override
        public ParticipantPort participants() {
          return InterceptingStorage.intercept(ParticipantPort.class, tx.participants(), (method, args, port) -> {
            Object result = InterceptingStorage.invoke(method, port, args);
            if (method.getName().equals("insert")) {
              enrolled.set(true);
            }
            return result;
          });
        }
      };
    }) {
      @Override
      public <T> T inTransaction(TransactionWork<T> work) {
        T result = super.inTransaction(work);
        if (enrolled.get() && pauseNextEnrolment) {
          pauseNextEnrolment = false;
          afterCommit.here();
        }
        return result;
      }
    };
  }
}
