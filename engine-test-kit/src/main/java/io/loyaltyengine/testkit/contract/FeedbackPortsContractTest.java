package io.loyaltyengine.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.core.spi.UniqueViolationException;
import io.loyaltyengine.feedback.FeedbackBoard;
import io.loyaltyengine.feedback.FeedbackBoardUpdate;
import io.loyaltyengine.feedback.Idea;
import io.loyaltyengine.feedback.IdeaOrder;
import io.loyaltyengine.feedback.IdeaStatus;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The feedback port's contract suite, held to its javadoc below the engine on every storage backend: boards and ideas
 * read back as written, boards by campaign, a board's update of its name and description alone, moves only from the statuses given, one vote per participant and idea
 * by insert-if-absent, counters moved only by the conditional updates (never below zero, only in the statuses
 * given), pages of ideas in both orders by status, an idea's deletion with its votes, a participant's deletion,
 * tenant isolation, the undo of every write, and racing votes on two storages keeping the counter equal to the rows.
 * Races through the engine are in the JDBC module's {@code FeedbackRace*} tests.
 *
 * <p>A backend's test extends this class and supplies its fixture (see {@link ReferralPortsContractTest}).
 * Not thread-safe: JUnit creates an instance per test method.
 */
public abstract class FeedbackPortsContractTest extends PortsContractSupport {
  /** Microseconds: every backend keeps them. */
  private static final Instant T0 = Instant.parse("2025-05-02T10:00:00.654321Z");
  private static final List<IdeaStatus> TAKING_VOTES =
      Arrays.stream(IdeaStatus.values()).filter(IdeaStatus::takesVotes).toList();

  @Test
  void boardsRoundTripAndListByCampaignAndOpenOrCloseInTheirTenantOnly() {
    Campaign campaign = campaign(tenant(T0), T0);
    Campaign other = campaign(campaign.tenantId(), T0);
    long t = campaign.tenantId();
    FeedbackBoard first = board(campaign, "Ideas 🎁 «merci»", "What should we build?");
    FeedbackBoard second = board(campaign, "Bugs", "");
    FeedbackBoard elsewhere = board(other, "Other", "");
    assertEquals(Optional.of(first), tx(tx -> tx.feedback().findBoard(t, first.id())));
    assertEquals(List.of(first, second), tx(tx -> tx.feedback().boards(t, campaign.id())));
    assertEquals(List.of(elsewhere), tx(tx -> tx.feedback().boards(t, other.id())));

    assertTrue(test(tx -> tx.feedback().setBoardOpen(t, first.id(), false)));
    assertFalse(tx(tx -> tx.feedback().findBoard(t, first.id())).orElseThrow().open());
    assertTrue(test(tx -> tx.feedback().setBoardOpen(t, first.id(), false)), "closing again finds it");
    assertTrue(test(tx -> tx.feedback().setBoardOpen(t, first.id(), true)));
    assertTrue(tx(tx -> tx.feedback().findBoard(t, first.id())).orElseThrow().open());

    long stranger = tenant(T0);
    assertFalse(test(tx -> tx.feedback().setBoardOpen(stranger, first.id(), false)), "another tenant's board");
    assertEquals(Optional.empty(), tx(tx -> tx.feedback().findBoard(stranger, first.id())));
    assertEquals(List.of(), tx(tx -> tx.feedback().boards(stranger, campaign.id())));
    assertTrue(tx(tx -> tx.feedback().findBoard(t, first.id())).orElseThrow().open());
    assertThrows(RuntimeException.class, () -> run(tx -> tx.feedback().insertBoard(new FeedbackBoard(nextId(),
        stranger, campaign.id(), "x", "", true, T0))), "a board of a campaign of another tenant");
  }

  @Test
  void aBoardUpdateReplacesNameAndDescriptionOnlyAndReturnsTheRowItWrote() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    FeedbackBoard closed = board(campaign, "Ideas", "What should we build?");
    FeedbackBoard sibling = board(campaign, "Bugs", "");
    Idea idea = idea(closed, nextId(), "Dark mode", "");
    run(tx -> tx.feedback().setBoardOpen(t, closed.id(), false));

