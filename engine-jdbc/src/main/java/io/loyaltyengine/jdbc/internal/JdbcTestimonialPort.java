package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.TestimonialPort;
import io.loyaltyengine.testimonials.Testimonial;
import io.loyaltyengine.testimonials.TestimonialStatus;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Testimonials (table {@code testimonial}). A participant's one testimonial is held by the unique key
 * {@code (tenant_id, participant_id)}, inserted if absent; moderation is one conditional update on the status.
 *
 * <p>Not thread-safe: confined to its transaction.
 */
final class JdbcTestimonialPort extends JdbcPort implements TestimonialPort {
  JdbcTestimonialPort(Handle handle, Sql sql) {
    super(handle, sql);
  }

  @Override
  public boolean insertIfAbsent(Testimonial t) {
    Objects.requireNonNull(t, "testimonial");
    int rows = runInsertIfAbsent("testimonial insert", () -> handle.createUpdate(sql.testimonialInsertIfAbsent())
        .bind("tenantId", t.tenantId())
        .bind("participantId", t.participantId())
        .bind("testimonialId", t.id())
        .bind("campaignId", t.campaignId())
        .bind("text", t.text())
        .bind("rating", t.rating())
        .bind("status", JdbcRewardPort.name(t.status()))
        .bind("createdAt", Rows.timestamp(t.createdAt()))
        .execute());
    return rows > 0;
  }

  @Override
  public Optional<Testimonial> find(long tenantId, long testimonialId) {
    return run("testimonial find", () -> handle.createQuery(Sql.TESTIMONIAL_FIND)
        .bind("tenantId", tenantId)
        .bind("testimonialId", testimonialId)
        .map(Rows.TESTIMONIAL)
        .findOne());
  }

  @Override
  public Optional<Testimonial> findByParticipant(long tenantId, long participantId) {
    return run("testimonial find by participant", () -> handle.createQuery(Sql.TESTIMONIAL_FIND_BY_PARTICIPANT)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .map(Rows.TESTIMONIAL)
        .findOne());
  }

  @Override
  public boolean moderate(long tenantId, long testimonialId, List<TestimonialStatus> from, TestimonialStatus to,
      Instant at) {
    Objects.requireNonNull(from, "from");
    if (from.isEmpty()) {
      return false;
    }
    return run("testimonial moderate", () -> handle.createUpdate(Sql.TESTIMONIAL_MODERATE)
        .bind("tenantId", tenantId)
        .bind("testimonialId", testimonialId)
        .bind("status", JdbcRewardPort.name(to))
        .bind("moderatedAt", Rows.timestamp(at))
        .bindList("from", from.stream().map(Enum::name).toList())
        .execute()) > 0;
  }

  @Override
  public List<Testimonial> list(long tenantId, long campaignId, TestimonialStatus status, Long afterId, int limit) {
    String statement = Sql.TESTIMONIAL_LIST + (status == null ? Sql.TESTIMONIAL_ORDER
        : Sql.TESTIMONIAL_AND_STATUS + Sql.TESTIMONIAL_STATUS_ORDER);
    return run("testimonial list", () -> {
      var query = handle.createQuery(statement)
          .bind("tenantId", tenantId)
          .bind("campaignId", campaignId)
          .bind("afterId", afterId == null ? Long.MIN_VALUE : afterId)
          .bind("limit", checkLimit(limit));
      if (status != null) {
        query.bind("status", status.name());
      }
      return query.map(Rows.TESTIMONIAL).list();
    });
  }

  @Override
  public void deleteAll(long tenantId, long participantId) {
    run("testimonial delete", () -> handle.createUpdate(Sql.TESTIMONIAL_DELETE_ALL)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .execute());
  }
}
