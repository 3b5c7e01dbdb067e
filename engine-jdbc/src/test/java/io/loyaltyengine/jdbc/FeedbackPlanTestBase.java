package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.feedback.FeedbackBoards;
import io.loyaltyengine.feedback.Idea;
import io.loyaltyengine.feedback.IdeaOrder;
import io.loyaltyengine.feedback.IdeaStatus;
import io.loyaltyengine.tenant.NewTenant;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A feedback board at scale reads what it answers, on each SQL store: a board of {@value #ROWS} ideas, every
 * {@value #PLANNED_EVERY}th PLANNED and the rest OPEN, each with a vote, beside the campaign's other board of
 * {@value #OTHERS} PLANNED ideas and another tenant's board with the same ids; a participant ({@value #DELETED}) with
 * {@value #OWN} ideas and {@value #OWN} votes, and one ({@value #VOTER}) with {@value #VOTES} votes. Each statement
 * the port sends to the feedback tables is planned on its own connection with the values bound ({@code EXPLAIN
 * ANALYZE}), inside a savepoint rolled back at once, just before it runs (so that a write planned is not applied
 * twice), and the rows the plan read must be about the rows the call answers or changes: a page of ideas in one status
 * and the count of that status, not the board; a participant's deletion, its ideas and votes and the votes on its
 * ideas, not the tenant's ideas; which of a page's ideas a participant voted on, those votes' keys. The plans are
 * printed; the answers are checked.
 *
 * <p>Not thread-safe: one instance runs a class's tests one after another, on one database filled once (the tests
 * only read it, or roll back what they change).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FeedbackPlanTestBase {
  static final int ROWS = 60_000;
  static final int OTHERS = ROWS / 5;
  static final int PLANNED_EVERY = ROWS / 100;
  static final int PAGE = 21;
  /** The deleted participant's ideas, and its votes. */
  static final int OWN = 5;
  /** The participant deleted: author of ideas 1,000, 2,000, ..., voter for 500, 1,500, .... */
  static final long DELETED = 7;
  /** A participant with {@value #VOTES} votes, for the even ideas from 2. */
  static final long VOTER = 8;
  static final int VOTES = 10_000;

  /** The plans of the feedback statements sent since the last {@link #drain}: statement, then plan. */
  private final List<String[]> plans = Collections.synchronizedList(new ArrayList<>());
  private Storage storage;
  private LoyaltyEngine engine;
  long tenant;

  /** A fresh database's data source (its connections in auto-commit), closed by {@link #closeDatabase}. */
  abstract DataSource openDatabase() throws Exception;

  abstract void closeDatabase();

  /** {@code FROM} a table of the rows {@code g} 1..{@code n}. */
  abstract String series(long n);

  /** The statement that runs {@code sql} and answers its plan, one line per row. */
  abstract String explain(String sql);

  /** How many rows {@code plan} read from tables and indexes. */
  abstract long rowsRead(String plan);

  @BeforeAll
  void fill() throws Exception {
    DataSource database = openDatabase();
    storage = JdbcStorage.builder().dataSource(TestProxies.connectionsThrough(database, this::planning)).build();
    engine = LoyaltyEngine.builder().storage(storage).events(EventSettings.builder().manualDispatch().build())
        .build();
    TenantScope shop = engine.forTenant(engine.tenants().create(NewTenant.business("Shop")).id());
    tenant = shop.tenantId();
    long campaign = shop.campaigns().create(NewCampaign.running(
        shop.brands().create(new NewBrand("Shop", "https://shop.example")).id(), "Tea")).id();
    TenantScope stranger = engine.forTenant(engine.tenants().create(NewTenant.business("Stranger")).id());
    long theirs = stranger.campaigns().create(NewCampaign.running(
        stranger.brands().create(new NewBrand("Theirs", "https://theirs.example")).id(), "Theirs")).id();
    try (Connection c = database.getConnection(); Statement s = c.createStatement()) {
      for (long[] part : new long[][] {{tenant, campaign}, {stranger.tenantId(), theirs}}) {
        String t = Long.toString(part[0]);
        for (int board = 1; board <= 2; board++) {
          s.execute("INSERT INTO feedback_board (tenant_id, board_id, campaign_id, name, description, is_open,"
              + " created_at) VALUES (" + t + ", " + board + ", " + part[1] + ", 'Ideas', '', TRUE,"
              + " CURRENT_TIMESTAMP)");
        }
        // Idea g by participant ROWS + g but ideas 1,000..OWN * 1,000 by DELETED; one vote each, by 2 * ROWS + g,
        // and DELETED's on ideas 500, 1,500, ...
        s.execute("INSERT INTO feedback_idea (tenant_id, idea_id, board_id, participant_id, title, body, status,"
            + " votes, created_at, updated_at) SELECT " + t + ", g, 1, CASE WHEN MOD(g, 1000) = 0 AND g <= "
            + OWN * 1000 + " THEN " + DELETED + " ELSE " + ROWS + " + g END, 'Idea', 'More tea', CASE WHEN"
            + " MOD(g, " + PLANNED_EVERY + ") = 0 THEN 'PLANNED' ELSE 'OPEN' END, CASE WHEN MOD(g, 1000) = 500 AND g"
            + " < " + OWN * 1000 + " THEN 2 ELSE 1 END, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP" + series(ROWS));
        s.execute("INSERT INTO feedback_idea (tenant_id, idea_id, board_id, participant_id, title, body, status,"
            + " votes, created_at, updated_at) SELECT " + t + ", " + ROWS + " + g, 2, " + ROWS + " + g, 'Idea',"
            + " 'More tea', 'PLANNED', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP" + series(OTHERS));
        s.execute("INSERT INTO feedback_vote (tenant_id, idea_id, participant_id, created_at) SELECT " + t + ", g, "
            + 2 * ROWS + " + g, CURRENT_TIMESTAMP" + series(ROWS));
        s.execute("INSERT INTO feedback_vote (tenant_id, idea_id, participant_id, created_at) SELECT " + t + ","
            + " 1000 * g - 500, " + DELETED + ", CURRENT_TIMESTAMP" + series(OWN));
        s.execute("INSERT INTO feedback_vote (tenant_id, idea_id, participant_id, created_at) SELECT " + t + ","
            + " 2 * g, " + VOTER + ", CURRENT_TIMESTAMP" + series(VOTES));
      }
      s.execute("ANALYZE");
    }
  }

  @AfterAll
  void close() {
    engine.close();
    closeDatabase();
  }

  /**
   * A page of a board's ideas in one status, a few among many in another, reads the ideas in that status before it
   * and its own, in each order.
   */
  @Test
  void aPageOfABoardsIdeasInOneStatusReadsThatStatus() {
    List<Long> oldestFirst = LongStream.rangeClosed(1, ROWS / PLANNED_EVERY).map(g -> g * PLANNED_EVERY).boxed()
        .toList();
    int planned = oldestFirst.size();
    for (IdeaOrder order : IdeaOrder.values()) {
      List<Long> all = new ArrayList<>(oldestFirst);
      if (order == IdeaOrder.NEWEST) {
        Collections.reverse(all);
      }
      for (int offset : new int[] {0, planned / 2, planned - PAGE}) {
        drain();
        assertEquals(all.subList(offset, offset + PAGE), storage.inReadTransaction(tx -> tx.feedback().ideas(tenant,
            1, IdeaStatus.PLANNED, order, offset, PAGE)).stream().map(Idea::id).toList(), order + " at " + offset);
        assertRowsRead(drain(), offset + PAGE + 2);
      }
    }
  }

  /** The count of a board's ideas in one status reads the ideas in that status, not the board's others. */
  @Test
  void theCountOfABoardsIdeasInOneStatusReadsThatStatus() {
    drain();
    Long planned = storage.inReadTransaction(tx -> tx.feedback().countIdeas(tenant, 1, IdeaStatus.PLANNED));
    assertEquals(ROWS / PLANNED_EVERY, planned);
    assertRowsRead(drain(), ROWS / PLANNED_EVERY + 2);
  }

  /**
   * A participant's deletion locks its ideas and those it voted on, withdraws its votes, and deletes the votes on its
   * ideas and its ideas, each statement reading about the rows it changes.
   */
  @Test
  void aParticipantsDeletionReadsItsOwnIdeasAndVotes() {
    drain();
    List<String[]> sent = rolledBack(tx -> {
      tx.feedback().deleteAll(tenant, DELETED);
      List<String[]> deletion = drain();
      assertFalse(tx.feedback().hasVote(tenant, 500, DELETED), "its vote withdrawn");
      assertEquals(1L, tx.feedback().findIdea(tenant, 500).orElseThrow().votes(), "counted no more");
      assertTrue(tx.feedback().findIdea(tenant, 1000).isEmpty(), "its idea deleted");
      assertEquals(0L, tx.feedback().countVotes(tenant, 1000), "with the votes on it");
      assertEquals(1L, tx.feedback().countVotes(tenant, 999), "the others' kept");
      return deletion;
    });
    assertEquals(5, sent.size(), "the deletion's statements");
    // Each touches at most the participant's OWN ideas and OWN votes, and the OWN votes on its ideas; a row counts
    // once for every step of the plan that passes it on (H2 counts a subquery's rows, its union's and its join's).
    assertRowsRead(sent, 12 * OWN);
  }

  /**
   * Which of a page's ideas a participant voted on is one statement that looks each asked idea's vote up by its key:
   * not a read of the participant's {@value #VOTES} votes, nor of the tenant's.
   */
  @Test
  void theIdeasAParticipantVotedOnAmongAPagesAreLookedUpByTheirKeys() {
    List<Long> asked = LongStream.rangeClosed(1, FeedbackBoards.MAX_VOTED_IDEAS_ASKED).boxed().toList();
    drain();
    Set<Long> voted = storage.inReadTransaction(tx -> tx.feedback().votedIdeas(tenant, VOTER, asked));
    assertEquals(asked.stream().filter(id -> id % 2 == 0).collect(Collectors.toSet()), voted);
    List<String[]> sent = drain();
    assertEquals(1, sent.size(), "one statement");
    // A row counts once for every step of the plan that passes it on (H2: the ids, then each vote found).
    assertRowsRead(sent, 3L * FeedbackBoards.MAX_VOTED_IDEAS_ASKED);
  }

  /** Runs {@code work} in a transaction it then rolls back, answering what the work returned. */
  <T> T rolledBack(TransactionWork<T> work) {
    List<T> answer = new ArrayList<>();
    class Undo extends RuntimeException {
      Undo() {
        super(null, null, false, false);
      }
    }
    try {
      storage.inTransaction(tx -> {
        answer.add(work.run(tx));
        throw new Undo();
      });
      throw new AssertionError("not rolled back");
    } catch (Undo undo) {
      return answer.get(0);
    }
  }

  /** Asserts that each of {@code sent} (statement, plan) read at most {@code atMost} rows, naming any that read more. */
  void assertRowsRead(List<String[]> sent, long atMost) {
    assertFalse(sent.isEmpty(), "statements sent");
    List<String> tooMany = new ArrayList<>();
    for (String[] plan : sent) {
      System.out.println(plan[0] + "\n" + plan[1]);
      long read = rowsRead(plan[1]);
      if (read > atMost) {
        tooMany.add(read + " rows: " + plan[0] + "\n" + plan[1]);
      }
    }
    assertEquals(List.of(), tooMany, "statements that read more than " + atMost + " rows");
  }

  List<String[]> drain() {
    synchronized (plans) {
      List<String[]> drained = List.copyOf(plans);
      plans.clear();
      return drained;
    }
  }

  /** A connection whose statements on the feedback ideas and votes are planned before they run in a transaction. */
  private Connection planning(Connection connection) {
    return (Connection) Proxy.newProxyInstance(FeedbackPlanTestBase.class.getClassLoader(),
        new Class<?>[] {Connection.class}, (proxy, method, args) -> {
          Object result = TestProxies.invoke(connection, method, args);
          if (method.getName().equals("prepareStatement") && result instanceof PreparedStatement p) {
            String sql = ((String) args[0]).strip();
            if (sql.matches("(?is)(SELECT|UPDATE|DELETE|MERGE) .*\\bfeedback_(idea|vote)\\b.*")) {
              return planned(connection, p, sql);
            }
          }
          return result;
        });
  }

  private PreparedStatement planned(Connection connection, PreparedStatement statement, String sql) {
    List<Object[]> sets = new ArrayList<>();
    return (PreparedStatement) Proxy.newProxyInstance(FeedbackPlanTestBase.class.getClassLoader(),
        new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
          String name = method.getName();
          if (name.startsWith("set") && args != null && args.length >= 2 && args[0] instanceof Integer) {
            sets.add(new Object[] {method, args});
          } else if (name.startsWith("execute") && !connection.getAutoCommit()) {
            plans.add(new String[] {sql, plan(connection, sql, sets)});
          }
          return TestProxies.invoke(statement, method, args);
        });
  }

  /** The plan of {@code sql} as run, what it changed undone. */
  private String plan(Connection connection, String sql, List<Object[]> sets) throws Throwable {
    List<String> lines = new ArrayList<>();
    Savepoint before = connection.setSavepoint();
    try (PreparedStatement explain = connection.prepareStatement(explain(sql))) {
      for (Object[] set : sets) {
        TestProxies.invoke(explain, (Method) set[0], (Object[]) set[1]);
      }
      try (ResultSet rs = explain.executeQuery()) {
        while (rs.next()) {
          lines.add(rs.getString(1));
        }
      }
    } finally {
      connection.rollback(before);
    }
    return String.join("\n", lines);
  }
}
