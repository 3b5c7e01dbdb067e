-- Loyalty engine schema, version 2 (H2): the event outbox, the change feed, deliveries and webhook endpoints.
--
-- As in version 1, every table carries tenant_id and every key leads with it. Only the indexes that serve
-- cross-tenant work (the dispatcher finding tenants with unpositioned events, pruning by age, claiming due
-- deliveries) do not. Every statement is idempotent (IF NOT EXISTS): H2 commits DDL statement by statement, and a
-- run that died half-way is completed by the next.

-- Each participant's event counter: the sequence of its latest event (0: none yet). Incremented under the row lock.
ALTER TABLE participant ADD COLUMN IF NOT EXISTS event_sequence BIGINT NOT NULL DEFAULT 0;

-- The outbox: an event is written in the transaction of its change, unpositioned (position 0), and positioned in
-- its tenant's feed after it committed. The payload is JSON text, kept verbatim.
CREATE TABLE IF NOT EXISTS event_outbox (
  tenant_id      BIGINT NOT NULL,
  event_id       BIGINT NOT NULL,
  type           VARCHAR NOT NULL,
  campaign_id    BIGINT,
  participant_id BIGINT,
  sequence       BIGINT NOT NULL,
  occurred_at    TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  schema_version INTEGER NOT NULL,
  position       BIGINT NOT NULL DEFAULT 0,
  payload        VARCHAR NOT NULL,
  CONSTRAINT pk_event_outbox PRIMARY KEY (tenant_id, event_id),
  CONSTRAINT ck_event_outbox_position CHECK (position >= 0)
);

-- The change feed of a tenant (position > ?) and its unpositioned events in id order (position = 0).
CREATE INDEX IF NOT EXISTS ix_event_outbox_feed ON event_outbox (tenant_id, position, event_id);
-- The tenants that have unpositioned events (H2 has no partial indexes: the position = 0 range of this one).
CREATE INDEX IF NOT EXISTS ix_event_outbox_unpositioned ON event_outbox (position, tenant_id);
-- Pruning by age.
CREATE INDEX IF NOT EXISTS ix_event_outbox_occurred ON event_outbox (occurred_at);

-- One row per tenant whose feed was ever positioned: its lock serializes positioning, its value is the last
-- position given.
CREATE TABLE IF NOT EXISTS event_feed (
  tenant_id     BIGINT NOT NULL,
  last_position BIGINT NOT NULL,
  CONSTRAINT pk_event_feed PRIMARY KEY (tenant_id)
);

-- A delivery of one event to one subscriber (a listener name, or webhook:<endpoint id>). participant_id, sequence
-- and position are copied from the event so that the claim query reads this table alone.
CREATE TABLE IF NOT EXISTS event_delivery (
  tenant_id       BIGINT NOT NULL,
  event_id        BIGINT NOT NULL,
  subscriber      VARCHAR NOT NULL,
  participant_id  BIGINT,
  sequence        BIGINT NOT NULL,
  position        BIGINT NOT NULL,
  status          VARCHAR NOT NULL,
  attempts        INTEGER NOT NULL,
  next_attempt_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  lease_owner     VARCHAR,
  lease_until     TIMESTAMP(6) WITH TIME ZONE,
  last_error      VARCHAR,
  updated_at      TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_event_delivery PRIMARY KEY (tenant_id, event_id, subscriber),
  CONSTRAINT fk_event_delivery_event FOREIGN KEY (tenant_id, event_id) REFERENCES event_outbox (tenant_id, event_id),
  CONSTRAINT ck_event_delivery_status CHECK (status IN ('PENDING', 'DELIVERED', 'PARKED')),
  CONSTRAINT ck_event_delivery_attempts CHECK (attempts >= 0)
);

-- Claiming: due PENDING deliveries in position order. Also finds PARKED ones for listing.
CREATE INDEX IF NOT EXISTS ix_event_delivery_claim ON event_delivery (status, next_attempt_at, position);
-- The ordering rule: is there a PENDING delivery of the same tenant, subscriber and participant with a lower
-- sequence? Also serves deleting a subscriber's deliveries.
CREATE INDEX IF NOT EXISTS ix_event_delivery_order
  ON event_delivery (tenant_id, subscriber, participant_id, status, sequence);

-- Webhook endpoints. types: the wanted event types' wire names, sorted and comma-separated ('' for all).
-- The secrets sign deliveries, so they are stored as they are (a hash could not sign).
CREATE TABLE IF NOT EXISTS webhook_endpoint (
  tenant_id             BIGINT NOT NULL,
  endpoint_id           BIGINT NOT NULL,
  url                   VARCHAR NOT NULL,
  types                 VARCHAR NOT NULL,
  campaign_id           BIGINT,
  enabled               BOOLEAN NOT NULL,
  disabled_reason       VARCHAR,
  secret                VARCHAR NOT NULL,
  previous_secret       VARCHAR,
  previous_secret_until TIMESTAMP(6) WITH TIME ZONE,
  created_at            TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  updated_at            TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_webhook_endpoint PRIMARY KEY (tenant_id, endpoint_id)
);
