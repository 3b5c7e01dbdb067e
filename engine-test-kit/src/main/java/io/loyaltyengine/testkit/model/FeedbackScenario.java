package io.loyaltyengine.testkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.NumberedPage;
import io.loyaltyengine.PageRequest;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.feedback.FeedbackBoard;
import io.loyaltyengine.feedback.Idea;
import io.loyaltyengine.feedback.IdeaOrder;
import io.loyaltyengine.feedback.IdeaStatus;
import io.loyaltyengine.feedback.NewFeedbackBoard;
import io.loyaltyengine.feedback.NewIdea;
import io.loyaltyengine.feedback.VoteResult;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.Pages;
import io.loyaltyengine.testkit.model.ScenarioEvents.Some;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Feedback votes and moderation of a real engine, driven against a reference model by a {@link ModelRunner}: seeded
 * sequences of votes, withdrawals, participant deletions, idea deletions, moves of ideas between statuses and retried
 * submissions by five participants on three idea slots (written by the first three) of one open board; beside it the
 * campaign has a second board, closed, with no ideas. Every idea is submitted with an idempotency key. A moderator's
 * deletion of an idea takes its votes; its author then submits a new idea in its slot, OPEN with none, under a new
 * key. A moderator moves an idea to a status drawn mostly among UNDER_REVIEW, PLANNED and IN_PROGRESS, sometimes DONE
 * or DECLINED (whose tally is final), sometimes back to OPEN. A retry sends the submission of a slot's idea again with
 * its key: as it was (a host retrying after a lost answer), with another title, or for another participant.
 *
 * <p>Checked at every step: a vote or withdrawal changes the tally exactly when the model says (a repeat or a
 * withdrawal of no vote answers {@code changed=false}), a deleted participant or idea is NOT_FOUND, and so are
 * deleting an idea again and deleting one that went with its author; a retry as it was answers the slot's idea as it
 * is now (its votes included), one with another title or participant is CONFLICT on {@code idempotencyKey}, and one
 * for a deleted participant NOT_FOUND. A move to another status than OPEN answers the idea in it, a move to the
 * status the idea has answers it unchanged, a move of an idea that left OPEN back to OPEN is INVALID_TRANSITION on
 * {@code status}, and a vote or withdrawal on a DONE or DECLINED idea (counted or not) is CONFLICT on {@code status};
 * each changes nothing else. Checked after every step: every idea's counter is the model's set of voters'
 * size, every deleted idea, and a deleted author's, is gone, each participant's own ideas
 * ({@code ideas(participant, page)}, walked a page of one at a time) are its slot's idea as it is now, and the change feed holds exactly the events the model
 * expects of the step ({@link ScenarioEvents}): {@code idea.submitted} once per idea (never for a retry),
 * {@code idea.status_changed} with the old and new status for a move (nothing for a move to the status the idea
 * has), {@code idea.deleted} with the status and votes it had, {@code participant.deleted}, and nothing for votes.
 * Checked after every tenth step: the board's numbered pages of two, in both orders (MOST_VOTED: votes descending,
 * then id; NEWEST: id descending), all and in every status, hold the live ideas in the model's order (in the status
 * the model gave each) with the model's totals; each live participant's {@code hasVoted} and {@code votedIdeas}
 * (asked of every idea the run made, deleted ones too) are the model's voters; and the campaign's {@code boards()}
 * are the two boards, in creation order, the second closed.
 *
 * <p>Thread-safe: every run builds its own state. The outcome consumer is called on the thread running the runner.
 */
public final class FeedbackScenario {
  private static final int PARTICIPANTS = 5;
  private static final int IDEAS = 3;
  /**
   * The smallest sum of three seeds among 1..60, each run alone for 120 steps, that together reach every outcome
   * (chosen when the moves between statuses came, as ScenarioOutcomesTest holds them to).
   */
  private static final long[] DEFAULT_SEEDS = {1L, 2L, 3L};
  /** Every {@value}th step the board's pages and every participant's votes are read: 40 reads a step would slow it. */
  private static final int LIST_CHECK_EVERY = 10;
  private static final int IDEA_PAGE = 2;

