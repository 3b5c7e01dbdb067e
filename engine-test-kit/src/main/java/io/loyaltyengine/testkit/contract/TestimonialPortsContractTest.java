package io.loyaltyengine.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.testimonials.Testimonial;
import io.loyaltyengine.testimonials.TestimonialStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The testimonial port's contract suite, held to its javadoc below the engine on every storage backend: every field
 * read back as written (nulls included), one testimonial per participant kept by insert-if-absent, moderation only
 * from the statuses given, lists in id order by campaign and status after a cursor, a participant's deletion, tenant
 * isolation of every lookup, the undo of every write, and races on two storages: of concurrent inserts for one
 * participant and of concurrent moderations of one testimonial exactly one succeeds, and a second insert waits for
 * an uncommitted first. Races through the engine are in the JDBC module's {@code TestimonialRace*} tests.
 *
 * <p>A backend's test extends this class and supplies its fixture (see {@link ReferralPortsContractTest}).
 * Not thread-safe: JUnit creates an instance per test method.
 */
public abstract class TestimonialPortsContractTest extends PortsContractSupport {
  /** Microseconds: every backend keeps them. */
  private static final Instant T0 = Instant.parse("2025-04-01T09:30:00.123456Z");

  @Test
  void aTestimonialRoundTripsEveryFieldAndAParticipantKeepsItsFirst() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    Testimonial full = testimonial(campaign, nextId(), "Lovely shop 🎁 — «merci»", 5);
    Testimonial bare = testimonial(campaign, nextId(), "x", null);
    assertTrue(test(tx -> tx.testimonials().insertIfAbsent(full)));
    assertTrue(test(tx -> tx.testimonials().insertIfAbsent(bare)));
    assertEquals(Optional.of(full), tx(tx -> tx.testimonials().find(t, full.id())));
    assertEquals(Optional.of(bare), tx(tx -> tx.testimonials().find(t, bare.id())));
    assertEquals(Optional.of(full), tx(tx -> tx.testimonials().findByParticipant(t, full.participantId())));

