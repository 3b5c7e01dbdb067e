-- Loyalty engine schema, version 9 (H2): landing pages. Idempotent (IF NOT EXISTS): H2 commits DDL statement by
-- statement, and a run that died half-way is completed by the next.
--
-- A campaign's landing page: where its referral links lead and what the page says. A campaign without a row has the
-- default page (its brand's website, headed by the campaign's name), worked out by the engine, never stored.
CREATE TABLE IF NOT EXISTS landing_page (
  tenant_id          BIGINT NOT NULL,
  campaign_id        BIGINT NOT NULL,
  url                VARCHAR NOT NULL,
  headline           VARCHAR NOT NULL,
  description        VARCHAR,
  share_message      VARCHAR,
  image_url          VARCHAR,
  referral_parameter VARCHAR NOT NULL,
  CONSTRAINT pk_landing_page PRIMARY KEY (tenant_id, campaign_id),
  CONSTRAINT fk_landing_page_campaign FOREIGN KEY (tenant_id, campaign_id)
    REFERENCES campaign (tenant_id, campaign_id)
);
