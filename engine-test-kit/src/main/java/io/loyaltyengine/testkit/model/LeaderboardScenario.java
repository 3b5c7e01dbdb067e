package io.loyaltyengine.testkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.leaderboard.BoardEntry;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.leaderboard.Standing;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.rewards.ActionResult;
import io.loyaltyengine.rewards.CampaignReward;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Leaderboards of a real engine, driven against a reference model by a {@link ModelRunner}: seeded sequences of
 * loyalty actions (which enrol unknown emails, and every third of a participant's actions unlocks a POINTS reward of
 * 5 points, awarded inside the action's unit of work), awards, deductions, participant creations and deletions, and
 * moves of the settable clock of hours, days, to the last minute of the month, to the exact start of the next month,
 * or across it, in the campaign's zone (America/New_York: March 2025 crosses the change to daylight saving time).
 *
 * <pre>{@code
 * LeaderboardScenario.runner(engine, clock, outcome -> {}).steps(30).build().runSeeds(LeaderboardScenario.defaultSeeds());
 * }</pre>
 *
 * <p>Each run (and re-run while shortening a failure) works in a fresh tenant of the engine, so runs stay apart,
 * and first sets the clock back to where it stood when the runner was built, so that a run sees the same dates
 * (month lengths, the change to daylight saving time) whether other runs came before it or not: a failure
 * reproduces while it is shortened and when its seed is replayed alone. Within a run the clock only moves forward.
 * Operations name participants by slot; a deleted slot enrols a new participant on its next action or creation.
 *
 * <h2>Checked after every step</h2>
 * (Reads from storage after every third step, to keep a run to a few seconds on SQL stores; index reads after every
 * step.) Every board (ALL_TIME, CURRENT_MONTH and PREV_MONTH, by ACTIONS and by POINTS), read whole page by page from
 * the index and from storage, equals the model's sort: members (for last month, those created before the current
 * month started), by score descending then id ascending, ranks 1 + the number of higher scores. Every participant's
 * {@code standing} and its {@code rank} on every board (index and storage; empty on last month's board for a
 * participant created since) agree with those boards; the board of the current and the previous month read through
 * {@code monthPage} agrees too.
 *
 * <p>Thread-safe: every run builds its own state. The outcome consumer is called on the thread running the runner.
 */
public final class LeaderboardScenario {
  /** The campaign's zone. */
  public static final ZoneId ZONE = ZoneId.of("America/New_York");
  private static final int SLOTS = 5;
  private static final int ACTIONS_PER_UNLOCK = 3;
  private static final long REWARD_POINTS = 5;
  private static final long[] DEFAULT_SEEDS = {1L, 2L, 3L};
  /** Reads from storage (STRONG boards, month pages, standings) are checked after every this many steps. */
  private static final int FULL_CHECK_EVERY = 3;

  /** A participant enrolled by its first action or created directly. */
  public static final String ENROLLED = "a participant enrolled";
  /** An action that unlocked the POINTS reward (points awarded inside the action's unit of work). */
  public static final String REWARDED = "points awarded by a reward";
  /** A deduction that left the POINTS boards as they were. */
  public static final String DEDUCTED = "a deduction";
  /** A participant deleted. */
  public static final String DELETED = "a participant deleted";
  /** The clock crossed into a new month. */
  public static final String NEW_MONTH = "a new month";
  /** A participant alive but not a member of last month's board. */
  public static final String ABSENT_LAST_MONTH = "a participant absent from last month's board";
  /** Two members of a board with one score above zero. */
  public static final String TIE = "a tie above zero";

  private LeaderboardScenario() {
  }

  /**
   * A runner builder preconfigured with this scenario; set {@link ModelRunner.Builder#steps} and build it.
   *
   * @param engine the engine under test, whose clock is {@code clock}; each run creates its own tenant in it
   * @param clock the engine's clock: set back to its present instant at the start of every run, then moved forward
   *     by the scenario
   * @param outcomes told the name of every outcome reached (one of {@link #outcomes()})
   */
  public static ModelRunner.Builder<Run, Model, Op> runner(LoyaltyEngine engine, SettableClock clock,
      Consumer<String> outcomes) {
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(outcomes, "outcomes");
    Instant origin = clock.instant();
    return ModelRunner.<Run, Model, Op>builder()
        .name("leaderboards")
        .system(() -> new Run(engine, clock, origin))
        .model(run -> new Model())
        .operations(operations())
        .step((run, model, op) -> apply(run, model, op, outcomes))
        .invariant((run, model) -> check(run, model, outcomes));
  }

  /**
   * Three seeds whose 30-step sequences (and so any longer ones) together reach every one of {@link #outcomes()}. A
   * new array each call.
   */
  public static long[] defaultSeeds() {
    return DEFAULT_SEEDS.clone();
  }

