package io.loyaltyengine;

/**
 * Source of entity ids.
 *
 * <p>Ids are positive {@code long}s, unique across every engine instance that shares a database, and increase over
 * time so that keyset pages by id follow creation order. The default generator is time-ordered (milliseconds in the
 * high bits, then a per-instance node number and a counter); a host with several instances on one database may give
 * each a distinct node number with {@link LoyaltyEngine.Builder#nodeId(int)}, or supply its own generator here.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface IdGenerator {
  /** Returns a new, positive, never-before-returned id. */
  long nextId();
}
