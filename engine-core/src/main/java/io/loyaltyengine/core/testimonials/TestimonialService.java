package io.loyaltyengine.core.testimonials;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.campaign.CampaignService;
import io.loyaltyengine.core.event.EventJson;
import io.loyaltyengine.core.event.Outbox;
import io.loyaltyengine.core.internal.ScopeContext;
import io.loyaltyengine.core.participant.ParticipantService;
import io.loyaltyengine.core.spi.Transaction;
import io.loyaltyengine.core.validation.TextRules;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.testimonials.NewTestimonial;
import io.loyaltyengine.testimonials.Testimonial;
import io.loyaltyengine.testimonials.TestimonialStatus;
import io.loyaltyengine.testimonials.Testimonials;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Testimonials over {@link io.loyaltyengine.core.spi.TestimonialPort}.
 *
 * <p>A submission inserts if absent on the participant's unique key, so concurrent ones store exactly one, and the
 * others compare theirs with it: the same text and rating is a replay, anything else a CONFLICT. A submission holds
 * its participant's row lock, so a deletion either waits for it and deletes the testimonial, or commits first and
 * the submission is NOT_FOUND. Moderation is a
 * conditional update from the statuses the move is allowed from; when it moves nothing, the status read afterwards
 * decides the answer. No move leads back to PENDING and REJECTED is final, so that status is settled: APPROVED or
 * REJECTED after a failed approval, REJECTED after a failed rejection.
 *
 * <p>Events, in the unit of work of their change and about the testimonial's participant: {@code
 * testimonial.submitted} when a submission stores a testimonial (not for a replay), {@code testimonial.approved} and
 * {@code testimonial.rejected} when moderation moves one (not when it already had the status). Moderation takes the
 * participant's row lock before the testimonial's, as a submission and the participant's deletion do (the event's
 * sequence needs that lock anyway; taken second, it could deadlock with a deletion).
 *
 * <p>Thread-safe when its context is.
 */
public final class TestimonialService implements Testimonials {
  /** The longest testimonial, in code points. */
  public static final int MAX_TEXT_LENGTH = 5_000;

  private final ScopeContext context;

  /** Creates the service. */
  public TestimonialService(ScopeContext context) {
    this.context = context;
  }

