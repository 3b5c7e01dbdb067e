-- Loyalty engine schema, version 15 (PostgreSQL): tenants' rate-limit buckets, shared by the engine instances on the
-- database. The migrator runs this script in one transaction.
--
-- A tenant's token bucket at one rate (token_limit requests per period_us microseconds; one row per rate, so a plan
-- change moves the tenant to the new rate's bucket). Instances lease tokens in batches with one conditional
-- UPDATE (RateBucket.lease). Exact integer arithmetic: a token costs period_us units, a full bucket has room for
-- token_limit * period_us; debt is the units taken and not yet refilled (0 full .. token_limit * period_us empty),
-- as of refilled_at, in microseconds since the epoch of the engines' clocks (an integer, so the refill is computed
-- in the statement the same way on every store). granted: the tokens the latest lease took, which it returns.
CREATE TABLE rate_bucket (
  tenant_id   bigint NOT NULL,
  token_limit bigint NOT NULL,
  period_us   bigint NOT NULL,
  debt        bigint NOT NULL,
  refilled_at bigint NOT NULL,
  granted     bigint NOT NULL,
  CONSTRAINT pk_rate_bucket PRIMARY KEY (tenant_id, token_limit, period_us),
  CONSTRAINT fk_rate_bucket_tenant FOREIGN KEY (tenant_id) REFERENCES tenant (tenant_id),
  CONSTRAINT ck_rate_bucket_debt CHECK (debt >= 0 AND debt <= token_limit * period_us)
);
