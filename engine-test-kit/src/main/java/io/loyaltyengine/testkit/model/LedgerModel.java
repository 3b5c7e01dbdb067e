package io.loyaltyengine.testkit.model;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.points.LedgerEntryKind;
import io.loyaltyengine.points.PointsChange;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A reference model of one tenant's points ledger: the obviously-correct, in-memory statement of what
 * {@link io.loyaltyengine.points.Points} must do, against which the real engine is compared step by step.
 *
 * <p>Per participant it keeps the balance, the lifetime points and the entries; per tenant the idempotency keys
 * with the result first recorded for each. {@link #award}, {@link #deduct} and {@link #deductUpToBalance} predict
 * the {@link Outcome} of a request and, when it succeeds, apply it. A bulk request
 * ({@link io.loyaltyengine.points.Points#applyAll}) is the same requests predicted one after the other, in list
 * order. Participants are named by any {@code long} the caller chooses (a test's own slot numbers, or the engine's
 * ids). {@link #copy} gives an independent model, so that a test can try several orders of concurrent requests.
 *
 * <h2>Rules, in the order they are decided</h2>
 * <ol>
 *   <li>{@code amount} outside {@code 1..maxPointsPerOperation}: VALIDATION_ERROR on {@code amount}. (The model
 *       assumes {@code type}, {@code description} and {@code idempotencyKey} are well-formed.)
 *   <li>Unknown participant: NOT_FOUND.
 *   <li>A known idempotency key: the same participant, kind, amount, type and description replay the first result
 *       ({@link Replayed}, nothing changes); anything else is a CONFLICT on {@code idempotencyKey}.
 *   <li>Deduction larger than the balance: INSUFFICIENT_POINTS. Award that would take the balance or the lifetime
 *       points past {@code Long.MAX_VALUE}: VALIDATION_ERROR on {@code amount}.
 *   <li>Otherwise the entry is appended ({@link Applied}). A rejected request records nothing, so its key stays
 *       free.
 * </ol>
 * A deduction capped at the balance ({@link #deductUpToBalance}) follows rules 1 to 3 (a capped deduction is a kind
 * of its own there: its key replays only for a capped deduction of the same participant, amount asked for, type and
 * description, and a plain deduction with its key is a CONFLICT, as is a capped deduction with a plain one's key);
 * then with a zero balance it writes nothing ({@link NothingTaken}, the key stays free), else it appends a deduction
 * of {@code min(amount, balance)}.
 * The API does not fix the order of rules 1 and 3 for a request that breaks both; generate such requests only if the
 * engine documents an order.
 *
 * <p>Not thread-safe: a model follows one sequential history.
 */
public final class LedgerModel {
  private final long maxPointsPerOperation;
  private final Map<Long, Account> accounts = new LinkedHashMap<>();
  private final Map<String, Recorded> keys = new HashMap<>();
  private long sequence;

  /**
   * An empty ledger.
   *
   * @param maxPointsPerOperation the engine's {@link io.loyaltyengine.EngineLimits#maxPointsPerOperation()}
   */
  public LedgerModel(long maxPointsPerOperation) {
    if (maxPointsPerOperation < 1) {
      throw new IllegalArgumentException("maxPointsPerOperation must be positive but was " + maxPointsPerOperation);
    }
    this.maxPointsPerOperation = maxPointsPerOperation;
  }

  /** The largest amount of one operation. */
  public long maxPointsPerOperation() {
    return maxPointsPerOperation;
  }

  /**
   * Adds a participant with no points.
   *
   * @throws IllegalArgumentException if it is already known
   */
  public void addParticipant(long participant) {
    if (accounts.putIfAbsent(participant, new Account()) != null) {
      throw new IllegalArgumentException("participant " + participant + " is already in the model");
    }
  }

  /** Removes a participant with its entries, which frees their idempotency keys. Returns whether it was known. */
  public boolean removeParticipant(long participant) {
    Account account = accounts.remove(participant);
    if (account == null) {
      return false;
    }
    keys.values().removeIf(recorded -> recorded.entry.participant == participant);
    return true;
  }

  /** The known participants, in the order they were added; unmodifiable. */
  public Set<Long> participants() {
    return Collections.unmodifiableSet(new LinkedHashSet<>(accounts.keySet()));
  }

  /** Whether the participant is known. */
  public boolean hasParticipant(long participant) {
    return accounts.containsKey(participant);
  }

  /** Predicts and applies an award. */
  public Outcome award(long participant, PointsChange change) {
    return apply(participant, LedgerEntryKind.AWARD, change);
  }

  /** Predicts and applies a deduction. */
  public Outcome deduct(long participant, PointsChange change) {
    return apply(participant, LedgerEntryKind.DEDUCT, change);
  }

  /** Predicts and applies a deduction capped at the balance. */
  public Outcome deductUpToBalance(long participant, PointsChange change) {
    Objects.requireNonNull(change, "change");
    if (change.amount() < 1 || change.amount() > maxPointsPerOperation) {
      return new Rejected(ErrorCode.VALIDATION_ERROR, "amount");
    }
    Account account = accounts.get(participant);
    if (account == null) {
      return new Rejected(ErrorCode.NOT_FOUND, null);
    }
    Request request = new Request(participant, LedgerEntryKind.DEDUCT, true, change.amount(), change.type(),
        change.description());
    Outcome known = known(request, change.idempotencyKey());
    if (known != null) {
      return known;
    }
    if (account.balance == 0) {
      return new NothingTaken();
    }
    long taken = Math.min(change.amount(), account.balance);
    return apply(participant, LedgerEntryKind.DEDUCT,
        new PointsChange(taken, change.type(), change.description(), change.idempotencyKey()), request);
  }

  /** The outcome of a request whose key is known (a replay or a CONFLICT); null if the key is free or absent. */
  private Outcome known(Request request, String idempotencyKey) {
    Recorded recorded = idempotencyKey == null ? null : keys.get(idempotencyKey);
    if (recorded == null) {
      return null;
    }
    return recorded.request.equals(request)
        ? new Replayed(recorded.entry, recorded.entry.balanceAfter)
        : new Rejected(ErrorCode.CONFLICT, "idempotencyKey");
  }

  /** An independent copy of this model: what happens to one does not happen to the other. */
  public LedgerModel copy() {
    LedgerModel copy = new LedgerModel(maxPointsPerOperation);
    accounts.forEach((participant, account) -> {
      Account a = new Account();
      a.balance = account.balance;
      a.lifetime = account.lifetime;
      a.entries.addAll(account.entries);
      copy.accounts.put(participant, a);
    });
    copy.keys.putAll(keys);
    copy.sequence = sequence;
    return copy;
  }

  /** The participant's balance. */
  public long balance(long participant) {
    return account(participant).balance;
  }

  /** The participant's lifetime points: the sum of its awards. */
  public long lifetimePoints(long participant) {
    return account(participant).lifetime;
  }

  /** The participant's entries, oldest first; unmodifiable. */
  public List<Entry> entries(long participant) {
    return List.copyOf(account(participant).entries);
  }

  private Account account(long participant) {
    Account account = accounts.get(participant);
    if (account == null) {
      throw new IllegalArgumentException("participant " + participant + " is not in the model");
    }
    return account;
  }

  private Outcome apply(long participant, LedgerEntryKind kind, PointsChange change) {
    Objects.requireNonNull(change, "change");
    if (change.amount() < 1 || change.amount() > maxPointsPerOperation) {
      return new Rejected(ErrorCode.VALIDATION_ERROR, "amount");
    }
    if (!accounts.containsKey(participant)) {
      return new Rejected(ErrorCode.NOT_FOUND, null);
    }
    Request request = new Request(participant, kind, false, change.amount(), change.type(), change.description());
    Outcome known = known(request, change.idempotencyKey());
    return known != null ? known : apply(participant, kind, change, request);
  }

  /** Applies a change whose key is free or absent, recording it under its key as {@code request}. */
  private Outcome apply(long participant, LedgerEntryKind kind, PointsChange change, Request request) {
    Account account = accounts.get(participant);
    long balance;
    long lifetime = account.lifetime;
    if (kind == LedgerEntryKind.DEDUCT) {
      if (account.balance < change.amount()) {
        return new Rejected(ErrorCode.INSUFFICIENT_POINTS, null);
      }
      balance = account.balance - change.amount();
    } else {
      if (account.balance > Long.MAX_VALUE - change.amount() || account.lifetime > Long.MAX_VALUE - change.amount()) {
        return new Rejected(ErrorCode.VALIDATION_ERROR, "amount");
      }
      balance = account.balance + change.amount();
      lifetime += change.amount();
    }
    Entry entry = new Entry(++sequence, participant, kind, change.amount(), change.type(), change.description(),
        change.idempotencyKey(), balance, request.capped() ? request.amount() : null);
    account.balance = balance;
    account.lifetime = lifetime;
    account.entries.add(entry);
    if (change.idempotencyKey() != null) {
      keys.put(change.idempotencyKey(), new Recorded(request, entry));
    }
    return new Applied(entry, balance);
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder("LedgerModel[");
    accounts.forEach((id, a) -> out.append('#').append(id).append(": balance=").append(a.balance)
        .append(", lifetime=").append(a.lifetime).append(", entries=").append(a.entries.size()).append("; "));
    return out.append("keys=").append(keys.size()).append(']').toString();
  }

  /**
   * An entry of the model's ledger. Immutable and thread-safe.
   *
   * @param sequence its position among all the model's entries, from 1; lets a test map it to the engine's entry id
   * @param participant the participant
   * @param kind award or deduction
   * @param amount the points, positive
   * @param type what the points are for
   * @param description free text, or null
   * @param idempotencyKey the key, or null
   * @param balanceAfter the balance right after it
   * @param requestedAmount what a capped deduction asked for ({@code amount} is what it took); null for an award
   *     or a plain deduction
   */
  public record Entry(long sequence, long participant, LedgerEntryKind kind, long amount, String type,
      String description, String idempotencyKey, long balanceAfter, Long requestedAmount) {

    /** The amount with its sign: positive for an award, negative for a deduction. */
    public long signedAmount() {
      return kind == LedgerEntryKind.AWARD ? amount : -amount;
    }
  }

  /** The predicted outcome of an award or deduction. Immutable and thread-safe. */
  public sealed interface Outcome permits Applied, Replayed, Rejected, NothingTaken {
  }

  /**
   * A deduction capped at the balance found a zero balance: it succeeds, writes no entry, and leaves its key free
   * (the engine's result has no entry and balance 0). Immutable and thread-safe.
   */
  public record NothingTaken() implements Outcome {
  }

  /**
   * The request succeeds and appends {@code entry}. Immutable and thread-safe.
   *
   * @param entry the new entry
   * @param balance the balance right after it
   */
  public record Applied(Entry entry, long balance) implements Outcome {
  }

  /**
   * The request repeats an earlier one with the same idempotency key: its result comes back, nothing changes.
   * Immutable and thread-safe.
   *
   * @param entry the entry of the first request
   * @param balance the balance right after that entry (not the current balance)
   */
  public record Replayed(Entry entry, long balance) implements Outcome {
  }

  /**
   * The request fails and changes nothing. Immutable and thread-safe.
   *
   * @param code the error code
   * @param field the field the error names, or null when it need not name one
   */
  public record Rejected(ErrorCode code, String field) implements Outcome {
  }

  /** A request as its key remembers it; {@code amount} is what a capped one asked for, not what it took. */
  private record Request(long participant, LedgerEntryKind kind, boolean capped, long amount, String type,
      String description) {
  }

  private record Recorded(Request request, Entry entry) {
  }

  private static final class Account {
    long balance;
    long lifetime;
    final List<Entry> entries = new ArrayList<>();
  }
}