  /** A vote that counted. */
  public static final String VOTED = "voted";
  /** A repeated vote. */
  public static final String REPEATED = "repeated";
  /** A withdrawal that counted. */
  public static final String WITHDRAWN = "withdrawn";
  /** A withdrawal of no vote. */
  public static final String NOTHING_TO_WITHDRAW = "nothing to withdraw";
  /** A vote or withdrawal by a deleted participant, or on a deleted idea; a deletion of a deleted idea. */
  public static final String NOT_FOUND = "NOT_FOUND";
  /** A participant deleted. */
  public static final String DELETED = "deleted";
  /** An idea deleted, with its votes. */
  public static final String IDEA_DELETED = "idea deleted";
  /** A submission retried with its key, answered with its idea. */
  public static final String REPLAYED = "replayed";
  /** A key retried with another title or for another participant. */
  public static final String KEY_CONFLICT = "CONFLICT on idempotencyKey";
  /** An idea moved to another status. */
  public static final String MOVED = "moved";
  /** An idea moved to DONE or DECLINED, after which its tally is final. */
  public static final String CLOSED_TALLY = "moved to DONE or DECLINED";
  /** A move to the status the idea has, answered unchanged. */
  public static final String SAME_STATUS = "moved to the status it has";
  /** A move of an idea that left OPEN back to OPEN. */
  public static final String BACK_TO_OPEN = "INVALID_TRANSITION on status";
  /** A vote or withdrawal on a DONE or DECLINED idea. */
  public static final String FINAL_TALLY = "CONFLICT on status";
  /** How often a moderator's move draws each status, in {@link IdeaStatus} order. */
  private static final int[] STATUS_WEIGHTS = {1, 3, 3, 3, 1, 1};

  private FeedbackScenario() {
  }

  /** A runner builder preconfigured with this scenario; set {@link ModelRunner.Builder#steps} and build it. */
  public static ModelRunner.Builder<Run, Model, Op> runner(LoyaltyEngine engine, Consumer<String> outcomes) {
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(outcomes, "outcomes");
    return ModelRunner.<Run, Model, Op>builder()
        .name("feedback")
        .system(() -> new Run(engine))
        .model(run -> new Model())
        .operations((random, previous) -> next(random))
        .step((run, model, op) -> apply(run, model, op, outcomes))
        .invariant(FeedbackScenario::check);
  }

  /** Three seeds whose 120-step sequences together reach every one of {@link #outcomes()}. A new array each call. */
  public static long[] defaultSeeds() {
    return DEFAULT_SEEDS.clone();
  }

  /** Every outcome the scenario tells its consumer about. */
  public static List<String> outcomes() {
    return List.of(VOTED, REPEATED, WITHDRAWN, NOTHING_TO_WITHDRAW, NOT_FOUND, DELETED, IDEA_DELETED, REPLAYED,
        KEY_CONFLICT, MOVED, CLOSED_TALLY, SAME_STATUS, BACK_TO_OPEN, FINAL_TALLY);
  }

  private static Op next(RandomGenerator random) {
    int roll = random.nextInt(100);
    int slot = random.nextInt(PARTICIPANTS);
    if (roll < 3) {
      return new Delete(slot);
    }
    if (roll < 6) {
      return new DeleteIdea(random.nextInt(IDEAS));
    }
    if (roll < 14) {
      return new Retry(random.nextInt(IDEAS), Retry.Variant.values()[slot % Retry.Variant.values().length]);
    }
    if (roll < 22) {
      int weight = random.nextInt(Arrays.stream(STATUS_WEIGHTS).sum());
      int status = 0;
      while (weight >= STATUS_WEIGHTS[status]) {
        weight -= STATUS_WEIGHTS[status++];
      }
      return new Move(random.nextInt(IDEAS), IdeaStatus.values()[status]);
    }
    return new Cast(slot, random.nextInt(IDEAS), roll < 66);
  }