    FeedbackBoard updated = tx(tx -> tx.feedback().updateBoard(t, closed.id(),
        new FeedbackBoardUpdate("Ideas 🎁 — Zoë's", "«Next» steps"))).orElseThrow();
    assertEquals(new FeedbackBoard(closed.id(), t, campaign.id(), "Ideas 🎁 — Zoë's", "«Next» steps", false, T0),
        updated, "closed, of its campaign and created when it was");
    assertEquals(Optional.of(updated), tx(tx -> tx.feedback().findBoard(t, closed.id())), "returned as stored");
    assertEquals(List.of(updated, sibling), tx(tx -> tx.feedback().boards(t, campaign.id())),
        "the list sees it; the sibling is untouched");
    assertEquals(Optional.of(idea), tx(tx -> tx.feedback().findIdea(t, idea.id())), "its ideas stay");
    assertEquals("", tx(tx -> tx.feedback().updateBoard(t, closed.id(), new FeedbackBoardUpdate("Ideas", "")))
        .orElseThrow().description(), "an empty description is none");

    long stranger = tenant(T0);
    FeedbackBoardUpdate other = new FeedbackBoardUpdate("Other", "Other");
    assertEquals(Optional.empty(), tx(tx -> tx.feedback().updateBoard(stranger, closed.id(), other)),
        "another tenant's board");
    assertEquals(Optional.empty(), tx(tx -> tx.feedback().updateBoard(t, nextId(), other)), "no such board");
    assertThrows(IllegalStateException.class, () -> run(tx -> {
      tx.feedback().updateBoard(t, closed.id(), other);
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(Optional.of(new FeedbackBoard(closed.id(), t, campaign.id(), "Ideas", "", false, T0)),
        tx(tx -> tx.feedback().findBoard(t, closed.id())),
        "neither another tenant's update nor a rolled-back one changed it");
  }

  @Test
  void ideasRoundTripAndMoveOnlyFromTheStatusesGiven() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    FeedbackBoard b = board(campaign, "Ideas", "");
    Idea full = idea(b, nextId(), "Dark mode 🌙", "Please — «soon»");
    Idea bare = idea(b, nextId(), "x", "");
    assertEquals(Optional.of(full), tx(tx -> tx.feedback().findIdea(t, full.id())));
    assertEquals(Optional.of(bare), tx(tx -> tx.feedback().findIdea(t, bare.id())));
    assertEquals(Optional.of(full), tx(tx -> tx.feedback().lockIdea(t, full.id())), "locked, as found");

    Instant at = T0.plusSeconds(60);
    assertFalse(test(tx -> tx.feedback().moveIdea(t, full.id(), List.of(IdeaStatus.PLANNED), IdeaStatus.DONE, at)));
    assertFalse(test(tx -> tx.feedback().moveIdea(t, full.id(), List.of(), IdeaStatus.DONE, at)));
    assertEquals(full, tx(tx -> tx.feedback().findIdea(t, full.id())).orElseThrow());
    assertTrue(test(tx -> tx.feedback().moveIdea(t, full.id(), List.of(IdeaStatus.OPEN, IdeaStatus.PLANNED),
        IdeaStatus.PLANNED, at)));
    Idea planned = tx(tx -> tx.feedback().findIdea(t, full.id())).orElseThrow();
    assertEquals(new Idea(full.id(), t, b.id(), full.participantId(), full.title(), full.body(), IdeaStatus.PLANNED,
        0, T0, at), planned);

    long stranger = tenant(T0);
    assertFalse(test(tx -> tx.feedback().moveIdea(stranger, full.id(), List.of(IdeaStatus.values()),
        IdeaStatus.DONE, at)), "another tenant's idea");
    assertEquals(Optional.empty(), tx(tx -> tx.feedback().findIdea(stranger, full.id())));
    assertEquals(Optional.empty(), tx(tx -> tx.feedback().lockIdea(stranger, full.id())));
    assertThrows(RuntimeException.class, () -> run(tx -> tx.feedback().insertIdea(new Idea(nextId(), stranger,
        b.id(), nextId(), "x", "", IdeaStatus.OPEN, 0, T0, T0), null)), "an idea on a board of another tenant");
  }

  @Test
  void aVoteIsStoredOnceAndTheCounterMovesOnlyByItsConditionalUpdates() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    Idea i = idea(board(campaign, "Ideas", ""), nextId(), "Idea", "");
    long voter = nextId();
    assertTrue(test(tx -> tx.feedback().insertVoteIfAbsent(t, i.id(), voter, T0)));
    assertTrue(test(tx -> {
      boolean inserted = tx.feedback().insertVoteIfAbsent(t, i.id(), voter, T0);
      // The unit of work stays usable after the insert that found the vote.
      return !inserted && tx.feedback().countVotes(t, i.id()) == 1;
    }));
    assertTrue(test(tx -> tx.feedback().insertVoteIfAbsent(t, i.id(), nextId(), T0)), "another voter");
    assertEquals(2L, countVotes(t, i.id()));

    assertFalse(test(tx -> tx.feedback().decrementVotes(t, i.id(), TAKING_VOTES)), "never below zero");
    assertTrue(test(tx -> tx.feedback().incrementVotes(t, i.id(), TAKING_VOTES)));
    assertTrue(test(tx -> tx.feedback().incrementVotes(t, i.id(), TAKING_VOTES)));
    assertEquals(2, votes(t, i.id()));
    assertFalse(test(tx -> tx.feedback().incrementVotes(t, i.id(), List.of(IdeaStatus.DONE))), "not while OPEN");
    assertFalse(test(tx -> tx.feedback().decrementVotes(t, i.id(), List.of(IdeaStatus.DONE))), "not while OPEN");
    assertFalse(test(tx -> tx.feedback().incrementVotes(t, i.id(), List.of())));
    long stranger = tenant(T0);
    assertFalse(test(tx -> tx.feedback().incrementVotes(stranger, i.id(), TAKING_VOTES)), "another tenant");
    assertFalse(test(tx -> tx.feedback().incrementVotes(t, nextId(), TAKING_VOTES)), "no such idea");
    assertEquals(2, votes(t, i.id()));
    assertTrue(test(tx -> tx.feedback().decrementVotes(t, i.id(), TAKING_VOTES)));
    assertEquals(1, votes(t, i.id()));

    assertFalse(test(tx -> tx.feedback().deleteVote(stranger, i.id(), voter)), "another tenant's vote");
    assertTrue(test(tx -> tx.feedback().deleteVote(t, i.id(), voter)));
    assertFalse(test(tx -> tx.feedback().deleteVote(t, i.id(), voter)), "deleted once");
    assertEquals(1L, countVotes(t, i.id()));
    assertTrue(test(tx -> tx.feedback().insertVoteIfAbsent(t, i.id(), voter, T0)), "its key is free again");
  }

