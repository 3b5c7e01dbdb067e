-- Loyalty engine schema, version 15 (H2): tenants' rate-limit buckets, shared by the engine instances on the
-- database. Idempotent (IF NOT EXISTS): H2 commits DDL statement by statement, and a run that died half-way is
-- completed by the next.
--
-- A tenant's token bucket at one rate (token_limit requests per period_us microseconds; one row per rate, so a plan
-- change moves the tenant to the new rate's bucket). Instances lease tokens in batches with one conditional
-- UPDATE (RateBucket.lease). Exact integer arithmetic: a token costs period_us units, a full bucket has room for
-- token_limit * period_us; debt is the units taken and not yet refilled (0 full .. token_limit * period_us empty),
-- as of refilled_at, in microseconds since the epoch of the engines' clocks (an integer, so the refill is computed
-- in the statement the same way on every store). granted: the tokens the latest lease took, which it returns.
CREATE TABLE IF NOT EXISTS rate_bucket (
  tenant_id   BIGINT NOT NULL,
  token_limit BIGINT NOT NULL,
  period_us   BIGINT NOT NULL,
  debt        BIGINT NOT NULL,
  refilled_at BIGINT NOT NULL,
  granted     BIGINT NOT NULL,
  CONSTRAINT pk_rate_bucket PRIMARY KEY (tenant_id, token_limit, period_us),
  CONSTRAINT fk_rate_bucket_tenant FOREIGN KEY (tenant_id) REFERENCES tenant (tenant_id),
  CONSTRAINT ck_rate_bucket_debt CHECK (debt >= 0 AND debt <= token_limit * period_us)
);
