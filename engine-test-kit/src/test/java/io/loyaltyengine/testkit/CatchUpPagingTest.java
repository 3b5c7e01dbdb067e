package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.core.leaderboard.LeaderboardIndexes;
import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.core.spi.LeaderboardPort;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.leaderboard.LeaderboardSettings;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.tenant.NewTenant;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A catch-up of another instance's writes pages through more changed counters than one read takes
 * ({@link LeaderboardIndexes#CATCH_UP_LIMIT}) instead of rebuilding the campaign's index from a scan of every board,
 * and still rebuilds, with the right boards, when paging cannot go on (more changes than one read takes, all at one
 * time). The reading engine's storage counts the board scans a rebuild makes.
 */
class CatchUpPagingTest {
  /** One action each: a new member and two changed counters (all time and the month), so over one read's worth. */
  private static final int ACTIONS = LeaderboardIndexes.CATCH_UP_LIMIT / 2 + 100;

  @Test
  void moreChangesThanOneReadTakesArePagedThroughWithoutARebuild() {
    assertEquals(0, catchUpAfter(Duration.ofNanos(1_000)), "no board scanned again");
  }

  @Test
  void changesThatCannotBePagedThroughAtOneTimeRebuildTheIndex() {
    assertTrue(catchUpAfter(Duration.ZERO) > 0, "the boards scanned again");
  }

  /**
   * Engine B indexes a campaign's ACTIONS boards, engine A records {@link #ACTIONS} actions of new participants, its
   * clock moved by {@code step} before each, and B reads the boards one refresh interval later: they must equal
   * storage's. Returns how many board scans B's reading made.
   */
  private static int catchUpAfter(Duration step) {
    SettableClock clock = SettableClock.at(Instant.parse("2025-06-15T12:00:00Z"));
    InMemoryStorage.Database database = InMemoryStorage.newDatabase();
    AtomicInteger scans = new AtomicInteger();
    try (LoyaltyEngine a = engine(database.openStorage(), clock, 1);
        LoyaltyEngine b = engine(new ScanCounting(database.openStorage(), scans), clock, 2)) {
      long tenant = a.tenants().create(NewTenant.business("Busy")).id();
      TenantScope onA = a.forTenant(tenant);
      TenantScope onB = b.forTenant(tenant);
      long campaign = onA.campaigns().create(NewCampaign.running(
          onA.brands().create(new NewBrand("Busy", "busy.example.com")).id(), "Busy")).id();
      CampaignReward reward = onA.rewards().define(campaign, NewCampaignReward.message("Thanks", "Thank you", 1000));
      List<BoardRequest> boards = List.of(
          BoardRequest.of(campaign, BoardPeriod.ALL_TIME).by(BoardMetric.ACTIONS).limit(100),
          BoardRequest.of(campaign, BoardPeriod.CURRENT_MONTH).by(BoardMetric.ACTIONS).limit(100));
      boards.forEach(board -> onB.leaderboards().page(board));
      int built = scans.get();
      assertTrue(built > 0, "B built its boards from scans");

      for (int i = 0; i < ACTIONS; i++) {
        clock.advance(step);
        onA.rewards().recordAction(LoyaltyAction.of(ParticipantRef.email(campaign, "p" + i + "@example.com"),
            reward.id()));
      }
      clock.advance(Duration.ofSeconds(1));
      for (BoardRequest board : boards) {
        var truth = onB.leaderboards().page(board.read(Consistency.STRONG)).items();
        assertEquals(100, truth.size());
        assertEquals(truth, onB.leaderboards().page(board).items(), "caught up: " + board);
      }
      return scans.get() - built;
    }
  }

  private static LoyaltyEngine engine(Storage storage, SettableClock clock, int node) {
    return LoyaltyEngine.builder()
        .storage(storage)
        .clock(clock)
        .nodeId(node)
        .events(EventSettings.builder().manualDispatch().build())
        .leaderboards(LeaderboardSettings.builder().maxIndexedEntries(1_000_000).build())
        .build();
  }

  /** A storage whose leaderboard port counts the scans made through it. */
  private record ScanCounting(Storage delegate, AtomicInteger scans) implements Storage {
    @Override
    public Set<StorageCapability> capabilities() {
      return delegate.capabilities();
    }

    @Override
    public <T> T inTransaction(TransactionWork<T> work) {
      return delegate.inTransaction(tx -> work.run(counting(tx)));
    }

    @Override
    public <T> T inHostTransaction(HostTransaction host, TransactionWork<T> work) {
      return delegate.inHostTransaction(host, tx -> work.run(counting(tx)));
    }

    @Override
    public void close() {
      delegate.close();
    }

    private Transaction counting(Transaction tx) {
      LeaderboardPort port = tx.leaderboards();
      LeaderboardPort counted = (LeaderboardPort) Proxy.newProxyInstance(LeaderboardPort.class.getClassLoader(),
          new Class<?>[] {LeaderboardPort.class}, (proxy, method, args) -> {
            if (method.getName().equals("scan")) {
              scans.incrementAndGet();
            }
            try {
              return method.invoke(port, args);
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
          });
      return new ForwardingTransaction(tx) {
        @Override
        public LeaderboardPort leaderboards() {
          return counted;
        }
      };
    }
  }
}
