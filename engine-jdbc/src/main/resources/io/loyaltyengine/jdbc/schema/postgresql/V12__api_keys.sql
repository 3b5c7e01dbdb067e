-- Loyalty engine schema, version 12 (PostgreSQL): API keys and tenants' plans. The migrator runs this script in one
-- transaction.
--
-- A tenant's plan names the rate limit its API requests are held to (AccessSettings); NULL is the default plan. A
-- nullable column without a default is added to the catalog only: the table is not rewritten.
ALTER TABLE tenant ADD COLUMN plan text;

-- API keys. A key is lek_<tenantId>_<keyId>_<secret>: authentication reads its row by this primary key, tenant
-- first. Only the SHA-256 of the whole key is stored (64 hex digits; the secret is 256 random bits, which need no
-- slow hash). scopes: the scopes' names, sorted and comma-separated, never empty. hint: the key's last 4
-- characters. revoked_at: NULL while the key is live.
CREATE TABLE api_key (
  tenant_id   bigint NOT NULL,
  key_id      bigint NOT NULL,
  name        text NOT NULL,
  scopes      text NOT NULL,
  hint        text NOT NULL,
  secret_hash text NOT NULL,
  created_at  timestamptz NOT NULL,
  revoked_at  timestamptz,
  CONSTRAINT pk_api_key PRIMARY KEY (tenant_id, key_id),
  CONSTRAINT fk_api_key_tenant FOREIGN KEY (tenant_id) REFERENCES tenant (tenant_id),
  CONSTRAINT ck_api_key_scopes CHECK (scopes <> '')
);