  @Test
  void aVoteIsFoundByItsTenantIdeaAndParticipant() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    FeedbackBoard b = board(campaign, "Ideas", "");
    Idea i = idea(b, nextId(), "Idea", "");
    Idea other = idea(b, nextId(), "Other", "");
    long voter = nextId();
    assertFalse(hasVote(t, i.id(), voter), "not yet");
    assertTrue(test(tx -> tx.feedback().insertVoteIfAbsent(t, i.id(), voter, T0)));
    assertTrue(hasVote(t, i.id(), voter));
    assertFalse(hasVote(t, other.id(), voter), "another idea");
    assertFalse(hasVote(t, i.id(), nextId()), "another participant");
    assertFalse(hasVote(tenant(T0), i.id(), voter), "another tenant");
    assertTrue(test(tx -> tx.feedback().deleteVote(t, i.id(), voter)));
    assertFalse(hasVote(t, i.id(), voter), "withdrawn");
  }

  @Test
  void theIdeasAParticipantVotedOnAreFoundAmongThoseAskedInOneRead() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    FeedbackBoard b = board(campaign, "Ideas", "");
    Idea voted = idea(b, nextId(), "Voted", "");
    Idea alsoVoted = idea(b, nextId(), "Also voted", "");
    Idea withdrawn = idea(b, nextId(), "Withdrawn", "");
    Idea notVoted = idea(b, nextId(), "Not voted", "");
    long voter = nextId();
    long other = nextId();
    for (Idea i : List.of(voted, alsoVoted, withdrawn)) {
      assertTrue(test(tx -> tx.feedback().insertVoteIfAbsent(t, i.id(), voter, T0)));
    }
    assertTrue(test(tx -> tx.feedback().insertVoteIfAbsent(t, notVoted.id(), other, T0)));
    assertTrue(test(tx -> tx.feedback().deleteVote(t, withdrawn.id(), voter)));
    List<Long> asked = List.of(voted.id(), alsoVoted.id(), withdrawn.id(), notVoted.id(), nextId());
    assertEquals(Set.of(voted.id(), alsoVoted.id()), tx(tx -> tx.feedback().votedIdeas(t, voter, asked)));
    assertEquals(Set.of(notVoted.id()), tx(tx -> tx.feedback().votedIdeas(t, other, asked)), "another voter");
    long another = tenant(T0);
    assertEquals(Set.of(), tx(tx -> tx.feedback().votedIdeas(another, voter, asked)), "another tenant");
    assertEquals(Set.of(), tx(tx -> tx.feedback().votedIdeas(t, voter, List.of())), "none asked");
    assertEquals(Set.of(alsoVoted.id()), tx(tx -> tx.feedback().votedIdeas(t, voter,
        List.of(alsoVoted.id(), notVoted.id()))), "only those asked");
  }

  @Test
  void pagesOfIdeasAreMostVotedWithTiesByIdOrNewestFirstByStatus() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    FeedbackBoard b = board(campaign, "Ideas", "");
    FeedbackBoard other = board(campaign, "Other", "");
    long first = nextIds(5);
    int[] votes = {1, 3, 0, 3, 2};
    for (int n = 0; n < 5; n++) {
      idea(b, first + n, "I" + n, "");
      for (int v = 0; v < votes[n]; v++) {
        long id = first + n;
        run(tx -> tx.feedback().incrementVotes(t, id, TAKING_VOTES));
      }
    }
    idea(other, nextId(), "elsewhere", "");
    run(tx -> tx.feedback().moveIdea(t, first + 3, List.of(IdeaStatus.OPEN), IdeaStatus.PLANNED, T0));

    assertEquals(List.of("I1", "I3", "I4", "I0", "I2"), titles(t, b.id(), null, IdeaOrder.MOST_VOTED, 0, 10));
    assertEquals(List.of("I4", "I0"), titles(t, b.id(), null, IdeaOrder.MOST_VOTED, 2, 2));
    assertEquals(List.of("I4", "I3", "I2", "I1", "I0"), titles(t, b.id(), null, IdeaOrder.NEWEST, 0, 10));
    assertEquals(List.of("I1"), titles(t, b.id(), null, IdeaOrder.NEWEST, 3, 1));
    assertEquals(List.of("I1", "I4", "I0", "I2"), titles(t, b.id(), IdeaStatus.OPEN, IdeaOrder.MOST_VOTED, 0, 10));
    assertEquals(List.of("I3"), titles(t, b.id(), IdeaStatus.PLANNED, IdeaOrder.NEWEST, 0, 10));
    assertEquals(List.of(), titles(t, b.id(), null, IdeaOrder.NEWEST, 5, 10));
    assertEquals(List.of(), titles(t, b.id(), null, IdeaOrder.NEWEST, 0, 0));
    assertEquals(5L, countIdeas(t, b.id(), null));
    assertEquals(4L, countIdeas(t, b.id(), IdeaStatus.OPEN));
    assertEquals(0L, countIdeas(t, b.id(), IdeaStatus.DONE));
    assertEquals(List.of("elsewhere"), titles(t, other.id(), null, IdeaOrder.MOST_VOTED, 0, 10));
    long stranger = tenant(T0);
    assertEquals(List.of(), titles(stranger, b.id(), null, IdeaOrder.NEWEST, 0, 10), "another tenant");
    assertEquals(0L, countIdeas(stranger, b.id(), null));
  }

  @Test
  void aParticipantsIdeasListNewestFirstAcrossBoardsBeforeTheCursorAsTheyAreNow() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    FeedbackBoard ideas = board(campaign, "Ideas", "");
    FeedbackBoard bugs = board(campaign, "Bugs", "");
    long ann = nextId();
    long bob = nextId();
    // In id order: ann's on ideas, bob's, ann's on bugs, ann's on ideas again, bob's on bugs.
    Idea annFirst = authored(ideas, ann, "ann 1");
    Idea bobFirst = authored(ideas, bob, "bob 1");
    Idea annBug = authored(bugs, ann, "ann 2");
    Idea annLast = authored(ideas, ann, "ann 3");
    Idea bobBug = authored(bugs, bob, "bob 2");
    run(tx -> tx.feedback().moveIdea(t, annBug.id(), List.of(IdeaStatus.OPEN), IdeaStatus.DONE, T0.plusSeconds(1)));
    run(tx -> tx.feedback().incrementVotes(t, annFirst.id(), TAKING_VOTES));
    run(tx -> tx.feedback().setBoardOpen(t, bugs.id(), false));
    Idea annBugNow = tx(tx -> tx.feedback().findIdea(t, annBug.id())).orElseThrow();
    Idea annFirstNow = tx(tx -> tx.feedback().findIdea(t, annFirst.id())).orElseThrow();

    assertEquals(List.of(annLast, annBugNow, annFirstNow), ofParticipant(t, ann, null, 10),
        "newest first, across boards, a closed one's too, each as it is now");
    assertEquals(List.of(annLast, annBugNow), ofParticipant(t, ann, null, 2));
    assertEquals(List.of(annFirstNow), ofParticipant(t, ann, annBug.id(), 2), "below the cursor");
    assertEquals(List.of(annBugNow, annFirstNow), ofParticipant(t, ann, annLast.id(), 10));
    assertEquals(List.of(annFirstNow), ofParticipant(t, ann, bobFirst.id(), 10), "another's id as the cursor");
    assertEquals(List.of(), ofParticipant(t, ann, annFirst.id(), 10));
    assertEquals(List.of(bobBug, bobFirst), ofParticipant(t, bob, null, 10));
    assertEquals(List.of(), ofParticipant(t, ann, null, 0));
    assertEquals(List.of(), ofParticipant(t, nextId(), null, 10), "a participant without ideas");
    long stranger = tenant(T0);
    FeedbackBoard theirs = board(campaign(stranger, T0), "Theirs", "");
    Idea theirAnn = new Idea(nextId(), stranger, theirs.id(), ann, "theirs", "", IdeaStatus.OPEN, 0, T0, T0);
    run(tx -> tx.feedback().insertIdea(theirAnn, null));
    assertEquals(List.of(theirAnn), ofParticipant(stranger, ann, null, 10), "another tenant's, by the same id");
    assertEquals(List.of(annLast, annBugNow, annFirstNow), ofParticipant(t, ann, null, 10), "not in this tenant's");

    run(tx -> tx.feedback().deleteIdea(t, annBug.id()));
    assertEquals(List.of(annLast, annFirstNow), ofParticipant(t, ann, null, 10), "a deleted idea is gone");
    assertEquals(List.of(annFirstNow), ofParticipant(t, ann, annBug.id(), 10), "a deleted idea's id as the cursor");
    run(tx -> tx.feedback().deleteAll(t, ann));
    assertEquals(List.of(), ofParticipant(t, ann, null, 10), "deleted with its author");
    assertEquals(List.of(bobBug, bobFirst), ofParticipant(t, bob, null, 10));
  }

  @Test
  void anIdeasIdempotencyKeyIsUniquePerTenantFoundAsTheIdeaIsNowAndDeletedWithIt() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    FeedbackBoard b = board(campaign, "Ideas", "");
    Idea keyed = new Idea(nextId(), t, b.id(), nextId(), "keyed", "", IdeaStatus.OPEN, 0, T0, T0);
    run(tx -> tx.feedback().insertIdea(keyed, "key-1"));
    idea(b, nextId(), "no key", "");
    idea(b, nextId(), "no key either", "");
    Idea again = new Idea(nextId(), t, b.id(), keyed.participantId(), "keyed", "", IdeaStatus.OPEN, 0, T0, T0);
    UniqueViolationException e = assertThrows(UniqueViolationException.class,
        () -> run(tx -> tx.feedback().insertIdea(again, "key-1")));
    assertEquals(UniqueKey.IDEA_IDEMPOTENCY_KEY, e.key());
    assertEquals(Optional.empty(), tx(tx -> tx.feedback().findIdea(t, again.id())), "nothing inserted");
    run(tx -> tx.feedback().moveIdea(t, keyed.id(), List.of(IdeaStatus.OPEN), IdeaStatus.PLANNED, T0.plusSeconds(1)));
    Optional<Idea> now = tx(tx -> tx.feedback().findIdea(t, keyed.id()));
    Optional<Idea> byKey = tx(tx -> tx.feedback().findIdeaByKey(t, "key-1"));
    assertEquals(now, byKey, "the idea as it is now");
    assertEquals(IdeaStatus.PLANNED, byKey.orElseThrow().status());
    assertEquals(Optional.empty(), tx(tx -> tx.feedback().findIdeaByKey(t, "KEY-1")), "keys compare exactly");
    long stranger = tenant(T0);
    assertEquals(Optional.empty(), tx(tx -> tx.feedback().findIdeaByKey(stranger, "key-1")), "another tenant's");
    FeedbackBoard theirs = board(campaign(stranger, T0), "Theirs", "");
    run(tx -> tx.feedback().insertIdea(new Idea(nextId(), stranger, theirs.id(), nextId(), "theirs", "",
        IdeaStatus.OPEN, 0, T0, T0), "key-1"));

    run(tx -> tx.feedback().deleteIdea(t, keyed.id()));
    assertEquals(Optional.empty(), tx(tx -> tx.feedback().findIdeaByKey(t, "key-1")), "deleted with its idea");
    run(tx -> tx.feedback().insertIdea(again, "key-1"));
    assertEquals(Optional.of(again), tx(tx -> tx.feedback().findIdeaByKey(t, "key-1")), "free again");
    run(tx -> tx.feedback().deleteAll(t, again.participantId()));
    assertEquals(Optional.empty(), tx(tx -> tx.feedback().findIdeaByKey(t, "key-1")), "deleted with its author");
  }

  @Test
  void aParticipantsDeletionWithdrawsItsVotesAndTakesItsIdeasAndAnUndoneUnitOfWorkLeavesNothing() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    FeedbackBoard b = board(campaign, "Ideas", "");
    long leaver = nextId();
    long stayer = nextId();
    Idea theirs = idea(b, nextId(), "theirs", "");
    Idea finished = idea(b, nextId(), "finished", "");
    Idea own = new Idea(nextId(), t, b.id(), leaver, "own", "", IdeaStatus.OPEN, 0, T0, T0);
    run(tx -> tx.feedback().insertIdea(own, null));
    for (Idea i : List.of(theirs, finished, own)) {
      for (long voter : List.of(leaver, stayer)) {
        run(tx -> {
          tx.feedback().insertVoteIfAbsent(t, i.id(), voter, T0);
          tx.feedback().incrementVotes(t, i.id(), TAKING_VOTES);
        });
      }
    }
    run(tx -> tx.feedback().moveIdea(t, finished.id(), List.of(IdeaStatus.OPEN), IdeaStatus.DONE, T0));
    long stranger = tenant(T0);
    run(tx -> tx.feedback().deleteAll(stranger, leaver));
    assertEquals(2, votes(t, theirs.id()), "another tenant's deletion");

    assertThrows(IllegalStateException.class, () -> run(tx -> {
      tx.feedback().deleteAll(t, leaver);
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(List.of(2L, 2L, 2L), List.of(votes(t, theirs.id()), votes(t, finished.id()), votes(t, own.id())));
    assertEquals(2L, countVotes(t, own.id()));

    run(tx -> tx.feedback().deleteAll(t, leaver));
    assertEquals(1, votes(t, theirs.id()));
    assertEquals(1, votes(t, finished.id()), "withdrawn from a DONE idea too");
    assertEquals(1L, countVotes(t, theirs.id()));
    assertEquals(1L, countVotes(t, finished.id()));
    assertEquals(Optional.empty(), tx(tx -> tx.feedback().findIdea(t, own.id())));
    assertEquals(0L, countVotes(t, own.id()), "the votes on its ideas went with them");
    assertFalse(test(tx -> tx.feedback().deleteVote(t, theirs.id(), leaver)));
    assertTrue(test(tx -> tx.feedback().deleteVote(t, theirs.id(), stayer)), "the stayer's vote stays");
  }

  @Test
  void anIdeasDeletionTakesItsVotesOnlyAndAnswersTheIdeaAsItWasOnceAndAnUndoneUnitOfWorkLeavesNothing() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    FeedbackBoard b = board(campaign, "Ideas", "");
    Idea spam = idea(b, nextId(), "Spam 🎁", "Buy «now»");
    Idea kept = idea(b, nextId(), "kept", "");
    long voter = nextId();
    long other = nextId();
    for (Idea i : List.of(spam, kept)) {
      for (long v : List.of(voter, other)) {
        run(tx -> {
          tx.feedback().insertVoteIfAbsent(t, i.id(), v, T0);
          tx.feedback().incrementVotes(t, i.id(), TAKING_VOTES);
        });
      }
    }
    Instant at = T0.plusSeconds(60);
    run(tx -> tx.feedback().moveIdea(t, spam.id(), List.of(IdeaStatus.OPEN), IdeaStatus.DONE, at));
    Idea before = new Idea(spam.id(), t, b.id(), spam.participantId(), spam.title(), spam.body(), IdeaStatus.DONE, 2,
        T0, at);
    long stranger = tenant(T0);
    assertEquals(Optional.empty(), tx(tx -> tx.feedback().deleteIdea(stranger, spam.id())), "another tenant's idea");
    assertEquals(Optional.empty(), tx(tx -> tx.feedback().deleteIdea(t, nextId())), "no such idea");
    assertEquals(Optional.of(before), tx(tx -> tx.feedback().findIdea(t, spam.id())), "untouched by them");

    assertThrows(IllegalStateException.class, () -> run(tx -> {
      tx.feedback().deleteIdea(t, spam.id());
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(Optional.of(before), tx(tx -> tx.feedback().findIdea(t, spam.id())));
    assertEquals(2L, countVotes(t, spam.id()));

    assertEquals(Optional.of(before), tx(tx -> tx.feedback().deleteIdea(t, spam.id())), "the idea as it was");
    assertEquals(Optional.empty(), tx(tx -> tx.feedback().findIdea(t, spam.id())));
    assertEquals(Optional.empty(), tx(tx -> tx.feedback().lockIdea(t, spam.id())));
    assertEquals(0L, countVotes(t, spam.id()), "its votes went with it");
    assertFalse(test(tx -> tx.feedback().deleteVote(t, spam.id(), voter)));
    assertEquals(Optional.empty(), tx(tx -> tx.feedback().deleteIdea(t, spam.id())), "deleted once");
    assertEquals(List.of("kept"), titles(t, b.id(), null, IdeaOrder.NEWEST, 0, 10));
    assertEquals(1L, countIdeas(t, b.id(), null));
    assertEquals(2, votes(t, kept.id()), "another idea's votes stay");
    assertEquals(2L, countVotes(t, kept.id()));
    assertTrue(test(tx -> tx.feedback().deleteVote(t, kept.id(), voter)), "the voter's other vote stays");
  }

  @Test
  void racingVotersOnTwoStoragesKeepTheCounterEqualToTheRows() throws Exception {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    Idea i = idea(board(campaign, "Ideas", ""), nextId(), "Idea", "");
    long voters = nextIds(RACERS / 2);
    // Two racers per voter: each voter's vote is stored and counted once.
    List<Boolean> counted = race(n -> tx -> {
      long voter = voters + n % (RACERS / 2);
      return tx.feedback().insertVoteIfAbsent(t, i.id(), voter, T0)
          && tx.feedback().incrementVotes(t, i.id(), TAKING_VOTES);
    });
    assertEquals(RACERS / 2, counted.stream().filter(c -> c).count(), counted.toString());
    assertEquals(RACERS / 2, votes(t, i.id()));
    assertEquals((long) RACERS / 2, countVotes(t, i.id()));

    // Half withdraw, half vote again, racing: the counter follows the rows.
    List<Boolean> moved = race(n -> tx -> {
      long voter = voters + n % (RACERS / 2);
      return n < RACERS / 2
          ? tx.feedback().deleteVote(t, i.id(), voter) && tx.feedback().decrementVotes(t, i.id(), TAKING_VOTES)
          : tx.feedback().insertVoteIfAbsent(t, i.id(), voter, T0)
              && tx.feedback().incrementVotes(t, i.id(), TAKING_VOTES);
    });
    long rows = countVotes(t, i.id());
    assertEquals(rows, votes(t, i.id()), moved.toString());
  }

  private boolean hasVote(long tenantId, long ideaId, long participantId) {
    return test(tx -> tx.feedback().hasVote(tenantId, ideaId, participantId));
  }

  private long countVotes(long tenantId, long ideaId) {
    return tx(tx -> tx.feedback().countVotes(tenantId, ideaId));
  }

  private long countIdeas(long tenantId, long boardId, IdeaStatus status) {
    return tx(tx -> tx.feedback().countIdeas(tenantId, boardId, status));
  }

  private long votes(long tenantId, long ideaId) {
    return tx(tx -> tx.feedback().findIdea(tenantId, ideaId)).orElseThrow().votes();
  }

  private List<String> titles(long tenantId, long boardId, IdeaStatus status, IdeaOrder order, long offset,
      int limit) {
    return tx(tx -> tx.feedback().ideas(tenantId, boardId, status, order, offset, limit)).stream()
        .map(Idea::title).toList();
  }

  @Test
  void tiedIdeasComeInIdOrderWhateverOrderTheyWereStoredOrChangedIn() {
    // Stored highest id first and voted on in a shuffled order, so that neither the order of insertion nor that of
    // the last change is the id order the most-voted page promises for ties (the order a page's OFFSET rests on).
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    FeedbackBoard b = board(campaign, "Ties", "");
    long first = nextIds(6);
    for (int n = 5; n >= 0; n--) {
      idea(b, first + n, "I" + n, "");
    }
    for (int n : new int[] {2, 0, 4, 1, 5, 3, 3}) {
      long id = first + n;
      run(tx -> tx.feedback().incrementVotes(t, id, TAKING_VOTES));
    }
    assertEquals(List.of("I3", "I0", "I1", "I2", "I4", "I5"), titles(t, b.id(), null, IdeaOrder.MOST_VOTED, 0, 10),
        "the idea with two votes, then the tied ones by id");
    assertEquals(List.of("I1", "I2"), titles(t, b.id(), null, IdeaOrder.MOST_VOTED, 2, 2), "a page of ties");
    assertEquals(List.of("I0", "I1", "I2", "I4", "I5"),
        titles(t, b.id(), IdeaStatus.OPEN, IdeaOrder.MOST_VOTED, 1, 10), "ties by id within a status");
  }

  /** An open board of the campaign, made at T0 and stored. */
  private FeedbackBoard board(Campaign campaign, String name, String description) {
    FeedbackBoard b = new FeedbackBoard(nextId(), campaign.tenantId(), campaign.id(), name, description, true, T0);
    run(tx -> tx.feedback().insertBoard(b));
    return b;
  }

  /** An OPEN idea without votes of {@code author} on the board, made at T0 and stored. */
  private Idea authored(FeedbackBoard board, long author, String title) {
    Idea i = new Idea(nextId(), board.tenantId(), board.id(), author, title, "", IdeaStatus.OPEN, 0, T0, T0);
    run(tx -> tx.feedback().insertIdea(i, null));
    return i;
  }

  private List<Idea> ofParticipant(long tenantId, long participantId, Long beforeId, int limit) {
    return tx(tx -> tx.feedback().ideasOfParticipant(tenantId, participantId, beforeId, limit));
  }

  /** An OPEN idea without votes of a new participant on the board, made at T0 and stored. */
  private Idea idea(FeedbackBoard board, long id, String title, String body) {
    Idea i = new Idea(id, board.tenantId(), board.id(), nextId(), title, body, IdeaStatus.OPEN, 0, T0, T0);
    run(tx -> tx.feedback().insertIdea(i, null));
    return i;
  }
}
