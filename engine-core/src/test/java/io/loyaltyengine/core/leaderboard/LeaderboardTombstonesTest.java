package io.loyaltyengine.core.leaderboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.leaderboard.LeaderboardSettings;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tombstones of {@link LeaderboardIndexes} (see "Removals" there): kept while a ticket issued before the removal
 * is held, dropped once every such ticket is released, and refused by a roster. The removals are applied to
 * campaigns this engine has not indexed, which still leave their tombstones (an index built later consults them).
 */
class LeaderboardTombstonesTest {
  private static final long TENANT = 1;
  private static final long CAMPAIGN = 2;

  private final LeaderboardIndexes indexes = new LeaderboardIndexes(null, Clock.systemUTC(),
      LeaderboardSettings.DEFAULTS);

  @Test
  void aRemovalWhileNoTicketIsHeldLeavesNoTombstone() {
    remove(10);
    assertFalse(indexes.isRemoved(TENANT, CAMPAIGN, 10));
  }

  @Test
  void aTombstoneLastsUntilEveryTicketIssuedBeforeItsRemovalIsReleased() {
    long older = indexes.hold();
    long old = indexes.hold();
    remove(10);
    long later = indexes.hold(); // taken after the removal: it cannot see the participant
    assertTrue(indexes.isRemoved(TENANT, CAMPAIGN, 10));
    assertFalse(indexes.isRemoved(TENANT, CAMPAIGN + 1, 10), "a tombstone is of its campaign");

    indexes.release(old);
    assertTrue(indexes.isRemoved(TENANT, CAMPAIGN, 10), "an older ticket is still held");
    indexes.release(older);
    assertFalse(indexes.isRemoved(TENANT, CAMPAIGN, 10), "only a later ticket is held");
    indexes.release(later);
  }

  @Test
  void aRosterRefusesTheParticipantsItIsToldAreRemoved() {
    Roster roster = new Roster(participantId -> participantId == 10);
    roster.add(10, 1);
    roster.add(20, 2);
    assertFalse(roster.contains(10));
    assertTrue(roster.contains(20));
    assertEquals(1, roster.size());
  }

  private void remove(long participantId) {
    indexes.applyCommitted(List.of(new IndexedStorage.Removed(TENANT, CAMPAIGN, participantId)));
  }
}
