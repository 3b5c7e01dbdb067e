package io.loyaltyengine;

/**
 * Source of entity ids.
 *
 * <p>Ids are positive {@code long}s, unique across every engine instance that shares a database, and increase over
 * time so that keyset pages by id follow creation order: exactly on one instance, to the millisecond across
 * instances (ids of one millisecond sort by node number, and instances whose clocks disagree disagree by as much).
 * Wherever the API says "oldest first" or "submission order", it means this order. The default generator is time-ordered (milliseconds in the
 * high bits, then a per-instance node number 0..1023 and a counter). Each instance leases its node number from the
 * database when it is built, renews the lease while it runs (before its units of work when due, and in its event
 * dispatch rounds) and releases it when it is closed, so that instances sharing a database never hold the same
 * number; {@link LoyaltyEngine.Builder#nodeId(int)} says how. A host may instead set the node number itself there, or supply its
 * own generator with {@link LoyaltyEngine.Builder#idGenerator(IdGenerator)}; then nothing is leased.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface IdGenerator {
  /**
   * Returns a new, positive, never-before-returned id.
   *
   * @return the id
   */
  long nextId();
}