  /** Every outcome the scenario tells its consumer about. */
  public static List<String> outcomes() {
    return List.of(ENROLLED, REWARDED, DEDUCTED, DELETED, NEW_MONTH, ABSENT_LAST_MONTH, TIE);
  }

  /** The operation generator of this scenario. */
  public static ModelRunner.Operations<Op> operations() {
    return (random, previous) -> {
      int slot = random.nextInt(SLOTS);
      int dice = random.nextInt(100);
      if (dice < 40) {
        return new Op(Kind.ACT, slot, 0);
      } else if (dice < 52) {
        return new Op(Kind.AWARD, slot, 1 + random.nextInt(4));
      } else if (dice < 58) {
        return new Op(Kind.DEDUCT, slot, 1 + random.nextInt(3));
      } else if (dice < 66) {
        return new Op(Kind.CREATE, slot, 0);
      } else if (dice < 71) {
        return new Op(Kind.DELETE, slot, 0);
      } else if (dice < 80) {
        return new Op(Kind.HOURS, 0, 1 + random.nextInt(72));
      } else if (dice < 86) {
        return new Op(Kind.LAST_MINUTE, 0, 0);
      } else if (dice < 93) {
        return new Op(Kind.MONTH_START, 0, 0);
      } else {
        return new Op(Kind.DAYS, 0, 10 + random.nextInt(25));
      }
    };
  }

  private static void apply(Run run, Model model, Op op, Consumer<String> outcomes) {
    Instant now = run.clock.instant().truncatedTo(ChronoUnit.MICROS);
    int month = monthOf(now);
    Person person = model.people.get(op.slot());
    switch (op.kind()) {
      case ACT -> {
        ActionResult result = run.scope.rewards().recordAction(LoyaltyAction.of(run.ref(op.slot()), run.reward.id()));
        if (person == null) {
          person = model.enrol(op.slot(), result.participantId(), now);
          outcomes.accept(ENROLLED);
        }
        assertEquals(person.id, result.participantId(), () -> op + ": the slot's participant");
        person.actions.merge(0, 1L, Long::sum);
        person.actions.merge(month, 1L, Long::sum);
        if (person.actions.get(0) % ACTIONS_PER_UNLOCK == 0) {
          person.award(month, REWARD_POINTS);
          outcomes.accept(REWARDED);
        }
        assertEquals(person.actions.get(0), result.counts().allTime(), () -> op + ": the all-time count");
      }
      case AWARD -> {
        if (person != null) {
          run.scope.points().award(ParticipantRef.id(person.id), PointsChange.of(op.amount(), "purchase"));
          person.award(month, op.amount());
        }
      }
      case DEDUCT -> {
        if (person != null && person.balance >= op.amount()) {
          run.scope.points().deduct(ParticipantRef.id(person.id), PointsChange.of(op.amount(), "redemption"));
          person.balance -= op.amount();
          outcomes.accept(DEDUCTED);
        }
      }
      case CREATE -> {
        if (person == null) {
          Participant p = run.scope.participants().create(run.campaign.id(),
              NewParticipant.withEmail(run.email(op.slot())));
          model.enrol(op.slot(), p.id(), now);
          assertEquals(now, p.createdAt(), () -> op + ": created now");
          outcomes.accept(ENROLLED);
        }
      }
      case DELETE -> {
        if (person != null) {
          run.scope.participants().delete(ParticipantRef.id(person.id));
          model.people.remove(op.slot());
          outcomes.accept(DELETED);
        }
      }
      case HOURS -> run.clock.advance(Duration.ofHours(op.amount()));
      case DAYS -> run.clock.advance(Duration.ofDays(op.amount()));
      case LAST_MINUTE -> {
        Instant lastMinute = startOf(nextMonth(month)).minusSeconds(60);
        if (lastMinute.isAfter(run.clock.instant())) {
          run.clock.set(lastMinute);
        }
      }
      case MONTH_START -> run.clock.set(startOf(nextMonth(month)));
    }
    if (monthOf(run.clock.instant()) != month) {
      outcomes.accept(NEW_MONTH);
    }
    model.steps++;
    model.fullCheck = model.steps % FULL_CHECK_EVERY == 0;
  }

