-- Loyalty engine schema, version 10 (PostgreSQL): testimonials. The migrator runs this script in one transaction.
--
-- A participant's testimonial, at most one (uq_testimonial_participant, inserted if absent), moderated from PENDING
-- to APPROVED or REJECTED by conditional updates on status. Deleted with its participant, by the engine (no table
-- refers to participant). Listed per campaign in id order (ix_testimonial_campaign). Keyed by tenant first.
CREATE TABLE testimonial (
  tenant_id      bigint NOT NULL,
  testimonial_id bigint NOT NULL,
  campaign_id    bigint NOT NULL,
  participant_id bigint NOT NULL,
  text           text NOT NULL,
  rating         integer,
  status         text NOT NULL,
  created_at     timestamptz NOT NULL,
  moderated_at   timestamptz,
  CONSTRAINT pk_testimonial PRIMARY KEY (tenant_id, testimonial_id),
  CONSTRAINT uq_testimonial_participant UNIQUE (tenant_id, participant_id),
  CONSTRAINT fk_testimonial_campaign FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaign (tenant_id, campaign_id),
  CONSTRAINT ck_testimonial_rating CHECK (rating BETWEEN 1 AND 5)
);
CREATE INDEX ix_testimonial_campaign ON testimonial (tenant_id, campaign_id, testimonial_id);