  private static void apply(Run run, Model model, Op op, Consumer<String> outcomes) {
    model.steps++;
    if (op instanceof Delete d) {
      if (model.deleted.contains(d.slot())) {
        return;
      }
      Participant p = run.participants.get(d.slot());
      run.scope.participants().delete(ParticipantRef.id(p.id()));
      // Its ideas and votes go silently: its participant.deleted covers them.
      run.events.expect(EventType.PARTICIPANT_DELETED, p.campaignId(), p.id(), null,
          ScenarioEvents.fields("participant", participantFields(p)));
      model.deleted.add(d.slot());
      for (Set<Integer> voters : model.voters) {
        voters.remove(d.slot());
      }
      outcomes.accept(DELETED);
      return;
    }
    if (op instanceof DeleteIdea d) {
      // Idea i is written by participant i: gone with it.
      String expected = model.deleted.contains(d.idea()) ? NOT_FOUND : IDEA_DELETED;
      Idea gone = run.ideas.get(d.idea());
      long ideaId = gone.id();
      String actual = answer(() -> run.scope.feedback().deleteIdea(ideaId), IDEA_DELETED);
      assertEquals(expected, actual, op::toString);
      outcomes.accept(actual);
      if (actual.equals(IDEA_DELETED)) {
        run.expectIdea(EventType.IDEA_DELETED, gone, model.statuses[d.idea()], model.voters.get(d.idea()).size());
        assertEquals(NOT_FOUND, answer(() -> run.scope.feedback().deleteIdea(ideaId), IDEA_DELETED),
            () -> op + " again");
        outcomes.accept(NOT_FOUND);
        run.deletedIdeas.add(ideaId);
        model.voters.get(d.idea()).clear();
        model.statuses[d.idea()] = IdeaStatus.OPEN;
        run.submit(d.idea(), NewIdea.of("i" + d.idea() + " again")
            .withIdempotencyKey("i" + d.idea() + "-" + run.deletedIdeas.size()));
      }
      return;
    }
    if (op instanceof Retry r) {
      retry(run, model, r, outcomes);
      return;
    }
    if (op instanceof Move m) {
      move(run, model, m, outcomes);
      return;
    }
    Cast c = (Cast) op;
    String expected;
    if (model.deleted.contains(c.slot()) || model.deleted.contains(c.idea())) {
      expected = NOT_FOUND;
    } else if (!model.statuses[c.idea()].takesVotes()) {
      expected = FINAL_TALLY; // its voters stay as they are
    } else if (c.up()) {
      expected = model.voters.get(c.idea()).add(c.slot()) ? VOTED : REPEATED;
    } else {
      expected = model.voters.get(c.idea()).remove(c.slot()) ? WITHDRAWN : NOTHING_TO_WITHDRAW;
    }
    String actual;
    try {
      ParticipantRef ref = ParticipantRef.id(run.participants.get(c.slot()).id());
      long ideaId = run.ideas.get(c.idea()).id();
      VoteResult r = c.up() ? run.scope.feedback().vote(ref, ideaId) : run.scope.feedback().withdrawVote(ref, ideaId);
      actual = r.changed() ? (c.up() ? VOTED : WITHDRAWN) : (c.up() ? REPEATED : NOTHING_TO_WITHDRAW);
      assertEquals(model.voters.get(c.idea()).size(), r.votes(), () -> op + ": votes after");
    } catch (LoyaltyException e) {
      actual = e.code() == ErrorCode.NOT_FOUND ? NOT_FOUND : e.code() + e.field().map(f -> " on " + f).orElse("");
    }
    assertEquals(expected, actual, op::toString);
    outcomes.accept(actual);
  }

