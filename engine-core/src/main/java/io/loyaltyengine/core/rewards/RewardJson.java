package io.loyaltyengine.core.rewards;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.loyaltyengine.core.event.EventJson;
import io.loyaltyengine.core.spi.ActionRecord;
import io.loyaltyengine.rewards.ActionCounts;
import io.loyaltyengine.rewards.EarnedReward;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * The payloads of reward events, written with {@link EventJson#write}, and the one value the engine reads back
 * from them (the earned reward's id, for fulfilment handlers).
 *
 * <p>Shapes (schema version 2, {@code Outbox.SCHEMA_VERSION}). Every id, the event's own entity's and those it
 * refers to, is a JSON string of its decimal digits ({@link EventJson#id}: 64-bit ids do not survive JavaScript
 * numbers); points, cycles, amounts and counts are numbers.
 * <ul>
 *   <li>reward reached, approved, fulfilled, removed, and coupon assigned: {@code {"earnedReward": {"id",
 *       "campaignId", "participantId", "campaignRewardId", "cycle", "type", "status", "unread", "points",
 *       "couponCode", "message", "cashAmountMinor", "currency", "waitingReason", "earnedAt", "approvedAt",
 *       "fulfilledAt"}}}. The coupon code is a bearer secret: it is written only in approved, coupon assigned and
 *       fulfilled events, which its consumer needs, and is absent from the others (a reached or removed reward has
 *       no code anyway). Coupon pool empty carries the same {@code earnedReward} object, without the code (the
 *       reward waits for one), beside fields of its own (see {@code CouponAssignment}).</li>
 *   <li>loyalty action recorded: {@code {"action": {"id", "campaignRewardId", "source", "invitedParticipantId",
 *       "idempotencyKey", "participantCreated", "metadata", "recordedAt"}, "counts": {"allTime", "currentMonth",
 *       "previousMonth", "rewardAllTime", "rewardCurrentMonth"}}}.</li>
 * </ul>
 * Instants are ISO-8601; absent values are JSON null.
 *
 * <p>Thread-safe: stateless (the parser factory is shared and thread-safe).
 */
public final class RewardJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private RewardJson() {
  }

  /**
   * The payload of an earned-reward event.
   *
   * @param withCouponCode whether to write the coupon code (approved, coupon assigned and fulfilled events)
   */
  public static String earned(EarnedReward r, boolean withCouponCode) {
    return EventJson.write(g -> {
      g.writeStartObject();
      g.writeFieldName("earnedReward");
      earnedObject(g, r, withCouponCode);
      g.writeEndObject();
    });
  }

  /**
   * Writes the {@code earnedReward} object of an earned-reward payload (also of {@code coupon.pool_empty}'s).
   *
   * @param withCouponCode whether to write the coupon code (approved, coupon assigned and fulfilled events)
   */
  public static void earnedObject(JsonGenerator g, EarnedReward r, boolean withCouponCode) throws IOException {
    g.writeStartObject();
    EventJson.id(g, "id", r.id());
    EventJson.id(g, "campaignId", r.campaignId());
    EventJson.id(g, "participantId", r.participantId());
    EventJson.id(g, "campaignRewardId", r.campaignRewardId());
    g.writeNumberField("cycle", r.cycle());
    g.writeStringField("type", r.type().name());
    g.writeStringField("status", r.status().name());
    g.writeBooleanField("unread", r.unread());
    g.writeNumberField("points", r.points());
    if (withCouponCode) {
      g.writeStringField("couponCode", r.couponCode());
    }
    g.writeStringField("message", r.message());
    g.writeNumberField("cashAmountMinor", r.cashAmountMinor());
    g.writeStringField("currency", r.currency());
    g.writeStringField("waitingReason", r.waitingReason());
    instant(g, "earnedAt", r.earnedAt());
    instant(g, "approvedAt", r.approvedAt());
    instant(g, "fulfilledAt", r.fulfilledAt());
    g.writeEndObject();
  }

  /** The payload of a loyalty-action event. */
  public static String action(ActionRecord a) {
    return EventJson.write(g -> {
      g.writeStartObject();
      g.writeFieldName("action");
      g.writeStartObject();
      EventJson.id(g, "id", a.actionId());
      EventJson.id(g, "campaignRewardId", a.campaignRewardId());
      g.writeStringField("source", a.source().name());
      if (a.invitedParticipantId() == null) {
        g.writeNullField("invitedParticipantId");
      } else {
        EventJson.id(g, "invitedParticipantId", a.invitedParticipantId());
      }
      g.writeStringField("idempotencyKey", a.idempotencyKey());
      g.writeBooleanField("participantCreated", a.participantCreated());
      g.writeFieldName("metadata");
      EventJson.metadata(g, a.metadata());
      instant(g, "recordedAt", a.recordedAt());
      g.writeEndObject();
      ActionCounts c = a.counts();
      g.writeFieldName("counts");
      g.writeStartObject();
      g.writeNumberField("allTime", c.allTime());
      g.writeNumberField("currentMonth", c.currentMonth());
      g.writeNumberField("previousMonth", c.previousMonth());
      g.writeNumberField("rewardAllTime", c.rewardAllTime());
      g.writeNumberField("rewardCurrentMonth", c.rewardCurrentMonth());
      g.writeEndObject();
      g.writeEndObject();
    });
  }

  /**
   * The id of the earned reward an earned-reward event is about ({@code earnedReward.id}, a string or a number).
   *
   * @throws IllegalArgumentException if the payload has none
   */
  public static long earnedRewardId(String payload) {
    try (JsonParser p = FACTORY.createParser(payload)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("an earned-reward payload is a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if ("earnedReward".equals(field) && value == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String inner = p.currentName();
            JsonToken v = p.nextToken();
            if ("id".equals(inner)) {
              if (v == JsonToken.VALUE_STRING) {
                return Long.parseLong(p.getText());
              }
              if (v == JsonToken.VALUE_NUMBER_INT) {
                return p.getLongValue();
              }
              break;
            }
            p.skipChildren();
          }
          break;
        }
        p.skipChildren();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading an event payload", e);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("earnedReward.id is not a 64-bit integer", e);
    }
    throw new IllegalArgumentException("the payload has no earnedReward.id");
  }

  private static void instant(JsonGenerator g, String field, Instant value) throws IOException {
    g.writeStringField(field, value == null ? null : value.toString());
  }

}
