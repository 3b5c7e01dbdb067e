-- Loyalty engine schema, version 22 (PostgreSQL): an index of a campaign's testimonials by status in id order. The
-- migrator runs this script in one transaction.
--
-- Testimonials.list(campaignId, status, page) lists a campaign's testimonials a keyset page at a time, in id order
-- after a cursor: all of them through ix_testimonial_campaign, or those in one status (PENDING: the moderation
-- queue) through ix_testimonial_campaign_status, each page a range of its index in its order, so that a page costs
-- its rows whatever the campaign holds: along ix_testimonial_campaign, a campaign's few newest PENDING testimonials
-- behind its many APPROVED ones cost a read of all of them.
CREATE INDEX ix_testimonial_campaign_status ON testimonial (tenant_id, campaign_id, status, testimonial_id);