  /**
   * A moderator moves a slot's idea: to another status than OPEN it moves (its event with the old and new status),
   * to the status it has it stays as it is (no event), back to OPEN from another it is INVALID_TRANSITION on status;
   * an idea gone with its author is NOT_FOUND.
   */
  private static void move(Run run, Model model, Move m, Consumer<String> outcomes) {
    IdeaStatus before = model.statuses[m.idea()];
    String expected = model.deleted.contains(m.idea()) ? NOT_FOUND
        : m.status() == before ? SAME_STATUS
        : m.status() == IdeaStatus.OPEN ? BACK_TO_OPEN : MOVED;
    Idea known = run.ideas.get(m.idea());
    String actual;
    try {
      Idea got = run.scope.feedback().setStatus(known.id(), m.status());
      assertEquals(List.of(known.id(), m.status(), (long) model.voters.get(m.idea()).size()),
          List.of(got.id(), got.status(), got.votes()), () -> m + ": the idea in its status, its votes kept");
      actual = before == m.status() ? SAME_STATUS : MOVED;
    } catch (LoyaltyException e) {
      actual = e.code() == ErrorCode.NOT_FOUND ? NOT_FOUND : e.code() + e.field().map(f -> " on " + f).orElse("");
    }
    assertEquals(expected, actual, () -> m + " from " + before);
    outcomes.accept(actual);
    if (actual.equals(MOVED)) {
      model.statuses[m.idea()] = m.status();
      run.events.expect(EventType.IDEA_STATUS_CHANGED, run.campaignId, known.participantId(), null,
          ScenarioEvents.fields("idea", run.ideaFields(known, m.status(), model.voters.get(m.idea()).size()),
              "oldStatus", before.name(), "newStatus", m.status().name()));
      if (!m.status().takesVotes()) {
        outcomes.accept(CLOSED_TALLY);
      }
    }
  }

  /**
   * Sends the submission of a slot's idea again with its key: as it was, with another title, or for another
   * participant (slot 3 or 4, who write no idea). For another participant once the author is deleted (its ideas, and
   * so the key, gone with it), nothing is sent: the submission would be a new idea outside the model's slots.
   */
  private static void retry(Run run, Model model, Retry r, Consumer<String> outcomes) {
    int other = PARTICIPANTS - 2 + r.idea() % 2;
    boolean authorGone = model.deleted.contains(r.idea());
    if (r.variant() == Retry.Variant.OTHER_PARTICIPANT && authorGone) {
      return;
    }
    NewIdea first = run.requests.get(r.idea());
    int sender = r.variant() == Retry.Variant.OTHER_PARTICIPANT ? other : r.idea();
    NewIdea request = r.variant() == Retry.Variant.OTHER_TITLE
        ? new NewIdea(first.title() + " (edited)", first.body(), first.idempotencyKey()) : first;
    String expected = model.deleted.contains(sender) ? NOT_FOUND
        : r.variant() == Retry.Variant.SAME ? REPLAYED : KEY_CONFLICT;
    String actual;
    try {
      Idea got = run.scope.feedback().submitIdea(ParticipantRef.id(run.participants.get(sender).id()), run.boardId,
          request);
      Idea now = run.ideas.get(r.idea());
      assertEquals(now.id(), got.id(), () -> r + ": the slot's idea, not another");
      assertEquals(model.voters.get(r.idea()).size(), got.votes(), () -> r + ": the idea's votes as they are now");
      assertEquals(now.title(), got.title(), () -> r + ": title");
      assertEquals(model.statuses[r.idea()], got.status(), () -> r + ": the idea's status as it is now");
      actual = REPLAYED;
    } catch (LoyaltyException e) {
      actual = e.code() == ErrorCode.NOT_FOUND ? NOT_FOUND : e.code() + e.field().map(f -> " on " + f).orElse("");
    }
    assertEquals(expected, actual, r::toString);
    outcomes.accept(actual);
  }

  /** The fields of a participant event's participant that the scenario knows. */
  private static Some participantFields(Participant p) {
    return new Some(ScenarioEvents.fields("id", p.id(), "campaignId", p.campaignId(), "email", p.email(),
        "pointsBalance", 0L, "lifetimePoints", 0L));
  }

