package io.loyaltyengine.core.points;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.validation.TextRules;
import io.loyaltyengine.points.LedgerEntry;
import io.loyaltyengine.points.LedgerEntryKind;
import io.loyaltyengine.points.PointsChange;
import java.util.Objects;

/**
 * The pure rules of the ledger: which changes are valid, whether a balance can take a change, and whether a retry
 * repeats an earlier request. Storage backends apply the same arithmetic in their conditional updates; the
 * in-memory backend calls {@link #canCredit} and {@link #canDebit} directly.
 *
 * <p>Thread-safe: stateless.
 */
public final class PointsRules {
  /** Longest {@code type}. */
  public static final int MAX_TYPE_LENGTH = 64;
  /** Longest {@code description}. */
  public static final int MAX_DESCRIPTION_LENGTH = 500;
  /** Longest {@code idempotencyKey}. */
  public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 128;
  /**
   * What a redemption's ledger entry's key starts with, before the host's own key (which may be of the full length):
   * the catalog's, named here so that the ledger's lookup by key knows it without depending on the catalog.
   */
  public static final String REDEMPTION_KEY_PREFIX = "redemption:";

  private PointsRules() {
  }

  /**
   * Validates a change.
   *
   * @return the change with its description stripped
   * @throws LoyaltyException VALIDATION_ERROR naming {@code amount}, {@code type}, {@code description} or
   *     {@code idempotencyKey}
   */
  public static PointsChange validate(PointsChange change, EngineLimits limits) {
    if (change == null) {
      throw LoyaltyException.validation("change", "change is required");
    }
    long amount = change.amount();
    if (amount <= 0) {
      throw LoyaltyException.validation("amount", "amount must be positive");
    }
    if (amount > limits.maxPointsPerOperation()) {
      throw LoyaltyException.validation("amount",
          "amount must be at most " + limits.maxPointsPerOperation());
    }
    String type = change.type();
    if (type == null || type.isEmpty() || type.length() > MAX_TYPE_LENGTH || !isTypeText(type)) {
      throw LoyaltyException.validation("type",
          "type must be 1 to " + MAX_TYPE_LENGTH + " letters, digits or _ - . :");
    }
    String description = TextRules.optional("description", change.description(), MAX_DESCRIPTION_LENGTH);
    return new PointsChange(amount, type, description, idempotencyKey(change.idempotencyKey()));
  }

  /**
   * Validates an optional idempotency key, the one rule for every kind of key (points, loyalty actions,
   * redemptions, ideas): null, or 1..{@value #MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters (no spaces).
   *
   * @return the key
   * @throws LoyaltyException VALIDATION_ERROR on {@code idempotencyKey}
   */
  public static String idempotencyKey(String key) {
    if (key != null && (key.isEmpty() || key.length() > MAX_IDEMPOTENCY_KEY_LENGTH || !isPrintableAscii(key))) {
      throw LoyaltyException.validation("idempotencyKey",
          "idempotencyKey must be 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH + " printable ASCII characters without spaces");
    }
    return key;
  }

  /** Whether a balance and lifetime total can both take {@code amount} more without overflowing. */
  public static boolean canCredit(long balance, long lifetimePoints, long amount) {
    return balance <= Long.MAX_VALUE - amount && lifetimePoints <= Long.MAX_VALUE - amount;
  }

  /** Whether a balance can give {@code amount} without going below zero. */
  public static boolean canDebit(long balance, long amount) {
    return balance >= amount;
  }

  /**
   * Whether a stored entry was written by the same award or plain deduction as this one (so a retry replays it); a
   * different request with the same idempotency key is a conflict, and so is an entry of a capped deduction (it has
   * a {@link LedgerEntry#requestedAmount()}; an entry without one, also one stored before it was recorded, counts
   * as a plain deduction).
   */
  public static boolean isSameRequest(LedgerEntry entry, long participantId, LedgerEntryKind kind,
      PointsChange change) {
    return entry.participantId() == participantId
        && entry.kind() == kind
        && entry.requestedAmount() == null
        && entry.amount() == change.amount()
        && entry.type().equals(change.type())
        && Objects.equals(entry.description(), change.description());
  }

  /**
   * Whether a stored entry was written by the same capped deduction as this one: a deduction that asked for this
   * amount ({@link io.loyaltyengine.points.Points#deductUpToBalance} records what it asked for beside what it took),
   * whatever it took.
   */
  public static boolean isSameCappedRequest(LedgerEntry entry, long participantId, PointsChange change) {
    return entry.participantId() == participantId
        && entry.kind() == LedgerEntryKind.DEDUCT
        && entry.requestedAmount() != null
        && entry.requestedAmount() == change.amount()
        && entry.type().equals(change.type())
        && Objects.equals(entry.description(), change.description());
  }

  private static boolean isTypeText(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '-' || c == '.' || c == ':';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean isPrintableAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }
}