  @Override
  public Testimonial submit(ParticipantRef participant, NewTestimonial request) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    TextRules.notNull("testimonial", request);
    String text = TextRules.requiredLines("text", request.text(), MAX_TEXT_LENGTH);
    Integer rating = request.rating();
    if (rating != null && (rating < 1 || rating > 5)) {
      throw LoyaltyException.validation("rating", "rating must be between 1 and 5");
    }
    long tenantId = context.tenantId();
    long id = context.ids().nextId();
    return context.transactions().run(tx -> {
      // Locked: a deletion committed since an unlocked read would not see the testimonial, which would outlive it.
      Participant p = resolver.lock(tx, tenantId);
      Testimonial testimonial = new Testimonial(id, tenantId, p.campaignId(), p.id(), text, rating,
          TestimonialStatus.PENDING, context.now(), null);
      if (tx.testimonials().insertIfAbsent(testimonial)) {
        Outbox.emit(context, tx, EventType.TESTIMONIAL_SUBMITTED, p.campaignId(), p.id(), payload(testimonial));
        return testimonial;
      }
      Testimonial stored = tx.testimonials().findByParticipant(tenantId, p.id())
          // Inserted by another transaction and deleted with its participant since: as if never there.
          .orElseThrow(() -> LoyaltyException.notFound("participant"));
      if (!stored.text().equals(text) || !Objects.equals(stored.rating(), rating)) {
        throw LoyaltyException.conflict("participant", "the participant has already submitted a testimonial");
      }
      return stored;
    });
  }

  @Override
  public Testimonial get(long testimonialId) {
    return context.transactions().runRead(tx -> find(tx, testimonialId));
  }

  @Override
  public Optional<Testimonial> of(ParticipantRef participant) {
    ParticipantService.Resolver resolver = ParticipantService.resolver(participant);
    long tenantId = context.tenantId();
    // resolve, not resolveId: an unknown participant is NOT_FOUND here, not a participant without a testimonial.
    // At one snapshot: a deletion committed between the two reads would show the participant without its testimonial.
    return context.transactions().runRead(tx ->
        tx.testimonials().findByParticipant(tenantId, resolver.resolve(tx, tenantId).id()));
  }

  @Override
  public Testimonial approve(long testimonialId) {
    return moderate(testimonialId, TestimonialStatus.APPROVED);
  }

  @Override
  public Testimonial reject(long testimonialId) {
    return moderate(testimonialId, TestimonialStatus.REJECTED);
  }

  private Testimonial moderate(long testimonialId, TestimonialStatus to) {
    List<TestimonialStatus> from = Arrays.stream(TestimonialStatus.values()).filter(s -> s.canMoveTo(to)).toList();
    long tenantId = context.tenantId();
    EventType event = to == TestimonialStatus.APPROVED
        ? EventType.TESTIMONIAL_APPROVED : EventType.TESTIMONIAL_REJECTED;
    return context.transactions().run(tx -> {
      // The participant's lock first (see the class description); gone, it took its testimonial with it.
      ParticipantService.lockOwner(tx, tenantId, find(tx, testimonialId).participantId(), "testimonial");
      boolean moved = tx.testimonials().moderate(tenantId, testimonialId, from, to, context.now());
      Testimonial now = find(tx, testimonialId);
      if (!moved && now.status() != to) {
        throw new LoyaltyException(ErrorCode.INVALID_TRANSITION, "status",
            "a " + now.status() + " testimonial cannot become " + to);
      }
      if (moved) {
        Outbox.emit(context, tx, event, now.campaignId(), now.participantId(), payload(now));
      }
      return now;
    });
  }

  /**
   * The payload of the testimonial events: the testimonial as the API gives it, {@code {"testimonial": {"id",
   * "campaignId", "participantId", "text", "rating", "status", "createdAt", "moderatedAt"}}}. As in the other events,
   * the id of the entity the event is about is a string (64-bit ids do not survive JavaScript numbers) and the ids it
   * refers to are numbers; instants are ISO-8601, a missing rating or moderation time null.
   */
  static String payload(Testimonial t) {
    return EventJson.write(g -> {
      g.writeStartObject();
      g.writeFieldName("testimonial");
      g.writeStartObject();
      EventJson.id(g, "id", t.id());
      EventJson.id(g, "campaignId", t.campaignId());
      EventJson.id(g, "participantId", t.participantId());
      g.writeStringField("text", t.text());
      if (t.rating() == null) {
        g.writeNullField("rating");
      } else {
        g.writeNumberField("rating", t.rating());
      }
      g.writeStringField("status", t.status().name());
      g.writeStringField("createdAt", t.createdAt().toString());
      Instant moderatedAt = t.moderatedAt();
      g.writeStringField("moderatedAt", moderatedAt == null ? null : moderatedAt.toString());
      g.writeEndObject();
      g.writeEndObject();
    });
  }

  @Override
  public CursorPage<Testimonial> list(long campaignId, TestimonialStatus status, Keyset page) {
    TextRules.notNull("page", page);
    long tenantId = context.tenantId();
    return context.transactions().runRead(tx -> {
      CampaignService.require(tx, tenantId, campaignId);
      return CursorPage.fromRows(tx.testimonials().list(tenantId, campaignId, status, page.afterId(),
          page.limit() + 1), page.limit(), Testimonial::id);
    });
  }

  private Testimonial find(Transaction tx, long testimonialId) {
    return tx.testimonials().find(context.tenantId(), testimonialId)
        .orElseThrow(() -> LoyaltyException.notFound("testimonial"));
  }
}
