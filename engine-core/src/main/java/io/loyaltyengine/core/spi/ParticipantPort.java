package io.loyaltyengine.core.spi;

import io.loyaltyengine.participant.Participant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Participants' profiles. Balances are changed through {@link LedgerPort} only.
 *
 * <p>Search: a participant matches a search text {@code s} when
 * {@link io.loyaltyengine.core.participant.ParticipantSearch#searchText(Participant)} contains
 * {@link io.loyaltyengine.core.participant.ParticipantSearch#normalize(String) normalize(s)} as a plain substring
 * (no wildcards: {@code %} and {@code _} match themselves). A store that keeps search texts written before they were
 * normalized to NFC matches {@link io.loyaltyengine.core.participant.ParticipantSearch#decomposed decomposed(s)} too,
 * the form they hold for a name given decomposed. A tier filter matches the tier exactly.
 *
 * <p>Not thread-safe: obtained from a {@link Transaction}, and used only on its unit of work's thread while it runs.
 */
public interface ParticipantPort {
  /**
   * Inserts a new participant with the balance, lifetime points and risk it carries.
   *
   * @throws UniqueViolationException with {@link UniqueKey#PARTICIPANT_EMAIL} if the campaign has a participant
   *     with the same sanitized email
   */
  void insert(Participant participant);

  /** Finds a participant of the tenant by id. */
  Optional<Participant> find(long tenantId, long participantId);

  /**
   * The tenant's participants with any of these ids, in ascending id order; ids without a participant are left out.
   * As {@link #find} for each id; a store may read them in one query.
   */
  default List<Participant> findAll(long tenantId, Collection<Long> participantIds) {
    List<Participant> found = new ArrayList<>();
    for (long id : new TreeSet<>(participantIds)) {
      find(tenantId, id).ifPresent(found::add);
    }
    return found;
  }

  /**
   * The tenant's participants with any of these ids, with their event sequences, each row locked until the end of
   * the transaction (a bulk request takes its participants' locks at once). Rows are locked in ascending id order,
   * so two transactions locking overlapping sets this way never wait on each other in a cycle. Returned in
   * ascending id order; ids without a participant are left out.
   */
  List<LockedParticipant> lockAll(long tenantId, Collection<Long> participantIds);

  /** Finds a participant of a campaign of the tenant by sanitized email. */
  Optional<Participant> findByEmail(long tenantId, long campaignId, String sanitizedEmail);

  /**
   * The participants of a campaign of the tenant with any of these sanitized emails, each once, in no particular
   * order; emails without a participant are left out. As {@link #findByEmail} for each email; a store may read them
   * in one query.
   */
  default List<Participant> findAllByEmail(long tenantId, long campaignId, Collection<String> sanitizedEmails) {
    List<Participant> found = new ArrayList<>();
    for (String email : new TreeSet<>(sanitizedEmails)) {
      findByEmail(tenantId, campaignId, email).ifPresent(found::add);
    }
    return found;
  }

  /**
   * Finds a participant and locks its row until the end of the transaction, so that a read-merge-write of its
   * profile cannot interleave with another.
   */
  Optional<Participant> lock(long tenantId, long participantId);

  /**
   * As {@link #lock}, but never waits for the row: locks it until the end of the transaction when no other
   * transaction holds it, and otherwise answers at once. For a caller that already holds a lock another transaction
   * may be waiting for while it holds this row (a coupon upload holding its pool's lock): waiting here could close a
   * cycle. A store whose units of work never overlap (the in-memory store) never answers
   * {@link LockAttempt#HELD_ELSEWHERE}.
   *
   * @return {@link LockAttempt#LOCKED} if this transaction now holds the row's lock (or held it already);
   *     {@link LockAttempt#ABSENT} if the tenant has no such participant, as this transaction sees it;
   *     {@link LockAttempt#HELD_ELSEWHERE} if another transaction holds the row's lock (the row may be gone once it
   *     ends, if that transaction deletes it)
   */
  LockAttempt tryLock(long tenantId, long participantId);

  /** What {@link #tryLock} found. Immutable. */
  enum LockAttempt {
    /** The row is locked by the calling transaction. */
    LOCKED,
    /** No such participant of the tenant. */
    ABSENT,
    /** Another transaction holds the row's lock; nothing was locked. */
    HELD_ELSEWHERE
  }

  /**
   * Writes the profile fields (email, sanitized email, names, IP address, tier, metadata, updatedAt) of an existing
   * participant; never its balance, lifetime points or risk.
   *
   * @throws UniqueViolationException with {@link UniqueKey#PARTICIPANT_EMAIL} if another participant of the
   *     campaign has the new sanitized email
   */
  void updateProfile(Participant participant);

  /** Deletes a participant's row (its ledger is deleted through {@link LedgerPort#deleteAll}). Returns whether it existed. */
  boolean delete(long tenantId, long participantId);

  /**
   * Participants of a campaign with id greater than {@code afterId} (all when null), matching the filter, in id
   * order, at most {@code limit}.
   *
   * @param search normalized search text, or null
   * @param tier exact tier, or null
   */
  List<Participant> list(long tenantId, long campaignId, String search, String tier, Long afterId, int limit);

  /** Participants matching the filter in id order, skipping {@code offset}, at most {@code limit}. */
  List<Participant> page(long tenantId, long campaignId, String search, String tier, long offset, int limit);

  /** How many participants match the filter. */
  long count(long tenantId, long campaignId, String search, String tier);

  /**
   * How many participants these campaigns of the tenant have, each campaign counted once. As {@link #count} for each
   * with no search and no tier, 0 for none; a store may count them in one query.
   */
  default long countInCampaigns(long tenantId, Collection<Long> campaignIds) {
    long total = 0;
    for (long campaignId : new TreeSet<>(campaignIds)) {
      total += count(tenantId, campaignId, null, null);
    }
    return total;
  }

  /**
   * Sets a participant's fraud-screening level and reason.
   *
   * @return whether the participant exists
   */
  boolean setRisk(long tenantId, long participantId, io.loyaltyengine.fraud.RiskLevel level, String reason);
}