    Testimonial second = new Testimonial(nextId(), t, campaign.id(), full.participantId(), "Another", 1,
        TestimonialStatus.PENDING, T0, null);
    assertTrue(test(tx -> {
      boolean inserted = tx.testimonials().insertIfAbsent(second);
      // The unit of work stays usable after the insert that found the participant's testimonial.
      return !inserted && tx.testimonials().find(t, full.id()).isPresent();
    }));
    assertEquals(Optional.empty(), tx(tx -> tx.testimonials().find(t, second.id())));
    assertEquals(Optional.of(full), tx(tx -> tx.testimonials().findByParticipant(t, full.participantId())));
  }

  @Test
  void moderationMovesOnlyFromTheStatusesGivenAndRecordsWhen() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    Testimonial pending = testimonial(campaign, nextId(), "Good", 4);
    run(tx -> tx.testimonials().insertIfAbsent(pending));
    Instant at = T0.plusSeconds(60);
    assertFalse(test(tx -> tx.testimonials().moderate(t, pending.id(), List.of(TestimonialStatus.APPROVED),
        TestimonialStatus.REJECTED, at)), "not from PENDING when only APPROVED is given");
    assertFalse(test(tx -> tx.testimonials().moderate(t, pending.id(), List.of(), TestimonialStatus.REJECTED, at)));
    assertEquals(pending, tx(tx -> tx.testimonials().find(t, pending.id())).orElseThrow());

    assertTrue(test(tx -> tx.testimonials().moderate(t, pending.id(), List.of(TestimonialStatus.PENDING),
        TestimonialStatus.APPROVED, at)));
    Testimonial approved = tx(tx -> tx.testimonials().find(t, pending.id())).orElseThrow();
    assertEquals(TestimonialStatus.APPROVED, approved.status());
    assertEquals(at, approved.moderatedAt());
    assertEquals(pending.text(), approved.text());
    assertFalse(test(tx -> tx.testimonials().moderate(t, pending.id(), List.of(TestimonialStatus.PENDING),
        TestimonialStatus.APPROVED, at.plusSeconds(1))), "moves once");
    assertTrue(test(tx -> tx.testimonials().moderate(t, pending.id(), List.of(TestimonialStatus.PENDING,
        TestimonialStatus.APPROVED), TestimonialStatus.REJECTED, at.plusSeconds(2))));
    assertEquals(TestimonialStatus.REJECTED, tx(tx -> tx.testimonials().find(t, pending.id())).orElseThrow()
        .status());

    long stranger = tenant(T0);
    assertFalse(test(tx -> tx.testimonials().moderate(stranger, pending.id(), List.of(TestimonialStatus.values()),
        TestimonialStatus.APPROVED, at)), "another tenant's testimonial");
    assertFalse(test(tx -> tx.testimonials().moderate(t, nextId(), List.of(TestimonialStatus.values()),
        TestimonialStatus.APPROVED, at)), "no such testimonial");
  }

  @Test
  void listsAreByCampaignAndStatusInIdOrderAfterTheCursor() {
    Campaign campaign = campaign(tenant(T0), T0);
    Campaign other = campaign(campaign.tenantId(), T0);
    long t = campaign.tenantId();
    long first = nextIds(5);
    for (int i = 0; i < 5; i++) {
      Testimonial x = testimonial(campaign, first + i, "T" + i, null);
      run(tx -> tx.testimonials().insertIfAbsent(x));
    }
    run(tx -> tx.testimonials().insertIfAbsent(testimonial(other, nextId(), "elsewhere", null)));
    run(tx -> tx.testimonials().moderate(t, first + 1, List.of(TestimonialStatus.PENDING), TestimonialStatus.APPROVED,
        T0));
    run(tx -> tx.testimonials().moderate(t, first + 3, List.of(TestimonialStatus.PENDING), TestimonialStatus.APPROVED,
        T0));

    assertEquals(List.of("T0", "T1", "T2", "T3", "T4"), texts(t, campaign.id(), null, null, 10));
    assertEquals(List.of("T0", "T1"), texts(t, campaign.id(), null, null, 2));
    assertEquals(List.of("T2", "T3"), texts(t, campaign.id(), null, first + 1, 2));
    assertEquals(List.of("T1", "T3"), texts(t, campaign.id(), TestimonialStatus.APPROVED, null, 10));
    assertEquals(List.of("T3"), texts(t, campaign.id(), TestimonialStatus.APPROVED, first + 1, 10));
    assertEquals(List.of("T0", "T2", "T4"), texts(t, campaign.id(), TestimonialStatus.PENDING, null, 10));
    assertEquals(List.of(), texts(t, campaign.id(), TestimonialStatus.REJECTED, null, 10));
    assertEquals(List.of(), texts(t, campaign.id(), null, null, 0));
    assertEquals(List.of("elsewhere"), texts(t, other.id(), null, null, 10));
    assertEquals(List.of(), texts(tenant(T0), campaign.id(), null, null, 10), "another tenant, same campaign id");
  }

  @Test
  void aParticipantsDeletionTakesItsTestimonialOnlyAndAnUndoneUnitOfWorkLeavesNothing() {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    Testimonial kept = testimonial(campaign, nextId(), "kept", null);
    Testimonial gone = testimonial(campaign, nextId(), "gone", 3);
    run(tx -> tx.testimonials().insertIfAbsent(kept));
    run(tx -> tx.testimonials().insertIfAbsent(gone));
    long stranger = tenant(T0);
    run(tx -> tx.testimonials().deleteAll(stranger, gone.participantId()));
    assertTrue(tx(tx -> tx.testimonials().find(t, gone.id())).isPresent(), "another tenant's deletion");

    assertThrows(IllegalStateException.class, () -> run(tx -> {
      tx.testimonials().deleteAll(t, gone.participantId());
      tx.testimonials().moderate(t, kept.id(), List.of(TestimonialStatus.PENDING), TestimonialStatus.APPROVED, T0);
      tx.testimonials().insertIfAbsent(testimonial(campaign, nextId(), "undone", null));
      throw new IllegalStateException("rolled back");
    }));
    assertEquals(List.of("kept", "gone"), texts(t, campaign.id(), null, null, 10));
    assertEquals(kept, tx(tx -> tx.testimonials().find(t, kept.id())).orElseThrow());

    run(tx -> tx.testimonials().deleteAll(t, gone.participantId()));
    assertEquals(Optional.empty(), tx(tx -> tx.testimonials().find(t, gone.id())));
    assertEquals(Optional.empty(), tx(tx -> tx.testimonials().findByParticipant(t, gone.participantId())));
    assertEquals(List.of("kept"), texts(t, campaign.id(), null, null, 10));
    Testimonial sameParticipant = new Testimonial(nextId(), t, campaign.id(), gone.participantId(), "again", null,
        TestimonialStatus.PENDING, T0, null);
    assertTrue(test(tx -> tx.testimonials().insertIfAbsent(sameParticipant)), "its key is free again");
  }

  @Test
  void ofConcurrentInsertsForOneParticipantExactlyOneIsStored() throws Exception {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    long participant = nextId();
    long first = nextIds(RACERS);
    List<Boolean> outcomes = race(i -> tx -> tx.testimonials().insertIfAbsent(new Testimonial(first + i, t,
        campaign.id(), participant, "racer " + i, null, TestimonialStatus.PENDING, T0, null)));
    assertEquals(1, outcomes.stream().filter(b -> b).count(), outcomes.toString());
    assertEquals(Optional.of("racer " + outcomes.indexOf(true)),
        tx(tx -> tx.testimonials().findByParticipant(t, participant)).map(Testimonial::text));
    assertEquals(1, texts(t, campaign.id(), null, null, 100).size());
  }

  @Test
  void aSecondInsertForOneParticipantWaitsForTheFirstAndLosesIfItCommits() throws Exception {
    assertASecondInsertWaits(true);
  }

  @Test
  void aSecondInsertForOneParticipantWaitsForTheFirstAndWinsIfItRollsBack() throws Exception {
    assertASecondInsertWaits(false);
  }

  private void assertASecondInsertWaits(boolean firstCommits) throws Exception {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    Testimonial mine = testimonial(campaign, nextId(), "first", null);
    Testimonial yours = new Testimonial(nextId(), t, campaign.id(), mine.participantId(), "second", 2,
        TestimonialStatus.PENDING, T0, null);
    boolean inserted = secondWaitingForFirst(tx -> tx.testimonials().insertIfAbsent(mine), firstCommits,
        tx -> tx.testimonials().insertIfAbsent(yours));
    assertEquals(!firstCommits, inserted, firstCommits ? "loses to the committed first" : "wins after a rollback");
    assertEquals(Optional.of(firstCommits ? mine : yours),
        tx(tx -> tx.testimonials().findByParticipant(t, mine.participantId())));
  }

  @Test
  void ofConcurrentModerationsOfOneTestimonialExactlyOneMovesIt() throws Exception {
    Campaign campaign = campaign(tenant(T0), T0);
    long t = campaign.tenantId();
    Testimonial pending = testimonial(campaign, nextId(), "moderated", 5);
    run(tx -> tx.testimonials().insertIfAbsent(pending));
    List<TestimonialStatus> to = List.of(TestimonialStatus.APPROVED, TestimonialStatus.REJECTED);
    List<Boolean> outcomes = race(i -> tx -> tx.testimonials().moderate(t, pending.id(),
        List.of(TestimonialStatus.PENDING), to.get(i % 2), T0.plusSeconds(i)));
    assertEquals(1, outcomes.stream().filter(b -> b).count(), outcomes.toString());
    int winner = outcomes.indexOf(true);
    Testimonial moderated = tx(tx -> tx.testimonials().find(t, pending.id())).orElseThrow();
    assertEquals(to.get(winner % 2), moderated.status(), "the one move that returned true is the one stored");
    assertEquals(1, texts(t, campaign.id(), to.get(winner % 2), null, 10).size());
  }

  private List<String> texts(long tenantId, long campaignId, TestimonialStatus status, Long afterId, int limit) {
    return tx(tx -> tx.testimonials().list(tenantId, campaignId, status, afterId, limit)).stream()
        .map(Testimonial::text).toList();
  }

  /** A PENDING testimonial of a new participant of the campaign, made at T0. */
  private static Testimonial testimonial(Campaign campaign, long id, String text, Integer rating) {
    return new Testimonial(id, campaign.tenantId(), campaign.id(), nextId(), text, rating, TestimonialStatus.PENDING,
        T0, null);
  }
}
