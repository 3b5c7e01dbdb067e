package io.loyaltyengine.jdbc;

import static io.loyaltyengine.jdbc.PostgresPlans.assertPageIsARange;
import static io.loyaltyengine.jdbc.PostgresPlans.campaign;
import static io.loyaltyengine.jdbc.PostgresPlans.plan;
import static io.loyaltyengine.jdbc.PostgresPlans.sql;
import static io.loyaltyengine.jdbc.PostgresPlans.tenant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.feedback.Idea;
import io.loyaltyengine.feedback.NewFeedbackBoard;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.testkit.Pages;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The plan of a participant's ideas ({@code FeedbackBoards.ideas(participant, page)}, an account page) on PostgreSQL
 * stays a range of an index in its order on a large table: the participant's 5,000 ideas, every 40th of the
 * campaign's 200,000 on its two boards, beside another campaign's and another tenant's (those of a participant with
 * the same id), statistics gathered. A first and a middle page each read the rows of their page and no more, neither
 * reading the participant's other ideas nor sorting. The plans are printed, so that a change of them can be read in
 * the test output. The engine then answers the same pages.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class IdeaListPlanPostgresTest {
  private final PostgresPlans.EngineDatabase database = new PostgresPlans.EngineDatabase();
  private final PostgresFixture fixture = database.fixture;
  private final LoyaltyEngine engine = database.engine;

  @AfterEach
  void tearDown() {
    database.close();
  }

  @Test
  void aPageOfAParticipantsIdeasIsARangeOfAnIndexNewestFirst() throws Exception {
    TenantScope shop = tenant(engine, "Shop");
    Campaign campaign = campaign(shop, "Tea");
    Campaign other = campaign(shop, "Coffee");
    TenantScope stranger = tenant(engine, "Stranger");
    Campaign theirs = campaign(stranger, "Theirs");
    Participant ada = shop.participants().create(campaign.id(), NewParticipant.withEmail("ada@example.com"));
    long ideas = shop.feedback().createBoard(NewFeedbackBoard.of(campaign.id(), "Ideas")).id();
    long bugs = shop.feedback().createBoard(NewFeedbackBoard.of(campaign.id(), "Bugs")).id();
    long coffee = shop.feedback().createBoard(NewFeedbackBoard.of(other.id(), "Ideas")).id();
    long strangers = stranger.feedback().createBoard(NewFeedbackBoard.of(theirs.id(), "Ideas")).id();
    String author = Long.toString(ada.id());
    try (Connection c = fixture.connect(); Statement s = c.createStatement()) {
      // Ideas 1..200,000 of the campaign on its two boards in turn, every 40th Ada's and each other one another
      // participant's; the other campaign's, and the other tenant's by a participant of Ada's id, interleaved by id.
      insert(s, shop.tenantId(), "CASE WHEN g % 2 = 0 THEN " + ideas + " ELSE " + bugs + " END",
          "CASE WHEN g % 40 = 0 THEN " + author + " ELSE g END", 1, 200_000);
      insert(s, shop.tenantId(), Long.toString(coffee), "g", 300_001, 350_000);
      insert(s, stranger.tenantId(), Long.toString(strangers), author, 1, 50_000);
      s.execute("ANALYZE feedback_idea");

      String first = plan(s, statement(false)
          .replace(":tenantId", Long.toString(shop.tenantId()))
          .replace(":participantId", author)
          .replace(":limit", "21"));
      assertPageIsARange(first, "Index (Only )?Scan (Backward )?using \\w+ on feedback_idea", 21);
      assertFalse(first.contains("Rows Removed by Filter"), "no row read to be dropped:\n" + first);

      String middle = plan(s, statement(true)
          .replace(":tenantId", Long.toString(shop.tenantId()))
          .replace(":participantId", author)
          .replace(":beforeId", "100000")
          .replace(":limit", "101"));
      assertPageIsARange(middle, "Index (Only )?Scan (Backward )?using \\w+ on feedback_idea", 101);
      assertFalse(middle.contains("Rows Removed by Filter"), "no row read to be dropped:\n" + middle);
    }

    List<Idea> own = Pages.all(page -> shop.feedback().ideas(ParticipantRef.id(ada.id()), page), 100);
    assertEquals(5_000, own.size(), "Ada's ideas");
    assertEquals(200_000L, own.get(0).id());
    assertEquals(40L, own.get(4_999).id());
    assertTrue(own.stream().allMatch(i -> i.participantId() == ada.id() && i.tenantId() == shop.tenantId()
        && (i.boardId() == ideas || i.boardId() == bugs)));
  }

  /** Ideas of ids {@code from..to} on {@code board}, by {@code participant} (SQL of g, the id). */
  private static void insert(Statement s, long tenantId, String board, String participant, int from, int to)
      throws Exception {
    s.execute("INSERT INTO feedback_idea (tenant_id, idea_id, board_id, participant_id, title, body, status, votes,"
        + " created_at, updated_at) SELECT " + tenantId + ", g, " + board + ", " + participant + ", 'Idea',"
        + " 'More tea', 'OPEN', 0, now(), now() FROM generate_series(" + from + ", " + to + ") g");
  }

  /** The list's statement, with or without a cursor, as the port puts it together. */
  private static String statement(boolean cursor) throws ReflectiveOperationException {
    return sql("IDEAS_OF_PARTICIPANT") + (cursor ? sql("IDEAS_OF_PARTICIPANT_BEFORE") : "")
        + sql("IDEAS_OF_PARTICIPANT_NEWEST_LIMIT");
  }
}
