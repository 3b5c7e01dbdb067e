-- Loyalty engine schema, version 10 (H2): testimonials. Idempotent (IF NOT EXISTS): H2 commits DDL statement by
-- statement, and a run that died half-way is completed by the next.
--
-- A participant's testimonial, at most one (uq_testimonial_participant, inserted if absent), moderated from PENDING
-- to APPROVED or REJECTED by conditional updates on status. Deleted with its participant, by the engine (no table
-- refers to participant). Listed per campaign in id order (ix_testimonial_campaign).
CREATE TABLE IF NOT EXISTS testimonial (
  tenant_id      BIGINT NOT NULL,
  testimonial_id BIGINT NOT NULL,
  campaign_id    BIGINT NOT NULL,
  participant_id BIGINT NOT NULL,
  text           VARCHAR NOT NULL,
  rating         INTEGER,
  status         VARCHAR NOT NULL,
  created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
  moderated_at   TIMESTAMP WITH TIME ZONE,
  CONSTRAINT pk_testimonial PRIMARY KEY (tenant_id, testimonial_id),
  CONSTRAINT uq_testimonial_participant UNIQUE (tenant_id, participant_id),
  CONSTRAINT fk_testimonial_campaign FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaign (tenant_id, campaign_id),
  CONSTRAINT ck_testimonial_rating CHECK (rating BETWEEN 1 AND 5)
);
CREATE INDEX IF NOT EXISTS ix_testimonial_campaign ON testimonial (tenant_id, campaign_id, testimonial_id);
