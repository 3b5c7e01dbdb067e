-- Loyalty engine schema, version 12 (H2): API keys and tenants' plans. Idempotent (IF NOT EXISTS): H2 commits DDL
-- statement by statement, and a run that died half-way is completed by the next.
--
-- A tenant's plan names the rate limit its API requests are held to (AccessSettings); NULL is the default plan.
ALTER TABLE tenant ADD COLUMN IF NOT EXISTS plan VARCHAR;

-- API keys. A key is lek_<tenantId>_<keyId>_<secret>: authentication reads its row by this primary key, tenant
-- first. Only the SHA-256 of the whole key is stored (64 hex digits; the secret is 256 random bits, which need no
-- slow hash). scopes: the scopes' names, sorted and comma-separated, never empty. hint: the key's last 4
-- characters. revoked_at: NULL while the key is live.
CREATE TABLE IF NOT EXISTS api_key (
  tenant_id   BIGINT NOT NULL,
  key_id      BIGINT NOT NULL,
  name        VARCHAR NOT NULL,
  scopes      VARCHAR NOT NULL,
  hint        VARCHAR NOT NULL,
  secret_hash VARCHAR NOT NULL,
  created_at  TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  revoked_at  TIMESTAMP(6) WITH TIME ZONE,
  CONSTRAINT pk_api_key PRIMARY KEY (tenant_id, key_id),
  CONSTRAINT fk_api_key_tenant FOREIGN KEY (tenant_id) REFERENCES tenant (tenant_id),
  CONSTRAINT ck_api_key_scopes CHECK (scopes <> '')
);
