/**
 * The storage SPI: what a storage backend implements so the engine can keep its state there.
 *
 * <p>A backend implements {@link io.loyaltyengine.core.spi.Storage}, which runs a unit of work in one transaction
 * and hands it a {@link io.loyaltyengine.core.spi.Transaction}: a set of small ports, one per feature
 * ({@link io.loyaltyengine.core.spi.LedgerPort}, {@link io.loyaltyengine.core.spi.ParticipantPort}, ...).
 * Later capabilities add ports, and before 1.0 existing ports' methods and contracts still change with the engine's
 * needs (a parameter added, a claim rule tightened): a store written outside this project follows them through the
 * contract suites of the version it targets.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Every method takes the tenant id and touches that tenant's rows only, except the event dispatcher's work
 *       across tenants ({@code EventPort.tenantsWithUnpositionedEvents} and {@code prune},
 *       {@code DeliveryPort.claim}, {@code parkOverdueWebhooks}, and {@code parked} with a null tenant: a listener's)
 *       and {@link io.loyaltyengine.core.spi.NodePort}, whose node numbers belong to the engine instances.
 *   <li>A unit of work is atomic: if it throws, nothing it wrote is visible to anyone, ever.
 *   <li>State changes that race are decided in the store (conditional updates, row locks, unique constraints),
 *       never by reading a value into Java, changing it and writing it back.
 *   <li>A unique-constraint violation is reported as {@link io.loyaltyengine.core.spi.UniqueViolationException}
 *       naming the {@link io.loyaltyengine.core.spi.UniqueKey}; a transient failure (deadlock, serialization
 *       failure, lock timeout) as {@link io.loyaltyengine.core.spi.TransientStorageException}, after which the
 *       engine retries the whole unit of work; any other failure as
 *       {@link io.loyaltyengine.core.spi.StorageException}.
 *   <li>Instants are stored with microsecond precision (the engine truncates them before they reach a port).
 * </ul>
 * The storage contract suite in {@code engine-test-kit} checks all of this; every backend runs it.
 */
package io.loyaltyengine.core.spi;
