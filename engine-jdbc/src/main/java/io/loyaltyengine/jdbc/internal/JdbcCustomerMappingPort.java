package io.loyaltyengine.jdbc.internal;

import io.loyaltyengine.core.spi.CustomerMappingPort;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.customers.CustomerMapping;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/**
 * Customer mappings in table {@code customer_mapping}: its primary key (tenant, campaign, customer id) and its unique
 * key (tenant, participant) are the two rules, so an insert breaking either fails with
 * {@link UniqueKey#CUSTOMER_MAPPING}. Customer ids are bound like every other value and never appear in a message.
 *
 * <p>Not thread-safe: confined to its transaction.
 */
final class JdbcCustomerMappingPort extends JdbcPort implements CustomerMappingPort {
  private static final RowMapper<CustomerMapping> MAPPING = (rs, ctx) -> new CustomerMapping(
      rs.getLong("campaign_id"), rs.getString("customer_id"), rs.getLong("participant_id"),
      Rows.instant(rs, "created_at"));

  JdbcCustomerMappingPort(Handle handle, Sql sql) {
    super(handle, sql);
  }

  @Override
  public void insert(long tenantId, CustomerMapping mapping) {
    Objects.requireNonNull(mapping, "mapping");
    run("customer mapping insert", UniqueKey.CUSTOMER_MAPPING, () -> handle.createUpdate(Sql.CUSTOMER_MAPPING_INSERT)
        .bind("tenantId", tenantId)
        .bind("campaignId", mapping.campaignId())
        .bind("customerId", mapping.customerId())
        .bind("participantId", mapping.participantId())
        .bind("createdAt", Rows.timestamp(Objects.requireNonNull(mapping.createdAt(), "createdAt")))
        .execute());
  }

  @Override
  public Optional<CustomerMapping> find(long tenantId, long campaignId, String customerId) {
    return run("customer mapping find", () -> handle.createQuery(Sql.CUSTOMER_MAPPING_FIND)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .bind("customerId", customerId)
        .map(MAPPING)
        .findOne());
  }

  @Override
  public Optional<CustomerMapping> findByParticipant(long tenantId, long participantId) {
    return run("customer mapping find by participant", () -> handle.createQuery(
            Sql.CUSTOMER_MAPPING_FIND_BY_PARTICIPANT)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .map(MAPPING)
        .findOne());
  }

  @Override
  public boolean delete(long tenantId, long campaignId, String customerId) {
    int rows = run("customer mapping delete", () -> handle.createUpdate(Sql.CUSTOMER_MAPPING_DELETE)
        .bind("tenantId", tenantId)
        .bind("campaignId", campaignId)
        .bind("customerId", customerId)
        .execute());
    return rows > 0;
  }

  @Override
  public void deleteAll(long tenantId, long participantId) {
    run("customer mapping delete all", () -> handle.createUpdate(Sql.CUSTOMER_MAPPING_DELETE_ALL)
        .bind("tenantId", tenantId)
        .bind("participantId", participantId)
        .execute());
  }
}
