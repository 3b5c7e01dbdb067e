package io.loyaltyengine.testkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.feedback.FeedbackBoard;
import io.loyaltyengine.feedback.Idea;
import io.loyaltyengine.feedback.NewFeedbackBoard;
import io.loyaltyengine.feedback.NewIdea;
import io.loyaltyengine.feedback.VoteResult;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.tenant.NewTenant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Feedback votes of a real engine, driven against a reference model by a {@link ModelRunner}: seeded sequences of
 * votes, withdrawals, participant deletions and idea deletions by five participants on three idea slots (written by
 * the first three). A moderator's deletion of an idea takes its votes; its author then submits a new idea in its slot,
 * with none.
 *
 * <p>Checked at every step: a vote or withdrawal changes the tally exactly when the model says (a repeat or a
 * withdrawal of no vote answers {@code changed=false}), a deleted participant or idea is NOT_FOUND, and so are
 * deleting an idea again and deleting one that went with its author. Checked after every step: every idea's counter
 * is the model's set of voters' size, and every deleted idea, and a deleted author's, is gone.
 *
 * <p>Thread-safe: every run builds its own state. The outcome consumer is called on the thread running the runner.
 */
public final class FeedbackScenario {
  private static final int PARTICIPANTS = 5;
  private static final int IDEAS = 3;
  private static final long[] DEFAULT_SEEDS = {21L, 22L, 23L};

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
    return List.of(VOTED, REPEATED, WITHDRAWN, NOTHING_TO_WITHDRAW, NOT_FOUND, DELETED, IDEA_DELETED);
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
    return new Cast(slot, random.nextInt(IDEAS), roll < 65);
  }

  private static void apply(Run run, Model model, Op op, Consumer<String> outcomes) {
    if (op instanceof Delete d) {
      if (model.deleted.contains(d.slot())) {
        return;
      }
      run.scope.participants().delete(ParticipantRef.id(run.participants.get(d.slot()).id()));
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
      long ideaId = run.ideas.get(d.idea()).id();
      String actual = answer(() -> run.scope.feedback().deleteIdea(ideaId), IDEA_DELETED);
      assertEquals(expected, actual, op::toString);
      outcomes.accept(actual);
      if (actual.equals(IDEA_DELETED)) {
        assertEquals(NOT_FOUND, answer(() -> run.scope.feedback().deleteIdea(ideaId), IDEA_DELETED),
            () -> op + " again");
        outcomes.accept(NOT_FOUND);
        run.deletedIdeas.add(ideaId);
        model.voters.get(d.idea()).clear();
        run.ideas.set(d.idea(), run.scope.feedback().submitIdea(ParticipantRef.id(run.participants.get(d.idea()).id()),
            run.boardId, NewIdea.of("i" + d.idea() + " again")));
      }
      return;
    }
    Cast c = (Cast) op;
    String expected;
    if (model.deleted.contains(c.slot()) || model.deleted.contains(c.idea())) {
      expected = NOT_FOUND;
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
  }

  /**
   * One run's system under test: a fresh tenant with a board, five participants and three ideas (the ideas a
   * moderator deleted aside). Not thread-safe: used by one run.
   */
  public static final class Run {
    private final TenantScope scope;
    private final long boardId;
    private final List<Participant> participants = new ArrayList<>();
    private final List<Idea> ideas = new ArrayList<>();
    private final List<Long> deletedIdeas = new ArrayList<>();

    Run(LoyaltyEngine engine) {
      this.scope = engine.forTenant(engine.tenants().create(NewTenant.business("Feedback model run")).id());
      Campaign campaign = scope.campaigns().create(NewCampaign.running(
          scope.brands().create(new NewBrand("Model shop", "https://model.example.com")).id(), "Model campaign"));
      FeedbackBoard board = scope.feedback().createBoard(NewFeedbackBoard.of(campaign.id(), "Ideas"));
      this.boardId = board.id();
      for (int i = 0; i < PARTICIPANTS; i++) {
        participants.add(scope.participants().create(campaign.id(), NewParticipant.withEmail("p" + i + "@m.example")));
      }
      for (int i = 0; i < IDEAS; i++) {
        ideas.add(scope.feedback().submitIdea(ParticipantRef.id(participants.get(i).id()), board.id(),
            NewIdea.of("i" + i)));
      }
    }

    @Override
    public String toString() {
      return "FeedbackScenario.Run[tenant=" + scope.tenantId() + "]";
    }
  }

  /** Who votes for each idea, and who has been deleted. Not thread-safe: used by one run. */
  public static final class Model {
    private final List<Set<Integer>> voters = new ArrayList<>();
    private final Set<Integer> deleted = new HashSet<>();

    Model() {
      for (int i = 0; i < IDEAS; i++) {
        voters.add(new HashSet<>());
      }
    }

    @Override
    public String toString() {
      return "FeedbackScenario.Model[voters=" + voters + ", deleted=" + deleted + "]";
    }
  }

  /** An operation of the scenario, naming participants and ideas by slot. Immutable and thread-safe. */
  public sealed interface Op permits Cast, Delete, DeleteIdea {
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
