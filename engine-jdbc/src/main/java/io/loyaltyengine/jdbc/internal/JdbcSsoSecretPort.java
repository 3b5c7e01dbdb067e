package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.SsoSecretPort;
import io.loyaltyengine.core.spi.SsoSecretRecord;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Update;

/**
 * Single sign-on secrets in table {@code sso_secret}, one row per tenant. The secrets are bound like every other
 * value and never appear in a message: a failure names the operation and the SQLState only.
 *
 * <p>Not thread-safe: confined to its transaction.
 */
final class JdbcSsoSecretPort extends JdbcPort implements SsoSecretPort {
  private static final RowMapper<SsoSecretRecord> SECRETS = (rs, ctx) -> new SsoSecretRecord(
      rs.getLong("tenant_id"), rs.getString("secret"), rs.getString("previous_secret"),
      Rows.instant(rs, "previous_secret_until"), Rows.instant(rs, "created_at"));

  JdbcSsoSecretPort(Handle handle, Sql sql) {
    super(handle, sql);
  }

  @Override
  public Optional<SsoSecretRecord> find(long tenantId) {
    return find("sso secret find", Sql.SSO_SECRET_FIND, tenantId);
  }

  @Override
  public Optional<SsoSecretRecord> lock(long tenantId) {
    return find("sso secret lock", Sql.SSO_SECRET_FIND + " FOR UPDATE", tenantId);
  }

  private Optional<SsoSecretRecord> find(String operation, String statement, long tenantId) {
    return run(operation, () -> handle.createQuery(statement)
        .bind("tenantId", tenantId)
        .map(SECRETS)
        .findOne());
  }

  @Override
  public boolean insertIfAbsent(SsoSecretRecord secrets) {
    Objects.requireNonNull(secrets, "secrets");
    int rows = runInsertIfAbsent("sso secret insert", () -> bind(handle.createUpdate(sql.ssoSecretInsertIfAbsent()),
        secrets).execute());
    return rows > 0;
  }

  @Override
  public boolean update(SsoSecretRecord secrets) {
    Objects.requireNonNull(secrets, "secrets");
    int rows = run("sso secret update", () -> bind(handle.createUpdate(Sql.SSO_SECRET_UPDATE), secrets).execute());
    return rows > 0;
  }

  @Override
  public boolean delete(long tenantId) {
    return run("sso secret delete", () -> handle.createUpdate(Sql.SSO_SECRET_DELETE)
        .bind("tenantId", tenantId)
        .execute()) > 0;
  }

  private static Update bind(Update update, SsoSecretRecord s) {
    return update
        .bind("tenantId", s.tenantId())
        .bind("secret", s.secret())
        .bind("previousSecret", s.previousSecret())
        .bind("previousSecretUntil", Rows.timestamp(s.previousSecretUntil()))
        .bind("createdAt", Rows.timestamp(Objects.requireNonNull(s.createdAt(), "createdAt")));
  }
}
