package io.loyaltyengine.core.spi;

import java.time.Instant;
import java.util.OptionalInt;

/**
 * Leases of node numbers (0..{@value #NODES} - 1), the part of every default id that tells apart the engine
 * instances sharing a database: an instance claims a number when it is built, renews the lease while it runs and
 * releases it when it closes, so that no two running instances put the same number in their ids, and an instance
 * that takes a number over makes ids later than every id of the number's previous holder.
 *
 * <p>Not tenant data: the numbers belong to the engine instances, so this port, unlike every other, takes no
 * tenant id (the SQL stores keep one row per number, in a table without {@code tenant_id}, like the schema history).
 *
 * <h2>Leases</h2>
 * Each number has an expiry: never leased, the epoch; leased, when the lease runs out; released, the time given to
 * {@link #release}. A number is claimable when its expiry is at or before the claimer's {@code now}, so a claimer
 * whose clock is behind the previous holder's cannot take the number before its ids would come after the previous
 * holder's. {@link #claim} takes the claimable number with the earliest expiry, the lowest among equals: numbers
 * never leased first, then the one released or run out longest ago, so that a number is reused as late as possible
 * (an instance which missed its renewals and may still be using its number loses it only after every number that
 * ended before its lease did). The
 * claim is decided in the store (a conditional update of the number's row), so two claimers, of one instance or of
 * two, never get the same number. {@link #renew} extends a lease while its holder still holds it, also after it ran
 * out as long as no one claimed the number since; {@link #release} ends it. Both are compare-and-set on the holder.
 *
 * <p>Not thread-safe: obtained from a {@link Transaction}, and used only on its unit of work's thread while it runs.
 */
public interface NodePort {
  /** How many node numbers there are: the default id generator has 10 bits for them. */
  int NODES = 1024;

  /**
   * Leases a free number to {@code holder} until {@code expiresAt}; empty when every number is leased and none has
   * run out.
   *
   * @param holder who holds the lease (1..64 characters, unique per engine instance)
   * @param now the claimer's time: a lease with {@code expiresAt <= now} has run out
   * @param expiresAt when the new lease runs out
   */
  OptionalInt claim(String holder, Instant now, Instant expiresAt);

  /**
   * Extends the lease of {@code node} to {@code expiresAt}, if {@code holder} still holds it.
   *
   * @return false if another holder claimed the number since (or it was released)
   */
  boolean renew(int node, String holder, Instant expiresAt);

  /**
   * Frees {@code node} from {@code at} on, if {@code holder} still holds it. The holder gives a time after every id
   * it made with the number, so that ids of a later holder, claimable only from then on, come after them.
   *
   * @return whether the number was {@code holder}'s
   */
  boolean release(int node, String holder, Instant at);
}
