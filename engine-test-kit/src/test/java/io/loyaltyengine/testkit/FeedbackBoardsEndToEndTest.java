package io.loyaltyengine.testkit;

import static io.loyaltyengine.testkit.Rejections.assertCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.NumberedPage;
import io.loyaltyengine.PageRequest;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.feedback.FeedbackBoard;
import io.loyaltyengine.feedback.FeedbackBoards;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Feedback boards end to end, through the public engine API on {@link InMemoryStorage} with a {@link SettableClock}:
 * boards and their validation, ideas and theirs, votes once per participant with repeats and withdrawals that change
 * nothing, the refusals (closed board, final tally, another campaign's participant), moderation moves, a moderator's
 * deletion of an idea with its votes, pages in both orders, deletion with the participant, tenant isolation, and that
 * written text never shows in {@code toString} or an error message, and the events of ideas (none of votes). Races run
 * on H2 and PostgreSQL ({@code FeedbackRace*}), the port's contract on every store.
 */
class FeedbackBoardsEndToEndTest {
  private static final Instant START = Instant.parse("2025-06-01T08:00:00Z");

  private final List<LoyaltyEngine> engines = new ArrayList<>();
  private SettableClock clock;
  private TenantScope scope;
  private FeedbackBoards feedback;
  private Campaign campaign;
  private FeedbackBoard board;
  private Participant ada;
  private Participant bob;

  @BeforeEach
  void setUp() {
    clock = SettableClock.at(START);
    LoyaltyEngine engine = LoyaltyEngine.builder().storage(new InMemoryStorage()).clock(clock)
        .events(EventSettings.builder().manualDispatch().build()).build();
    engines.add(engine);
    scope = engine.forTenant(engine.tenants().create(NewTenant.business("Shop")).id());
    feedback = scope.feedback();
    Brand brand = scope.brands().create(new NewBrand("Shop", "https://shop.example.com"));
    campaign = scope.campaigns().create(NewCampaign.running(brand.id(), "Advocates"));
    board = feedback.createBoard(new NewFeedbackBoard(campaign.id(), "  Ideas  ", "What should we build next?"));
    ada = enrol(campaign, "ada@example.com");
    bob = enrol(campaign, "bob@example.com");
  }

  @AfterEach
  void tearDown() {
    engines.forEach(LoyaltyEngine::close);
  }

  @Test
  void aNewIdeasUpdatedAtIsItsCreatedAtWhenTheClockMovesDuringTheSubmission() {
    // A clock that moves a millisecond on every reading, as a real one may between two readings.
    Clock ticking = new Clock() {
      private final AtomicLong ticks = new AtomicLong();

      @Override
      public Instant instant() {
        return START.plusMillis(ticks.incrementAndGet());
      }

      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }
    };
    LoyaltyEngine engine = LoyaltyEngine.builder().storage(new InMemoryStorage()).clock(ticking)
        .events(EventSettings.builder().manualDispatch().build()).build();
    engines.add(engine);
    TenantScope shop = engine.forTenant(engine.tenants().create(NewTenant.business("Shop")).id());
    Campaign c = shop.campaigns().create(NewCampaign.running(
        shop.brands().create(new NewBrand("Shop", "https://shop.example.com")).id(), "Advocates"));
    FeedbackBoard b = shop.feedback().createBoard(NewFeedbackBoard.of(c.id(), "Ideas"));
    Participant p = shop.participants().create(c.id(), NewParticipant.withEmail("ada@example.com"));

    Idea idea = shop.feedback().submitIdea(ParticipantRef.id(p.id()), b.id(), NewIdea.of("Dark mode"));
    assertEquals(idea.createdAt(), idea.updatedAt(), "updatedAt is createdAt until the status first changes");
    assertEquals(idea, shop.feedback().idea(idea.id()));
  }

  @Test
  void boardsAreCreatedListedClosedAndReopenedAndValidated() {
    assertEquals(new FeedbackBoard(board.id(), scope.tenantId(), campaign.id(), "Ideas", "What should we build next?",
        true, START), board);
    FeedbackBoard bare = feedback.createBoard(NewFeedbackBoard.of(campaign.id(), "Bugs"));
    assertEquals("", bare.description(), "no description is empty");
    FeedbackBoard blank = feedback.createBoard(new NewFeedbackBoard(campaign.id(), "Blank", " \u00a0 "));
    assertEquals("", blank.description(), "a blank description is none");
    assertEquals(List.of(board, bare, blank), feedback.boards(campaign.id()));
    assertEquals(board, feedback.board(board.id()));

    FeedbackBoard closed = feedback.closeBoard(board.id());
    assertFalse(closed.open());
    assertEquals(closed, feedback.closeBoard(board.id()), "closing again changes nothing");
    assertTrue(feedback.reopenBoard(board.id()).open());
    assertEquals(board, feedback.reopenBoard(board.id()));

    assertCode(ErrorCode.VALIDATION_ERROR, "board", () -> feedback.createBoard(null));
    assertCode(ErrorCode.VALIDATION_ERROR, "name", () -> feedback.createBoard(NewFeedbackBoard.of(campaign.id(), null)));
    assertCode(ErrorCode.VALIDATION_ERROR, "name", () -> feedback.createBoard(NewFeedbackBoard.of(campaign.id(), " ")));
    assertCode(ErrorCode.VALIDATION_ERROR, "name", () -> feedback.createBoard(NewFeedbackBoard.of(campaign.id(),
        "x".repeat(201))));
    assertCode(ErrorCode.VALIDATION_ERROR, "description", () -> feedback.createBoard(new NewFeedbackBoard(
        campaign.id(), "ok", "x".repeat(2_001))));
    assertCode(ErrorCode.VALIDATION_ERROR, "description", () -> feedback.createBoard(new NewFeedbackBoard(
        campaign.id(), "ok", "a\u0007b")));
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.createBoard(NewFeedbackBoard.of(987_654_321L, "ok")));
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.boards(987_654_321L));
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.board(987_654_321L));
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.closeBoard(987_654_321L));
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.reopenBoard(987_654_321L));
    assertEquals(3, feedback.boards(campaign.id()).size(), "nothing refused was kept");
    assertEquals(200, feedback.createBoard(NewFeedbackBoard.of(campaign.id(), "😀".repeat(200))).name()
        .codePointCount(0, 400), "200 characters, counted in code points");
  }

  @Test
  void anIdeaIsSubmittedOpenByAParticipantOfTheBoardsCampaignAndValidated() {
    Idea idea = feedback.submitIdea(ParticipantRef.email(campaign.id(), "ADA@example.com"), board.id(),
        new NewIdea("  Dark mode  ", "  At night the shop is too bright.  "));
    assertEquals(new Idea(idea.id(), scope.tenantId(), board.id(), ada.id(), "Dark mode",
        "At night the shop is too bright.", IdeaStatus.OPEN, 0, START, START), idea);
    assertEquals(idea, feedback.idea(idea.id()));
    assertEquals("", feedback.submitIdea(ParticipantRef.id(bob.id()), board.id(), NewIdea.of("Bare")).body());

    ParticipantRef ref = ParticipantRef.id(ada.id());
    assertCode(ErrorCode.VALIDATION_ERROR, "idea", () -> feedback.submitIdea(ref, board.id(), null));
    assertCode(ErrorCode.VALIDATION_ERROR, "participant", () -> feedback.submitIdea(null, board.id(),
        NewIdea.of("ok")));
    assertCode(ErrorCode.VALIDATION_ERROR, "title", () -> feedback.submitIdea(ref, board.id(), NewIdea.of(null)));
    assertCode(ErrorCode.VALIDATION_ERROR, "title", () -> feedback.submitIdea(ref, board.id(), NewIdea.of(" ")));
    assertCode(ErrorCode.VALIDATION_ERROR, "title", () -> feedback.submitIdea(ref, board.id(),
        NewIdea.of("x".repeat(201))));
    assertCode(ErrorCode.VALIDATION_ERROR, "body", () -> feedback.submitIdea(ref, board.id(),
        new NewIdea("ok", "x".repeat(5_001))));
    assertCode(ErrorCode.VALIDATION_ERROR, "body", () -> feedback.submitIdea(ref, board.id(),
        new NewIdea("ok", "a\u0000b")));
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.submitIdea(ref, 987_654_321L, NewIdea.of("ok")));
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.submitIdea(ParticipantRef.id(987_654_321L), board.id(),
        NewIdea.of("ok")));
    Campaign other = scope.campaigns().create(NewCampaign.running(campaign.brandId(), "Other"));
    Participant outsider = enrol(other, "out@example.com");
    assertCode(ErrorCode.VALIDATION_ERROR, "participant", () -> feedback.submitIdea(ParticipantRef.id(outsider.id()),
        board.id(), NewIdea.of("ok")));
    feedback.closeBoard(board.id());
    assertCode(ErrorCode.CONFLICT, "board", () -> feedback.submitIdea(ref, board.id(), NewIdea.of("ok")));
    assertEquals(2, all(null).size(), "nothing refused was kept");
    feedback.reopenBoard(board.id());
    assertEquals(5_000, feedback.submitIdea(ref, board.id(), new NewIdea("long", "😀".repeat(5_000))).body()
        .codePointCount(0, 10_000), "5,000 characters, counted in code points");
  }

  @Test
  void aParticipantVotesOnceWithdrawsOnceAndMayVoteForItsOwnIdea() {
    Idea idea = feedback.submitIdea(ParticipantRef.id(ada.id()), board.id(), NewIdea.of("Dark mode"));
    assertEquals(new VoteResult(idea.id(), 1, true), feedback.vote(ParticipantRef.id(ada.id()), idea.id()),
        "its own idea");
    assertEquals(new VoteResult(idea.id(), 1, false), feedback.vote(ParticipantRef.id(ada.id()), idea.id()),
        "a repeated vote changes nothing");
    assertEquals(new VoteResult(idea.id(), 2, true), feedback.vote(ParticipantRef.email(campaign.id(),
        "bob@example.com"), idea.id()));
    assertEquals(2, feedback.idea(idea.id()).votes());
    assertEquals(START, feedback.idea(idea.id()).updatedAt(), "votes do not touch updatedAt");
    assertEquals(new VoteResult(idea.id(), 1, true), feedback.withdrawVote(ParticipantRef.id(ada.id()), idea.id()));
    assertEquals(new VoteResult(idea.id(), 1, false), feedback.withdrawVote(ParticipantRef.id(ada.id()), idea.id()),
        "withdrawing again changes nothing");
    assertEquals(new VoteResult(idea.id(), 2, true), feedback.vote(ParticipantRef.id(ada.id()), idea.id()),
        "and it may vote again");
  }

  @Test
  void votesAreRefusedOnAClosedBoardOnAFinalTallyAndFromAnotherCampaign() {
    Idea idea = feedback.submitIdea(ParticipantRef.id(ada.id()), board.id(), NewIdea.of("Dark mode"));
    feedback.vote(ParticipantRef.id(bob.id()), idea.id());
    ParticipantRef ada = ParticipantRef.id(this.ada.id());
    ParticipantRef bob = ParticipantRef.id(this.bob.id());

    feedback.closeBoard(board.id());
    assertCode(ErrorCode.CONFLICT, "board", () -> feedback.vote(ada, idea.id()));
    assertCode(ErrorCode.CONFLICT, "board", () -> feedback.withdrawVote(bob, idea.id()));
    assertEquals(IdeaStatus.PLANNED, feedback.setStatus(idea.id(), IdeaStatus.PLANNED).status(),
        "moderators still move ideas of a closed board");
    feedback.reopenBoard(board.id());

    for (IdeaStatus done : List.of(IdeaStatus.DONE, IdeaStatus.DECLINED)) {
      feedback.setStatus(idea.id(), done);
      assertCode(ErrorCode.CONFLICT, "status", () -> feedback.vote(ada, idea.id()));
      assertCode(ErrorCode.CONFLICT, "status", () -> feedback.withdrawVote(bob, idea.id()));
    }
    feedback.setStatus(idea.id(), IdeaStatus.IN_PROGRESS);
    assertEquals(new VoteResult(idea.id(), 2, true), feedback.vote(ada, idea.id()), "takes votes again");

    Campaign other = scope.campaigns().create(NewCampaign.running(campaign.brandId(), "Other"));
    Participant outsider = enrol(other, "out@example.com");
    assertCode(ErrorCode.VALIDATION_ERROR, "participant", () -> feedback.vote(ParticipantRef.id(outsider.id()),
        idea.id()));
    assertCode(ErrorCode.VALIDATION_ERROR, "participant", () -> feedback.withdrawVote(
        ParticipantRef.id(outsider.id()), idea.id()));
    assertCode(ErrorCode.VALIDATION_ERROR, "participant", () -> feedback.vote(null, idea.id()));
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.vote(ada, 987_654_321L));
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.vote(ParticipantRef.id(987_654_321L), idea.id()));
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.vote(ParticipantRef.email(campaign.id(), "no@example.com"),
        idea.id()));
    assertEquals(2, feedback.idea(idea.id()).votes(), "nothing refused was counted");
  }

  @Test
  void moderatorsMoveIdeasFreelyButNeverBackToOpen() {
    Idea idea = feedback.submitIdea(ParticipantRef.id(ada.id()), board.id(), NewIdea.of("Dark mode"));
    clock.advance(Duration.ofHours(1));
    Idea review = feedback.setStatus(idea.id(), IdeaStatus.UNDER_REVIEW);
    assertEquals(IdeaStatus.UNDER_REVIEW, review.status());
    assertEquals(clock.instant(), review.updatedAt());
    assertEquals(START, review.createdAt());
    clock.advance(Duration.ofHours(1));
    assertEquals(review, feedback.setStatus(idea.id(), IdeaStatus.UNDER_REVIEW), "moving to where it is: unchanged");
    assertEquals(IdeaStatus.DECLINED, feedback.setStatus(idea.id(), IdeaStatus.DECLINED).status());
    assertEquals(IdeaStatus.PLANNED, feedback.setStatus(idea.id(), IdeaStatus.PLANNED).status(), "reconsidered");
    assertCode(ErrorCode.INVALID_TRANSITION, "status", () -> feedback.setStatus(idea.id(), IdeaStatus.OPEN));
    assertCode(ErrorCode.VALIDATION_ERROR, "status", () -> feedback.setStatus(idea.id(), null));
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.setStatus(987_654_321L, IdeaStatus.DONE));
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.idea(987_654_321L));
    Idea fresh = feedback.submitIdea(ParticipantRef.id(ada.id()), board.id(), NewIdea.of("Fresh"));
    assertEquals(fresh, feedback.setStatus(fresh.id(), IdeaStatus.OPEN), "an OPEN idea stays OPEN");

    for (IdeaStatus from : IdeaStatus.values()) {
      assertFalse(from.canMoveTo(from), from + " to itself is not a move");
      assertFalse(from.canMoveTo(IdeaStatus.OPEN), "nothing goes back to OPEN");
      assertFalse(from.canMoveTo(null));
      for (IdeaStatus to : IdeaStatus.values()) {
        assertEquals(to != from && to != IdeaStatus.OPEN, from.canMoveTo(to), from + " to " + to);
      }
    }
  }

  @Test
  void aSubmissionAndEachStatusMoveWriteTheirEventAboutTheAuthorAndVotesRefusalsAndNoOpsWriteNone() {
    clock.advance(Duration.ofMinutes(1));
    Idea idea = feedback.submitIdea(ParticipantRef.id(ada.id()), board.id(), new NewIdea("Dark mode", "Too bright"));
    feedback.vote(ParticipantRef.id(bob.id()), idea.id());
    feedback.vote(ParticipantRef.id(bob.id()), idea.id());
    feedback.withdrawVote(ParticipantRef.id(bob.id()), idea.id());
    feedback.vote(ParticipantRef.id(ada.id()), idea.id());
    clock.advance(Duration.ofMinutes(1));
    feedback.setStatus(idea.id(), IdeaStatus.PLANNED);
    feedback.setStatus(idea.id(), IdeaStatus.PLANNED);
    assertCode(ErrorCode.INVALID_TRANSITION, "status", () -> feedback.setStatus(idea.id(), IdeaStatus.OPEN));
    clock.advance(Duration.ofMinutes(1));
    Idea done = feedback.setStatus(idea.id(), IdeaStatus.DONE);
    feedback.closeBoard(board.id());
    assertCode(ErrorCode.CONFLICT, "board", () -> feedback.submitIdea(ParticipantRef.id(bob.id()), board.id(),
        NewIdea.of("Late")));

    List<LoyaltyEvent> events = FeedReads.events(engines.get(0), scope, EventFilter.all()).stream()
        .filter(e -> e.type() != EventType.PARTICIPANT_CREATED).toList();
    assertEquals(List.of(EventType.IDEA_SUBMITTED, EventType.IDEA_STATUS_CHANGED, EventType.IDEA_STATUS_CHANGED),
        FeedReads.types(events), "no event for votes, withdrawals, boards, repeats or refusals");
    for (LoyaltyEvent e : events) {
      assertEquals(ada.id(), e.participantId(), "about the author");
      assertEquals(campaign.id(), e.campaignId());
    }

    Map<String, Object> submitted = FeedReads.payload(events.get(0));
    assertEquals(Set.of("idea"), submitted.keySet());
    assertEquals(Set.of("id", "boardId", "participantId", "title", "body", "status", "votes", "createdAt",
        "updatedAt"), ((Map<?, ?>) submitted.get("idea")).keySet());
    assertEquals(Long.toString(idea.id()), JsonValues.at(submitted, "idea", "id"));
    assertEquals(Long.toString(board.id()), JsonValues.at(submitted, "idea", "boardId"));
    assertEquals(Long.toString(ada.id()), JsonValues.at(submitted, "idea", "participantId"));
    assertEquals("Dark mode", JsonValues.at(submitted, "idea", "title"));
    assertEquals("Too bright", JsonValues.at(submitted, "idea", "body"));
    assertEquals("OPEN", JsonValues.at(submitted, "idea", "status"));
    assertEquals(0L, JsonValues.at(submitted, "idea", "votes"));
    assertEquals(START.plusSeconds(60).toString(), JsonValues.at(submitted, "idea", "createdAt"));

    Map<String, Object> planned = FeedReads.payload(events.get(1));
    assertEquals(Set.of("idea", "oldStatus", "newStatus"), planned.keySet());
    assertEquals("OPEN", planned.get("oldStatus"));
    assertEquals("PLANNED", planned.get("newStatus"));
    assertEquals("PLANNED", JsonValues.at(planned, "idea", "status"));
    assertEquals(1L, JsonValues.at(planned, "idea", "votes"), "the count when it moved");
    assertEquals(START.plusSeconds(120).toString(), JsonValues.at(planned, "idea", "updatedAt"));
    Map<String, Object> finished = FeedReads.payload(events.get(2));
    assertEquals("PLANNED", finished.get("oldStatus"));
    assertEquals("DONE", finished.get("newStatus"));
    assertEquals(done.updatedAt().toString(), JsonValues.at(finished, "idea", "updatedAt"));
  }

  @Test
  void pagesAreMostVotedOrNewestWithTotalsAndByStatus() {
    List<Participant> voters = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      voters.add(enrol(campaign, "v" + i + "@example.com"));
    }
    int[] votes = {1, 3, 0, 3, 2};
    List<Idea> ideas = new ArrayList<>();
    for (int i = 0; i < votes.length; i++) {
      Idea idea = feedback.submitIdea(ParticipantRef.id(ada.id()), board.id(), NewIdea.of("I" + i));
      ideas.add(idea);
      for (int v = 0; v < votes[i]; v++) {
        feedback.vote(ParticipantRef.id(voters.get(v).id()), idea.id());
      }
    }
    feedback.setStatus(ideas.get(3).id(), IdeaStatus.PLANNED);

    NumberedPage<Idea> first = feedback.ideas(board.id(), null, IdeaOrder.MOST_VOTED, PageRequest.of(1, 2));
    assertEquals(List.of("I1", "I3"), titles(first));
    assertEquals(List.of(3L, 3L), first.items().stream().map(Idea::votes).toList());
    assertEquals(5, first.total());
    assertEquals(3, first.totalPages());
    assertEquals(List.of("I4", "I0"), titles(feedback.ideas(board.id(), null, IdeaOrder.MOST_VOTED,
        PageRequest.of(2, 2))));
    assertEquals(List.of("I2"), titles(feedback.ideas(board.id(), null, IdeaOrder.MOST_VOTED, PageRequest.of(3, 2))));
    assertEquals(new NumberedPage<Idea>(List.of(), 4, 2, 5, 3),
        feedback.ideas(board.id(), null, IdeaOrder.MOST_VOTED, PageRequest.of(4, 2)),
        "a page past the last is empty and still carries the totals (PageRequest)");
    assertEquals(List.of("I4", "I3", "I2", "I1", "I0"), titles(feedback.ideas(board.id(), null, IdeaOrder.NEWEST,
        PageRequest.of(1, 10))));
    NumberedPage<Idea> open = feedback.ideas(board.id(), IdeaStatus.OPEN, IdeaOrder.MOST_VOTED, PageRequest.of(1, 10));
    assertEquals(List.of("I1", "I4", "I0", "I2"), titles(open));
    assertEquals(4, open.total());
    NumberedPage<Idea> none = feedback.ideas(board.id(), IdeaStatus.DONE, IdeaOrder.NEWEST, PageRequest.of(1, 10));
    assertEquals(new NumberedPage<Idea>(List.of(), 1, 10, 0, 0), none);
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.ideas(987_654_321L, null, IdeaOrder.NEWEST,
        PageRequest.of(1, 10)));
    assertCode(ErrorCode.VALIDATION_ERROR, "order", () -> feedback.ideas(board.id(), null, null,
        PageRequest.of(1, 10)));
    assertCode(ErrorCode.VALIDATION_ERROR, "page", () -> feedback.ideas(board.id(), null, IdeaOrder.NEWEST, null));
  }

  @Test
  void aDeletedParticipantsVotesAreWithdrawnAndItsIdeasDeleted() {
    Idea bobs = feedback.submitIdea(ParticipantRef.id(bob.id()), board.id(), NewIdea.of("Bob's"));
    Idea finished = feedback.submitIdea(ParticipantRef.id(bob.id()), board.id(), NewIdea.of("Finished"));
    Idea adas = feedback.submitIdea(ParticipantRef.id(ada.id()), board.id(), NewIdea.of("Ada's"));
    for (Idea idea : List.of(bobs, finished, adas)) {
      feedback.vote(ParticipantRef.id(ada.id()), idea.id());
      feedback.vote(ParticipantRef.id(bob.id()), idea.id());
    }
    feedback.setStatus(finished.id(), IdeaStatus.DONE);

    scope.participants().delete(ParticipantRef.id(ada.id()));
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.idea(adas.id()));
    assertEquals(1, feedback.idea(bobs.id()).votes());
    assertEquals(1, feedback.idea(finished.id()).votes(), "withdrawn from a final tally too");
    assertEquals(List.of("Finished", "Bob's"), titles(feedback.ideas(board.id(), null, IdeaOrder.NEWEST,
        PageRequest.of(1, 10))));
    assertEquals(new VoteResult(bobs.id(), 0, true), feedback.withdrawVote(ParticipantRef.id(bob.id()), bobs.id()));
  }

  @Test
  void aModeratorDeletesAnIdeaWithItsVotesWhateverItsStatusAndThenItAndItsVotesAreNotFound() {
    Idea spam = feedback.submitIdea(ParticipantRef.id(ada.id()), board.id(), NewIdea.of("Spam"));
    Idea kept = feedback.submitIdea(ParticipantRef.id(ada.id()), board.id(), NewIdea.of("Kept"));
    ParticipantRef ada = ParticipantRef.id(this.ada.id());
    ParticipantRef bob = ParticipantRef.id(this.bob.id());
    for (Idea idea : List.of(spam, kept)) {
      feedback.vote(ada, idea.id());
      feedback.vote(bob, idea.id());
    }

    feedback.deleteIdea(spam.id());
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.idea(spam.id()));
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.deleteIdea(spam.id()));
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.vote(bob, spam.id()));
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.withdrawVote(bob, spam.id()));
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.setStatus(spam.id(), IdeaStatus.PLANNED));
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.deleteIdea(987_654_321L));
    assertEquals(List.of("Kept"), titles(feedback.ideas(board.id(), null, IdeaOrder.NEWEST, PageRequest.of(1, 10))));
    assertEquals(1, feedback.ideas(board.id(), null, IdeaOrder.MOST_VOTED, PageRequest.of(1, 10)).total());
    assertEquals(2, feedback.idea(kept.id()).votes(), "another idea's votes stay");
    assertEquals(new VoteResult(kept.id(), 1, true), feedback.withdrawVote(bob, kept.id()), "and are withdrawn");

    // A final tally or a closed board does not keep an idea from a moderator.
    Idea finished = feedback.submitIdea(bob, board.id(), NewIdea.of("Finished"));
    feedback.vote(ada, finished.id());
    feedback.setStatus(finished.id(), IdeaStatus.DONE);
    feedback.closeBoard(board.id());
    feedback.deleteIdea(finished.id());
    feedback.deleteIdea(kept.id());
    assertEquals(List.of(), all(null));
    feedback.reopenBoard(board.id());

    // Its author and voters lose nothing else: they submit, vote, and are deleted as before.
    Idea again = feedback.submitIdea(ada, board.id(), NewIdea.of("Spam, reworded"));
    assertEquals(new VoteResult(again.id(), 1, true), feedback.vote(bob, again.id()));
    scope.participants().delete(bob);
    assertEquals(0, feedback.idea(again.id()).votes());
    scope.participants().delete(ada);
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.deleteIdea(again.id()));
  }

  @Test
  void anIdeasDeletionWritesIdeaDeletedWithTheIdeaAsItWasAboutItsAuthorOnlyWhenItDeletedOne() {
    clock.advance(Duration.ofMinutes(1));
    Idea idea = feedback.submitIdea(ParticipantRef.id(ada.id()), board.id(), new NewIdea("Dark mode", "Too bright"));
    feedback.vote(ParticipantRef.id(bob.id()), idea.id());
    clock.advance(Duration.ofMinutes(1));
    Idea planned = feedback.setStatus(idea.id(), IdeaStatus.PLANNED);
    clock.advance(Duration.ofMinutes(1));
    feedback.deleteIdea(idea.id());
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.deleteIdea(idea.id()));
    Idea authorGone = feedback.submitIdea(ParticipantRef.id(bob.id()), board.id(), NewIdea.of("Bob's"));
    scope.participants().delete(ParticipantRef.id(bob.id()));
    assertCode(ErrorCode.NOT_FOUND, null, () -> feedback.deleteIdea(authorGone.id()));

    List<LoyaltyEvent> events = FeedReads.events(engines.get(0), scope, EventFilter.all()).stream()
        .filter(e -> e.type() != EventType.PARTICIPANT_CREATED).toList();
    assertEquals(List.of(EventType.IDEA_SUBMITTED, EventType.IDEA_STATUS_CHANGED, EventType.IDEA_DELETED,
        EventType.IDEA_SUBMITTED, EventType.PARTICIPANT_DELETED), FeedReads.types(events),
        "one idea.deleted: none for a repeat, an unknown idea, or the ideas of a deleted author");
    LoyaltyEvent deleted = events.get(2);
    assertEquals("idea.deleted", deleted.type().wireName());
    assertEquals(ada.id(), deleted.participantId(), "about the author");
    assertEquals(campaign.id(), deleted.campaignId());
    Map<String, Object> payload = FeedReads.payload(deleted);
    assertEquals(Set.of("idea"), payload.keySet());
    assertEquals(Set.of("id", "boardId", "participantId", "title", "body", "status", "votes", "createdAt",
        "updatedAt"), ((Map<?, ?>) payload.get("idea")).keySet(), "as in idea.submitted");
    assertEquals(Long.toString(idea.id()), JsonValues.at(payload, "idea", "id"));
    assertEquals(Long.toString(board.id()), JsonValues.at(payload, "idea", "boardId"));
    assertEquals(Long.toString(ada.id()), JsonValues.at(payload, "idea", "participantId"));
    assertEquals("Dark mode", JsonValues.at(payload, "idea", "title"));
    assertEquals("Too bright", JsonValues.at(payload, "idea", "body"));
    assertEquals("PLANNED", JsonValues.at(payload, "idea", "status"), "as it was");
    assertEquals(1L, JsonValues.at(payload, "idea", "votes"), "the count it had");
    assertEquals(START.plusSeconds(60).toString(), JsonValues.at(payload, "idea", "createdAt"));
    assertEquals(planned.updatedAt().toString(), JsonValues.at(payload, "idea", "updatedAt"));
  }

  @Test
  void anotherTenantSeesNothingAndTheTextStaysOutOfToStringAndErrors() {
    String secret = "call me on +44 20 7946 0000";
    Idea idea = feedback.submitIdea(ParticipantRef.id(ada.id()), board.id(), new NewIdea(secret, secret));
    assertFalse(idea.toString().contains("7946"), idea.toString());
    assertFalse(new NewIdea(secret, secret).toString().contains("7946"));
    LoyaltyException tooLong = assertThrows(LoyaltyException.class, () -> feedback.submitIdea(
        ParticipantRef.id(ada.id()), board.id(), new NewIdea(secret, secret.repeat(500))));
    assertFalse(tooLong.getMessage().contains("7946"), tooLong.getMessage());

    LoyaltyEngine engine = engines.get(0);
    FeedbackBoards other = engine.forTenant(engine.tenants().create(NewTenant.business("Other")).id()).feedback();
    assertCode(ErrorCode.NOT_FOUND, null, () -> other.board(board.id()));
    assertCode(ErrorCode.NOT_FOUND, null, () -> other.boards(campaign.id()));
    assertCode(ErrorCode.NOT_FOUND, null, () -> other.closeBoard(board.id()));
    assertCode(ErrorCode.NOT_FOUND, null, () -> other.idea(idea.id()));
    assertCode(ErrorCode.NOT_FOUND, null, () -> other.setStatus(idea.id(), IdeaStatus.DONE));
    assertCode(ErrorCode.NOT_FOUND, null, () -> other.deleteIdea(idea.id()));
    assertCode(ErrorCode.NOT_FOUND, null, () -> other.vote(ParticipantRef.id(ada.id()), idea.id()));
    assertCode(ErrorCode.NOT_FOUND, null, () -> other.submitIdea(ParticipantRef.id(ada.id()), board.id(),
        NewIdea.of("x")));
    assertCode(ErrorCode.NOT_FOUND, null, () -> other.ideas(board.id(), null, IdeaOrder.NEWEST,
        PageRequest.of(1, 10)));
    assertEquals(idea, feedback.idea(idea.id()), "untouched by the other tenant");
    assertTrue(feedback.board(board.id()).open());
  }

  private Participant enrol(Campaign in, String email) {
    return scope.participants().create(in.id(), NewParticipant.withEmail(email));
  }

  private List<Idea> all(IdeaStatus status) {
    return feedback.ideas(board.id(), status, IdeaOrder.NEWEST, PageRequest.of(1, 100)).items();
  }

  private static List<String> titles(NumberedPage<Idea> page) {
    return page.items().stream().map(Idea::title).toList();
  }
}