  /** {@code done} after {@code call} went through, else what it was refused with. */
  private static String answer(Runnable call, String done) {
    try {
      call.run();
      return done;
    } catch (LoyaltyException e) {
      return e.code() == ErrorCode.NOT_FOUND ? NOT_FOUND : e.code() + e.field().map(f -> " on " + f).orElse("");
    }
  }

  private static void check(Run run, Model model) {
    run.events.check("the events of the step");
    for (long ideaId : run.deletedIdeas) {
      assertEquals(NOT_FOUND, answer(() -> run.scope.feedback().idea(ideaId), "found"), "deleted idea " + ideaId);
    }
    for (int i = 0; i < IDEAS; i++) {
      long ideaId = run.ideas.get(i).id();
      // Idea i is written by participant i: deleted with it.
      if (model.deleted.contains(i)) {
        LoyaltyException e = org.junit.jupiter.api.Assertions.assertThrows(LoyaltyException.class,
            () -> run.scope.feedback().idea(ideaId), "idea " + i + " deleted with its author");
        assertEquals(ErrorCode.NOT_FOUND, e.code());
      } else {
        assertEquals(model.voters.get(i).size(), run.scope.feedback().idea(ideaId).votes(), "votes of idea " + i);
      }
    }
    // A participant's own ideas: its slot's idea as it is now, never one a moderator deleted; none past the slots.
    for (int p = 0; p < PARTICIPANTS; p++) {
      if (!model.deleted.contains(p)) {
        ParticipantRef author = ParticipantRef.id(run.participants.get(p).id());
        List<Idea> own = Pages.all(page -> run.scope.feedback().ideas(author, page), 1);
        assertEquals(p < IDEAS ? List.of(run.scope.feedback().idea(run.ideas.get(p).id())) : List.of(), own,
            "the ideas participant " + p + " submitted");
      }
    }
    if (model.steps % LIST_CHECK_EVERY == 0) {
      checkBoardAndVotes(run, model);
    }
  }

  /**
   * The board's ideas, a numbered page of {@value #IDEA_PAGE} at a time in both orders, all and in every status, are
   * the live ideas (those of an author not deleted) in the model's order (MOST_VOTED: votes descending, then id;
   * NEWEST: id descending), each as read by id, with the page's totals; each live participant's {@code hasVoted} of
   * every live idea and {@code votedIdeas} of every idea the run made (deleted ones too, which no vote is counted on)
   * are the model's voters.
   */
  private static void checkBoardAndVotes(Run run, Model model) {
    List<Integer> live = new ArrayList<>();
    for (int i = 0; i < IDEAS; i++) {
      if (!model.deleted.contains(i)) {
        live.add(i);
      }
    }
    for (IdeaOrder order : IdeaOrder.values()) {
      Comparator<Integer> by = order == IdeaOrder.NEWEST
          ? Comparator.comparingLong((Integer i) -> run.ideas.get(i).id()).reversed()
          : Comparator.comparingInt((Integer i) -> -model.voters.get(i).size())
              .thenComparingLong(i -> run.ideas.get(i).id());
      List<Integer> slots = live.stream().sorted(by).toList();
      List<Idea> ordered = slots.stream().map(i -> run.scope.feedback().idea(run.ideas.get(i).id())).toList();
      for (int i = 0; i < ordered.size(); i++) {
        int slot = slots.get(i);
        assertEquals(model.statuses[slot], ordered.get(i).status(), "the status of idea " + slot + " in " + model);
      }
      List<IdeaStatus> statuses = new ArrayList<>(Arrays.asList(IdeaStatus.values()));
      statuses.add(null);
      for (IdeaStatus status : statuses) {
        List<Idea> expected = ordered.stream().filter(idea -> status == null || idea.status() == status).toList();
        long pages = (expected.size() + IDEA_PAGE - 1) / IDEA_PAGE;
        for (int page = 1; page <= Math.max(1, pages); page++) {
          List<Idea> items = expected.subList(Math.min(expected.size(), (page - 1) * IDEA_PAGE),
              Math.min(expected.size(), page * IDEA_PAGE));
          NumberedPage<Idea> got = run.scope.feedback().ideas(run.boardId, status, order,
              PageRequest.of(page, IDEA_PAGE));
          assertEquals(new NumberedPage<>(items, page, IDEA_PAGE, expected.size(), pages), got,
              "page " + page + " of the board's " + (status == null ? "" : status + " ") + "ideas, " + order
                  + ", in " + model);
        }
      }
    }
    assertEquals(List.of(run.board, run.closedBoard), run.scope.feedback().boards(run.campaignId),
        "the campaign's boards, in creation order");
    List<Long> every = new ArrayList<>(run.deletedIdeas);
    run.ideas.forEach(idea -> every.add(idea.id()));
    for (int p = 0; p < PARTICIPANTS; p++) {
      if (model.deleted.contains(p)) {
        continue;
      }
      ParticipantRef ref = ParticipantRef.id(run.participants.get(p).id());
      Set<Long> voted = new HashSet<>();
      for (int i : live) {
        boolean has = model.voters.get(i).contains(p);
        assertEquals(has, run.scope.feedback().hasVoted(ref, run.ideas.get(i).id()),
            "hasVoted(p" + p + ", i" + i + ") in " + model);
        if (has) {
          voted.add(run.ideas.get(i).id());
        }
      }
      assertEquals(voted, run.scope.feedback().votedIdeas(ref, every), "votedIdeas(p" + p + ") in " + model);
    }
  }

