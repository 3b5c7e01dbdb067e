-- Loyalty engine schema, version 2 (PostgreSQL): the event outbox, the change feed, deliveries and webhook endpoints.
--
-- As in version 1, every table carries tenant_id and every primary and foreign key leads with it, so the tables can
-- be distributed by tenant and colocated (Citus). Only the non-unique indexes that serve cross-tenant work (claiming
-- due deliveries, pruning by age) do not. The migrator runs this script in one transaction.

-- Each participant's event counter: the sequence of its latest event (0: none yet). Incremented under the row lock.
-- A constant default: PostgreSQL adds the column without rewriting the table.
ALTER TABLE participant ADD COLUMN event_sequence bigint NOT NULL DEFAULT 0;

-- The outbox: an event is written in the transaction of its change, unpositioned (position 0), and positioned in
-- its tenant's feed after it committed. The payload is json, which keeps the text verbatim.
CREATE TABLE event_outbox (
  tenant_id      bigint NOT NULL,
  event_id       bigint NOT NULL,
  type           text NOT NULL,
  campaign_id    bigint,
  participant_id bigint,
  sequence       bigint NOT NULL,
  occurred_at    timestamptz NOT NULL,
  schema_version integer NOT NULL,
  position       bigint NOT NULL DEFAULT 0,
  payload        json NOT NULL,
  CONSTRAINT pk_event_outbox PRIMARY KEY (tenant_id, event_id),
  CONSTRAINT ck_event_outbox_position CHECK (position >= 0)
);

-- The change feed of a tenant: position > ? in position order.
CREATE INDEX ix_event_outbox_feed ON event_outbox (tenant_id, position);
-- Unpositioned events, per tenant in id order: small, since events are positioned soon after they commit.
CREATE INDEX ix_event_outbox_unpositioned ON event_outbox (tenant_id, event_id) WHERE position = 0;
-- Pruning by age.
CREATE INDEX ix_event_outbox_occurred ON event_outbox (occurred_at);

-- One row per tenant whose feed was ever positioned: its lock serializes positioning, its value is the last
-- position given.
CREATE TABLE event_feed (
  tenant_id     bigint NOT NULL,
  last_position bigint NOT NULL,
  CONSTRAINT pk_event_feed PRIMARY KEY (tenant_id)
);

-- A delivery of one event to one subscriber (a listener name, or webhook:<endpoint id>). participant_id, sequence
-- and position are copied from the event so that the claim query reads this table alone.
CREATE TABLE event_delivery (
  tenant_id       bigint NOT NULL,
  event_id        bigint NOT NULL,
  subscriber      text NOT NULL,
  participant_id  bigint,
  sequence        bigint NOT NULL,
  position        bigint NOT NULL,
  status          text NOT NULL,
  attempts        integer NOT NULL,
  next_attempt_at timestamptz NOT NULL,
  lease_owner     text,
  lease_until     timestamptz,
  last_error      text,
  updated_at      timestamptz NOT NULL,
  CONSTRAINT pk_event_delivery PRIMARY KEY (tenant_id, event_id, subscriber),
  CONSTRAINT fk_event_delivery_event FOREIGN KEY (tenant_id, event_id) REFERENCES event_outbox (tenant_id, event_id),
  CONSTRAINT ck_event_delivery_status CHECK (status IN ('PENDING', 'DELIVERED', 'PARKED')),
  CONSTRAINT ck_event_delivery_attempts CHECK (attempts >= 0)
);

-- Claiming: due PENDING deliveries in position order. Also finds PARKED ones for listing.
CREATE INDEX ix_event_delivery_claim ON event_delivery (status, next_attempt_at, position);
-- The ordering rule: is there a PENDING delivery of the same tenant, subscriber and participant with a lower
-- sequence? Only PENDING rows can answer yes, so only they are indexed.
CREATE INDEX ix_event_delivery_order ON event_delivery (tenant_id, subscriber, participant_id, sequence)
  WHERE status = 'PENDING';

-- Webhook endpoints. types: the wanted event types' wire names, sorted and comma-separated ('' for all).
-- The secrets sign deliveries, so they are stored as they are (a hash could not sign).
CREATE TABLE webhook_endpoint (
  tenant_id             bigint NOT NULL,
  endpoint_id           bigint NOT NULL,
  url                   text NOT NULL,
  types                 text NOT NULL,
  campaign_id           bigint,
  enabled               boolean NOT NULL,
  disabled_reason       text,
  secret                text NOT NULL,
  previous_secret       text,
  previous_secret_until timestamptz,
  created_at            timestamptz NOT NULL,
  updated_at            timestamptz NOT NULL,
  CONSTRAINT pk_webhook_endpoint PRIMARY KEY (tenant_id, endpoint_id)
);
