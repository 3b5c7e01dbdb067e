-- Loyalty engine schema, version 9 (PostgreSQL): landing pages. The migrator runs this script in one transaction.
--
-- A campaign's landing page: where its referral links lead and what the page says. A campaign without a row has the
-- default page (its brand's website, headed by the campaign's name), worked out by the engine, never stored. Keyed
-- by tenant first, like every table, so it can be distributed by tenant and colocated with campaign (Citus).
CREATE TABLE landing_page (
  tenant_id          bigint NOT NULL,
  campaign_id        bigint NOT NULL,
  url                text NOT NULL,
  headline           text NOT NULL,
  description        text,
  share_message      text,
  image_url          text,
  referral_parameter text NOT NULL,
  CONSTRAINT pk_landing_page PRIMARY KEY (tenant_id, campaign_id),
  CONSTRAINT fk_landing_page_campaign FOREIGN KEY (tenant_id, campaign_id)
    REFERENCES campaign (tenant_id, campaign_id)
);