  private static void check(Run run, Model model, Consumer<String> outcomes) {
    Instant now = run.clock.instant().truncatedTo(ChronoUnit.MICROS);
    int current = monthOf(now);
    int previous = previousMonth(current);
    Instant currentStart = startOf(current);
    for (BoardMetric metric : BoardMetric.values()) {
      Map<BoardPeriod, List<BoardEntry>> expected = Map.of(
          BoardPeriod.ALL_TIME, model.board(metric, 0, null),
          BoardPeriod.CURRENT_MONTH, model.board(metric, current, null),
          BoardPeriod.PREV_MONTH, model.board(metric, previous, currentStart));
      for (BoardPeriod period : BoardPeriod.values()) {
        List<BoardEntry> want = expected.get(period);
        for (Consistency consistency : consistencies(model)) {
          int limit = consistency == Consistency.INDEX ? 2 : 3;
          assertEquals(want, readAll(run, BoardRequest.of(run.campaign.id(), period).by(metric).limit(limit)
              .read(consistency)), () -> period + " " + metric + " " + consistency + " board at " + now);
        }
        for (int i = 1; i < want.size(); i++) {
          if (want.get(i).score() > 0 && want.get(i).score() == want.get(i - 1).score()) {
            outcomes.accept(TIE);
          }
        }
      }
      if (model.fullCheck) {
        assertEquals(expected.get(BoardPeriod.PREV_MONTH), readMonth(run, YearMonth.of(previous / 100,
            previous % 100), metric), () -> "monthPage of last month, " + metric);
      }
      for (Person person : model.people.values()) {
        Standing want = standing(person, metric, expected);
        if (want.previousMonthRank() == null) {
          outcomes.accept(ABSENT_LAST_MONTH);
        }
        for (Consistency consistency : consistencies(model)) {
          assertEquals(want, run.scope.leaderboards().standing(ParticipantRef.id(person.id), metric, consistency),
              () -> "standing of " + person + " by " + metric + ", " + consistency);
        }
        for (BoardPeriod period : BoardPeriod.values()) {
          Optional<BoardEntry> row = Optional.ofNullable(entryOf(expected.get(period), person.id));
          for (Consistency consistency : consistencies(model)) {
            assertEquals(row, run.scope.leaderboards().rank(run.campaign.id(), person.id, period, metric,
                consistency), () -> "rank of " + person + " on the " + period + " board by " + metric + ", "
                + consistency);
          }
        }
      }
    }
  }

  /** INDEX reads after every step; STRONG reads too after a full check's steps. */
  private static List<Consistency> consistencies(Model model) {
    return model.fullCheck ? List.of(Consistency.INDEX, Consistency.STRONG) : List.of(Consistency.INDEX);
  }

  private static Standing standing(Person person, BoardMetric metric, Map<BoardPeriod, List<BoardEntry>> boards) {
    BoardEntry all = entryOf(boards.get(BoardPeriod.ALL_TIME), person.id);
    BoardEntry month = entryOf(boards.get(BoardPeriod.CURRENT_MONTH), person.id);
    BoardEntry last = entryOf(boards.get(BoardPeriod.PREV_MONTH), person.id);
    return new Standing(person.id, metric, all.score(), all.rank(), month.score(), month.rank(),
        last == null ? 0 : last.score(), last == null ? null : last.rank());
  }

  private static BoardEntry entryOf(List<BoardEntry> board, long id) {
    return board.stream().filter(e -> e.participantId() == id).findFirst().orElse(null);
  }

  private static List<BoardEntry> readAll(Run run, BoardRequest first) {
    List<BoardEntry> all = new ArrayList<>();
    BoardRequest request = first;
    while (true) {
      CursorPage<BoardEntry> page = run.scope.leaderboards().page(request);
      all.addAll(page.items());
      if (!page.hasMore()) {
        return all;
      }
      request = request.after(page.nextId());
    }
  }

  private static List<BoardEntry> readMonth(Run run, YearMonth month, BoardMetric metric) {
    List<BoardEntry> all = new ArrayList<>();
    Long after = null;
    while (true) {
      CursorPage<BoardEntry> page = run.scope.leaderboards().monthPage(run.campaign.id(), month, metric, after, 4);
      all.addAll(page.items());
      if (!page.hasMore()) {
        return all;
      }
      after = page.nextId();
    }
  }

  private static int monthOf(Instant at) {
    var local = at.atZone(ZONE);
    return local.getYear() * 100 + local.getMonthValue();
  }

  private static int nextMonth(int month) {
    return month % 100 == 12 ? (month / 100 + 1) * 100 + 1 : month + 1;
  }

  private static int previousMonth(int month) {
    return month % 100 == 1 ? (month / 100 - 1) * 100 + 12 : month - 1;
  }

  private static Instant startOf(int month) {
    return YearMonth.of(month / 100, month % 100).atDay(1).atStartOfDay(ZONE).toInstant();
  }

  /**
   * One run's system under test: a fresh tenant of the engine with a campaign in {@link #ZONE} and one POINTS
   * reward (5 points every 3 actions, unlimited, approved at once). Not thread-safe: used by one run.
   */
  public static final class Run {
    private final TenantScope scope;
    private final SettableClock clock;
    private final Campaign campaign;
    private final CampaignReward reward;

