package io.loyaltyengine.core.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.points.LedgerEntry;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Event JSON: the payloads the engine writes into the outbox, and the envelope a webhook carries. Written with
 * Jackson's streaming generator into a string (no I/O).
 *
 * <p>Envelope: {@code {"id", "type", "tenantId", "campaignId", "participantId", "sequence", "occurredAt",
 * "schemaVersion", "position", "data"}} where {@code data} is the payload object and {@code occurredAt} is ISO-8601.
 *
 * <p>Ids: from schema version 2 ({@link Outbox#SCHEMA_VERSION}) every id, in the envelope and the payload, is a JSON
 * string of its decimal digits ({@link #id}). Ids are 64-bit and above 2^53, which a JSON number read as a double
 * (JavaScript's only number type, and the default of many JSON libraries) cannot hold exactly. Events of schema
 * version 1, written by earlier versions of the engine, keep their payloads, and their envelopes keep numbers for the
 * tenant, campaign and participant.
 *
 * <p>Thread-safe: the factory is shared, generators are per call.
 */
public final class EventJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private EventJson() {
  }

  /** The webhook body of an event. */
  public static String envelope(LoyaltyEvent event) {
    return write(g -> {
      g.writeStartObject();
      g.writeStringField("id", event.id());
      g.writeStringField("type", event.type().wireName());
      if (event.schemaVersion() >= 2) {
        id(g, "tenantId", event.tenantId());
        nullableId(g, "campaignId", event.campaignId());
        nullableId(g, "participantId", event.participantId());
      } else {
        // An event written before ids became strings keeps the shape its schema version names, envelope included.
        g.writeNumberField("tenantId", event.tenantId());
        nullableNumber(g, "campaignId", event.campaignId());
        nullableNumber(g, "participantId", event.participantId());
      }
      g.writeNumberField("sequence", event.sequence());
      g.writeStringField("occurredAt", event.occurredAt().toString());
      g.writeNumberField("schemaVersion", event.schemaVersion());
      g.writeNumberField("position", event.position());
      g.writeFieldName("data");
      g.writeRawValue(event.payload());
      g.writeEndObject();
    });
  }

  /** The payload of participant created, updated and deleted events: the participant. */
  public static String participant(Participant p) {
    return write(g -> {
      g.writeStartObject();
      g.writeFieldName("participant");
      participantObject(g, p);
      g.writeEndObject();
    });
  }

  /**
   * The payload of points awarded and deducted events; {@code p} is the participant after the change. Shape:
   * {@code {"entry": {"id", "kind", "amount", "type", "description", "idempotencyKey", "balanceAfter", "createdAt",
   * "requestedAmount"}, "balance", "lifetimePoints", "participant": {"id", "campaignId", "email", "tier"}}}, ids as
   * strings. {@code requestedAmount} is what a deduction capped at the balance asked for (its
   * {@code amount} is what it took), and null for an award and a plain deduction, as in the ledger entry.
   */
  public static String points(LedgerEntry entry, Participant p) {
    return write(g -> {
      g.writeStartObject();
      g.writeFieldName("entry");
      g.writeStartObject();
      id(g, "id", entry.id());
      g.writeStringField("kind", entry.kind().name());
      g.writeNumberField("amount", entry.amount());
      g.writeStringField("type", entry.type());
      g.writeStringField("description", entry.description());
      g.writeStringField("idempotencyKey", entry.idempotencyKey());
      g.writeNumberField("balanceAfter", entry.balanceAfter());
      g.writeStringField("createdAt", entry.createdAt().toString());
      nullableNumber(g, "requestedAmount", entry.requestedAmount());
      g.writeEndObject();
      g.writeNumberField("balance", p.pointsBalance());
      g.writeNumberField("lifetimePoints", p.lifetimePoints());
      g.writeFieldName("participant");
      g.writeStartObject();
      id(g, "id", p.id());
      id(g, "campaignId", p.campaignId());
      g.writeStringField("email", p.email());
      g.writeStringField("tier", p.tier());
      g.writeEndObject();
      g.writeEndObject();
    });
  }

  private static void participantObject(JsonGenerator g, Participant p) throws IOException {
    g.writeStartObject();
    id(g, "id", p.id());
    id(g, "campaignId", p.campaignId());
    g.writeStringField("email", p.email());
    g.writeStringField("sanitizedEmail", p.sanitizedEmail());
    g.writeStringField("firstName", p.firstName());
    g.writeStringField("lastName", p.lastName());
    g.writeStringField("ipAddress", p.ipAddress());
    g.writeStringField("tier", p.tier());
    g.writeFieldName("metadata");
    metadata(g, p.metadata());
    g.writeNumberField("pointsBalance", p.pointsBalance());
    g.writeNumberField("lifetimePoints", p.lifetimePoints());
    g.writeStringField("createdAt", p.createdAt().toString());
    g.writeStringField("updatedAt", p.updatedAt().toString());
    g.writeEndObject();
  }

  /** Writes validated metadata (String, Boolean, Long, Double values), keys sorted for stable payloads. */
  public static void metadata(JsonGenerator g, Map<String, Object> metadata) throws IOException {
    g.writeStartObject();
    for (Map.Entry<String, Object> e : new TreeMap<>(metadata).entrySet()) {
      Object v = e.getValue();
      g.writeFieldName(e.getKey());
      if (v instanceof String s) {
        g.writeString(s);
      } else if (v instanceof Boolean b) {
        g.writeBoolean(b);
      } else if (v instanceof Long l) {
        g.writeNumber(l);
      } else {
        g.writeNumber((Double) v);
      }
    }
    g.writeEndObject();
  }

  /** Writes an id as a JSON string of its decimal digits (see "Ids" in the class description). */
  public static void id(JsonGenerator g, String field, long id) throws IOException {
    g.writeStringField(field, Long.toString(id));
  }

  /** As {@link #id}, or a JSON null. */
  public static void nullableId(JsonGenerator g, String field, Long id) throws IOException {
    if (id == null) {
      g.writeNullField(field);
    } else {
      id(g, field, id);
    }
  }

  private static void nullableNumber(JsonGenerator g, String field, Long value) throws IOException {
    if (value == null) {
      g.writeNullField(field);
    } else {
      g.writeNumberField(field, value);
    }
  }

  /**
   * Writes one JSON value with a streaming generator.
   *
   * <p>Need not be thread-safe: {@link EventJson#write(Body)} runs it once, on the calling thread.
   */
  @FunctionalInterface
  public interface Body {
    /** Writes the value. */
    void write(JsonGenerator g) throws IOException;
  }

  /** A JSON document written by {@code body}; for the payloads of each feature's events. */
  public static String write(Body body) {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      body.write(g);
    } catch (IOException e) {
      // A StringWriter does not fail; this would be a generator bug.
      throw new UncheckedIOException("writing event JSON", e);
    }
    return out.toString();
  }
}