  /**
   * One run's system under test: a fresh tenant with a board, five participants and three ideas (the ideas a
   * moderator deleted aside). Not thread-safe: used by one run.
   */
  public static final class Run {
    private final TenantScope scope;
    private final ScenarioEvents events;
    private final long boardId;
    private final FeedbackBoard board;
    /** A second board of the campaign, closed at once: no idea goes to it. */
    private final FeedbackBoard closedBoard;
    private final long campaignId;
    private final List<Participant> participants = new ArrayList<>();
    private final List<Idea> ideas = new ArrayList<>();
    /** The submission of each slot's idea, key included, as a retry sends it again. */
    private final List<NewIdea> requests = new ArrayList<>();
    private final List<Long> deletedIdeas = new ArrayList<>();

    Run(LoyaltyEngine engine) {
      this.scope = engine.forTenant(engine.tenants().create(NewTenant.business("Feedback model run")).id());
      this.events = new ScenarioEvents(engine, scope);
      Campaign campaign = scope.campaigns().create(NewCampaign.running(
          scope.brands().create(new NewBrand("Model shop", "https://model.example.com")).id(), "Model campaign"));
      this.campaignId = campaign.id();
      this.board = scope.feedback().createBoard(NewFeedbackBoard.of(campaign.id(), "Ideas"));
      this.boardId = board.id();
      FeedbackBoard second = scope.feedback().createBoard(NewFeedbackBoard.of(campaign.id(), "Archive"));
      this.closedBoard = scope.feedback().closeBoard(second.id());
      assertEquals(new FeedbackBoard(second.id(), second.tenantId(), campaignId, second.name(),
          second.description(), false, second.createdAt()), closedBoard, "the second board, closed");
      for (int i = 0; i < PARTICIPANTS; i++) {
        Participant p = scope.participants().create(campaign.id(), NewParticipant.withEmail("p" + i + "@m.example"));
        participants.add(p);
        events.expect(EventType.PARTICIPANT_CREATED, campaign.id(), p.id(), null,
            ScenarioEvents.fields("participant", participantFields(p)));
      }
      for (int i = 0; i < IDEAS; i++) {
        ideas.add(null);
        requests.add(null);
        submit(i, NewIdea.of("i" + i).withIdempotencyKey("i" + i + "-0"));
      }
    }

    /** Submits the idea of slot {@code slot} (written by the participant of the same slot), expecting its event. */
    private void submit(int slot, NewIdea request) {
      Idea idea = scope.feedback().submitIdea(ParticipantRef.id(participants.get(slot).id()), boardId, request);
      ideas.set(slot, idea);
      requests.set(slot, request);
      expectIdea(EventType.IDEA_SUBMITTED, idea, IdeaStatus.OPEN, 0);
    }