    Run(LoyaltyEngine engine, SettableClock clock, Instant origin) {
      this.clock = clock;
      clock.set(origin);
      this.scope = engine.forTenant(engine.tenants().create(NewTenant.business("Leaderboard model run")).id());
      this.campaign = scope.campaigns().create(NewCampaign.running(
          scope.brands().create(new NewBrand("Board shop", "https://boards.example.com")).id(), "Board campaign")
          .withTimeZone(ZONE));
      this.reward = scope.rewards().define(campaign.id(),
          NewCampaignReward.points("Every third action", REWARD_POINTS, ACTIONS_PER_UNLOCK).unlimited());
    }

    String email(int slot) {
      return "board" + slot + "@example.com";
    }

    ParticipantRef ref(int slot) {
      return ParticipantRef.email(campaign.id(), email(slot));
    }

    /** The tenant this run works in. */
    public TenantScope scope() {
      return scope;
    }

    @Override
    public String toString() {
      return "LeaderboardScenario.Run[tenant=" + scope.tenantId() + ", campaign=" + campaign.id() + "]";
    }
  }

  /** What the engine must agree with: the living participants by slot. Not thread-safe: used by one run. */
  public static final class Model {
    private final Map<Integer, Person> people = new HashMap<>();
    private int steps;
    private boolean fullCheck = true;

    Model() {
    }

    Person enrol(int slot, long id, Instant createdAt) {
      Person person = new Person(id, createdAt);
      people.put(slot, person);
      return person;
    }

    /** A board: members created before {@code createdBefore} (null: all), sorted, ranked. */
    List<BoardEntry> board(BoardMetric metric, int month, Instant createdBefore) {
      List<long[]> rows = new ArrayList<>();
      for (Person p : people.values()) {
        if (createdBefore == null || p.createdAt.isBefore(createdBefore)) {
          Map<Integer, Long> counters = metric == BoardMetric.ACTIONS ? p.actions : p.points;
          rows.add(new long[] {p.id, counters.getOrDefault(month, 0L)});
        }
      }
      rows.sort(Comparator.<long[]>comparingLong(r -> -r[1]).thenComparingLong(r -> r[0]));
      List<BoardEntry> board = new ArrayList<>();
      for (long[] row : rows) {
        long above = rows.stream().filter(r -> r[1] > row[1]).count();
        board.add(new BoardEntry(row[0], row[1], above + 1));
      }
      return board;
    }

    @Override
    public String toString() {
      return "LeaderboardScenario.Model[" + people + "]";
    }
  }

  /** A living participant of the model. */
  private static final class Person {
    final long id;
    final Instant createdAt;
    final Map<Integer, Long> actions = new HashMap<>();
    final Map<Integer, Long> points = new HashMap<>();
    long balance;

    Person(long id, Instant createdAt) {
      this.id = id;
      this.createdAt = createdAt;
    }

    void award(int month, long amount) {
      points.merge(0, amount, Long::sum);
      points.merge(month, amount, Long::sum);
      balance += amount;
    }

    @Override
    public String toString() {
      return "Person[id=" + id + ", createdAt=" + createdAt + ", actions=" + actions + ", points=" + points + "]";
    }
  }

  /** What an operation does. Immutable. */
  public enum Kind {
    /** A loyalty action by email (enrols). */
    ACT,
    /** Points awarded. */
    AWARD,
    /** Points deducted, when the balance allows. */
    DEDUCT,
    /** The participant created, unless it exists. */
    CREATE,
    /** The participant deleted, if it exists. */
    DELETE,
    /** The clock moves by hours. */
    HOURS,
    /** The clock moves by days. */
    DAYS,
    /** The clock moves to a minute before the next month. */
    LAST_MINUTE,
    /** The clock moves to the exact start of the next month. */
    MONTH_START
  }

  /**
   * One operation: what, on which slot, and an amount (points, hours or days). Immutable and thread-safe.
   *
   * @param kind what
   * @param slot the participant's slot, 0..4 (unused by clock moves)
   * @param amount points, hours or days
   */
  public record Op(Kind kind, int slot, long amount) {
    @Override
    public String toString() {
      return switch (kind) {
        case ACT, CREATE, DELETE -> kind.name().toLowerCase() + " p" + slot;
        case AWARD, DEDUCT -> kind.name().toLowerCase() + " " + amount + " p" + slot;
        case HOURS, DAYS -> "clock +" + amount + " " + kind.name().toLowerCase();
        case LAST_MINUTE, MONTH_START -> "clock to " + kind.name().toLowerCase().replace('_', ' ');
      };
    }
  }
}
