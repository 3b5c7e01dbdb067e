package io.loyaltyengine.core.referrals;

import com.fasterxml.jackson.core.JsonGenerator;
import io.loyaltyengine.core.event.EventJson;
import io.loyaltyengine.referrals.Conversion;
import io.loyaltyengine.referrals.Referral;
import io.loyaltyengine.referrals.TrackKind;
import java.io.IOException;
import java.time.Instant;

/**
 * The payloads of referral events, written with {@link EventJson#write}.
 *
 * <p>Shapes (schema version 2, {@code Outbox.SCHEMA_VERSION}). As in the other features, every id, the event's own
 * entity's and those it refers to, is a JSON string of its decimal digits ({@link EventJson#id}: 64-bit ids do not
 * survive JavaScript numbers); points and counts are numbers. No payload carries an email, IP address, visitor id or
 * customer id; order ids are the host's own and are carried.
 * <ul>
 *   <li>{@code referral.signup}: {@code {"referral": {"campaignId", "invitedId", "referrerId", "codeKind",
 *       "riskLevel", "riskReason", "status", "createdAt"}}}.</li>
 *   <li>{@code referral.tracked}: {@code {"kind", "referrerId", "uniqueVisitor", "counted"}}.</li>
 *   <li>{@code referral.conversion}: {@code {"conversion": {"id", "campaignId", "referrerId", "orderId",
 *       "orderValue", "points", "status", "pointsReversed", "createdAt", "reversedAt"}, "pointsAwarded"}}, the order
 *       value a string in plain decimal notation (exact, unlike a JSON number in most readers).</li>
 *   <li>{@code referral.reversal}: {@code {"conversion": {...as above...}, "pointsReversed", "shortfall"}}.</li>
 * </ul>
 * Instants are ISO-8601; absent values are JSON null.
 *
 * <p>Thread-safe: stateless.
 */
public final class ReferralJson {
  private ReferralJson() {
  }

  /** The payload of {@code referral.signup}. */
  public static String signup(Referral r) {
    return EventJson.write(g -> {
      g.writeStartObject();
      g.writeFieldName("referral");
      g.writeStartObject();
      EventJson.id(g, "campaignId", r.campaignId());
      EventJson.id(g, "invitedId", r.invitedId());
      EventJson.id(g, "referrerId", r.referrerId());
      g.writeStringField("codeKind", r.codeKind().name());
      g.writeStringField("riskLevel", r.riskLevel().name());
      g.writeStringField("riskReason", r.riskReason());
      g.writeStringField("status", r.status().name());
      instant(g, "createdAt", r.createdAt());
      g.writeEndObject();
      g.writeEndObject();
    });
  }

  /** The payload of {@code referral.tracked}. */
  public static String tracked(TrackKind kind, long referrerId, boolean uniqueVisitor, boolean counted) {
    return EventJson.write(g -> {
      g.writeStartObject();
      g.writeStringField("kind", kind.name());
      EventJson.id(g, "referrerId", referrerId);
      g.writeBooleanField("uniqueVisitor", uniqueVisitor);
      g.writeBooleanField("counted", counted);
      g.writeEndObject();
    });
  }

  /** The payload of {@code referral.conversion}. */
  public static String conversion(Conversion c, long pointsAwarded) {
    return EventJson.write(g -> {
      g.writeStartObject();
      g.writeFieldName("conversion");
      conversionObject(g, c);
      g.writeNumberField("pointsAwarded", pointsAwarded);
      g.writeEndObject();
    });
  }

  /** The payload of {@code referral.reversal}. */
  public static String reversal(Conversion c, long pointsReversed, long shortfall) {
    return EventJson.write(g -> {
      g.writeStartObject();
      g.writeFieldName("conversion");
      conversionObject(g, c);
      g.writeNumberField("pointsReversed", pointsReversed);
      g.writeNumberField("shortfall", shortfall);
      g.writeEndObject();
    });
  }

  private static void conversionObject(JsonGenerator g, Conversion c) throws IOException {
    g.writeStartObject();
    EventJson.id(g, "id", c.id());
    EventJson.id(g, "campaignId", c.campaignId());
    EventJson.id(g, "referrerId", c.referrerId());
    g.writeStringField("orderId", c.orderId());
    g.writeStringField("orderValue", c.orderValue().toPlainString());
    g.writeNumberField("points", c.points());
    g.writeStringField("status", c.status().name());
    g.writeNumberField("pointsReversed", c.pointsReversed());
    instant(g, "createdAt", c.createdAt());
    instant(g, "reversedAt", c.reversedAt());
    g.writeEndObject();
  }

  private static void instant(JsonGenerator g, String field, Instant value) throws IOException {
    g.writeStringField(field, value == null ? null : value.toString());
  }
}