    /** Expects an event about an idea, as the model knows it: in {@code status}, with {@code votes}. */
    private void expectIdea(EventType type, Idea idea, IdeaStatus status, int votes) {
      events.expect(type, campaignId, idea.participantId(), null, ScenarioEvents.fields("idea",
          ideaFields(idea, status, votes)));
    }

    /** The fields of an event's idea that the model knows. */
    private Some ideaFields(Idea idea, IdeaStatus status, int votes) {
      return new Some(ScenarioEvents.fields("id", Long.toString(idea.id()), "boardId", boardId, "participantId",
          idea.participantId(), "title", idea.title(), "body", "", "status", status.name(), "votes", (long) votes));
    }

    @Override
    public String toString() {
      return "FeedbackScenario.Run[tenant=" + scope.tenantId() + "]";
    }
  }

  /** Who votes for each idea, each idea's status, and who has been deleted. Not thread-safe: used by one run. */
  public static final class Model {
    private final List<Set<Integer>> voters = new ArrayList<>();
    /** Each slot's idea's status: OPEN when submitted. */
    private final IdeaStatus[] statuses = new IdeaStatus[IDEAS];
    private final Set<Integer> deleted = new HashSet<>();
    private int steps;

    Model() {
      for (int i = 0; i < IDEAS; i++) {
        voters.add(new HashSet<>());
      }
      Arrays.fill(statuses, IdeaStatus.OPEN);
    }

    @Override
    public String toString() {
      return "FeedbackScenario.Model[voters=" + voters + ", statuses=" + Arrays.toString(statuses) + ", deleted="
          + deleted + "]";
    }
  }

  /** An operation of the scenario, naming participants and ideas by slot. Immutable and thread-safe. */
  public sealed interface Op permits Cast, Delete, DeleteIdea, Move, Retry {
  }

  /**
   * A moderator moves the idea in {@code idea} to {@code status}. Immutable.
   *
   * @param idea the idea's slot, 0..2
   * @param status the status to move it to
   */
  public record Move(int idea, IdeaStatus status) implements Op {
    @Override
    public String toString() {
      return "move i" + idea + " to " + status;
    }
  }

  /**
   * The submission of the idea in {@code idea} sent again with its key, as it was or changed. Immutable.
   *
   * @param idea the idea's slot, 0..2
   * @param variant what is sent
   */
  public record Retry(int idea, Variant variant) implements Op {
    /** What a retry sends. Immutable and thread-safe. */
    public enum Variant {
      /** The submission as it was, by its author. */
      SAME,
      /** The submission with another title, by its author. */
      OTHER_TITLE,
      /** The submission as it was, for another participant. */
      OTHER_PARTICIPANT
    }

    @Override
    public String toString() {
      return "retry i" + idea + " " + variant;
    }
  }

  /**
   * The participant in {@code slot} votes for (up) or withdraws its vote from the idea in {@code idea}. Immutable.
   *
   * @param slot the participant's slot, 0..4
   * @param idea the idea's slot, 0..2 (written by the participant of the same slot)
   * @param up a vote, else a withdrawal
   */
  public record Cast(int slot, int idea, boolean up) implements Op {
    @Override
    public String toString() {
      return "p" + slot + (up ? " votes for i" : " withdraws from i") + idea;
    }
  }

  /**
   * Deletes the participant in {@code slot}. Immutable.
   *
   * @param slot the participant's slot, 0..4
   */
  public record Delete(int slot) implements Op {
    @Override
    public String toString() {
      return "delete p" + slot;
    }
  }

  /**
   * A moderator deletes the idea in {@code idea}. Immutable.
   *
   * @param idea the idea's slot, 0..2
   */
  public record DeleteIdea(int idea) implements Op {
    @Override
    public String toString() {
      return "delete i" + idea;
    }
  }
}
