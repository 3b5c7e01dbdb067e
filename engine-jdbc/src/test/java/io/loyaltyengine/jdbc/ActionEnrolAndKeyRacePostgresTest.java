package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.Answers.race;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.jdbc.GroupCommitTestBase.World;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Loyalty actions that enrol one new email, sent at once through two engines on the embedded PostgreSQL: one with a
 * key of its own and three identical ones sharing another key (a host's retries of one request). The retries meet
 * two races in a row: the email enrolled by another request, then their shared key taken by one of them. Each must
 * still be answered with the action (replayed but once), never a CONFLICT on a key that no other request used.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class ActionEnrolAndKeyRacePostgresTest extends HostTransactionTestBase {
  private static final int ROUNDS = 40;

  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }

  @Test
  void retriesOfAnActionEnrollingANewEmailAnswerTheActionThoughTheyRaceForTheEmailAndThenTheKey() throws Exception {
    List<LoyaltyEngine> two = List.of(engines.build(engines.builder(fixture.openStorage(), 0)),
        engines.build(engines.builder(fixture.openStorage(), 0)));
    World w = new World(two.get(0), 0);
    List<TenantScope> scopes = List.of(two.get(0).forTenant(w.tenantId), two.get(1).forTenant(w.tenantId));
    CampaignReward reward = scopes.get(0).rewards().define(w.campaignId,
        NewCampaignReward.message("Thanks", "Thank you", 1).unlimited());
    for (int round = 0; round < ROUNDS; round++) {
      String email = "new" + round + "@example.com";
      String other = "other-" + round;
      String retried = "retried-" + round;
      List<Object> answers = race(4, thread -> () -> scopes.get(thread % 2).rewards().recordAction(
          LoyaltyAction.of(ParticipantRef.email(w.campaignId, email), reward.id())
              .withIdempotencyKey(thread == 0 ? other : retried)));
      Set<Long> retriedActions = new HashSet<>();
      int replays = 0;
      for (int thread = 0; thread < answers.size(); thread++) {
        Object a = answers.get(thread);
        ActionResult r = assertInstanceOf(ActionResult.class, a, "round " + round + ", request " + thread + ": " + a);
        if (thread > 0) {
          retriedActions.add(r.actionId());
          replays += r.replayed() ? 1 : 0;
        }
      }
      assertEquals(1, retriedActions.size(), "round " + round + ": the retries answer one action");
      assertEquals(2, replays, "round " + round + ": all but the first of them replayed");
    }
  }
}
