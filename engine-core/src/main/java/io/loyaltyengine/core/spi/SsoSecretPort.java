package io.loyaltyengine.core.spi;

import java.util.Optional;

/**
 * Tenants' single sign-on secrets: one row per tenant that has one. The secrets verify HMACs, so they are stored as
 * they are (a hash could not), like webhook secrets.
 *
 * <p>Not thread-safe: obtained from a {@link Transaction}, and used only on its unit of work's thread while it runs.
 */
public interface SsoSecretPort {
  /** The tenant's secrets. */
  Optional<SsoSecretRecord> find(long tenantId);

  /** The tenant's secrets, their row locked until the end of the transaction (a rotation reads then writes). */
  Optional<SsoSecretRecord> lock(long tenantId);

  /**
   * Inserts the tenant's first secrets unless it has some (a concurrent insert that commits first wins).
   *
   * @return whether the row was inserted
   */
  boolean insertIfAbsent(SsoSecretRecord secrets);

  /**
   * Replaces the tenant's secrets.
   *
   * @return whether the tenant had a row
   */
  boolean update(SsoSecretRecord secrets);

  /**
   * Deletes the tenant's secrets.
   *
   * @return whether the tenant had a row
   */
  boolean delete(long tenantId);
}
