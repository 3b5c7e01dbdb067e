package io.loyaltyengine;

/**
 * A transaction owned by the host application, which engine operations may join.
 *
 * <p>Obtained from the storage module that matches the engine's storage, for example
 * {@code JdbcHostTransaction.of(connection)} for a JDBC connection the host opened on the engine's database with
 * auto-commit off. Operations run through {@link TenantScope#joining(HostTransaction)} write on that connection and
 * never commit or roll it back: the host's own rows and the engine's changes (with their events) commit or roll back
 * together. An engine operation that fails inside a host transaction undoes its own partial work (to a savepoint)
 * and leaves the host's work intact.
 *
 * <p>A host transaction is confined to the thread that owns its connection, as JDBC connections are.
 */
public interface HostTransaction {
}
