package io.loyaltyengine.core.internal;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.HostTransaction;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.spi.CommitOutcomeUnknownException;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.core.spi.StorageCapability;
import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.core.spi.TransactionWork;
import io.loyaltyengine.core.spi.TransientStorageException;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.core.spi.UniqueViolationException;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Runs the units of work of one scope: in a transaction of the engine's own, retried after transient failures, or
 * inside a host's transaction, never retried (the host owns it). Translates storage failures into
 * {@link LoyaltyException}s, so nothing from the SPI escapes to the host. A unit of work that throws
 * {@link NothingToCommit} is rolled back and its caller gets the result it carries. Every unit of work passes the
 * engine's {@link UnitsOfWork} gate, which refuses it with an {@link IllegalStateException} once the engine is
 * closing, and lets the closing engine wait for those in progress.
 *
 * <p>Thread-safe when not bound to a host transaction.
 */
public final class Transactions {
  /** The message of a STORAGE_UNAVAILABLE whose change may have been made. */
  static final String COMMIT_OUTCOME_UNKNOWN = "the storage failed while committing: the change may have been made;"
      + " retry with the same idempotency key to find out";

  private final Storage storage;
  private final HostTransaction host;
  private final int maxRetries;
  /** Counts the units of work in progress; refuses new ones once the engine is closing. */
  private final UnitsOfWork gate;
  /** Combines concurrent units of work into shared transactions; null when combining is off or joining a host. */
  private final GroupCommit group;
  /** Run before every unit of work (the engine's node lease, renewed when due); never throws. */
  private final Runnable upkeep;

  Transactions(Storage storage, HostTransaction host, int maxRetries, UnitsOfWork gate) {
    this(storage, host, maxRetries, gate, 1, () -> { });
  }

  /**
   * @param maxGroupCommit the most units of work {@link #runCombined} puts in one transaction; 1 for none
   * @param upkeep run before every unit of work, on the caller's thread: cheap when nothing is due, never throws
   */
  Transactions(Storage storage, HostTransaction host, int maxRetries, UnitsOfWork gate, int maxGroupCommit,
      Runnable upkeep) {
    this.storage = storage;
    this.host = host;
    this.maxRetries = maxRetries;
    this.gate = gate;
    this.upkeep = upkeep;
    this.group = host == null && maxGroupCommit > 1
        ? new GroupCommit(storage, maxGroupCommit,
            storage.capabilities().contains(StorageCapability.PARALLEL_COMMITS), maxRetries,
            work -> runAlone(work, false))
        : null;
  }

  private Transactions(Transactions joined, HostTransaction host) {
    this.storage = joined.storage;
    this.host = host;
    this.maxRetries = joined.maxRetries;
    this.gate = joined.gate;
    this.group = null;
    this.upkeep = joined.upkeep;
  }

  /** These transactions, joining a host transaction instead (where nothing is combined: the host commits). */
  Transactions joining(HostTransaction hostTransaction) {
    return new Transactions(this, hostTransaction);
  }

  /**
   * Refuses, once the engine is closing, an operation the engine answers from memory without a unit of work (an API
   * key in the cache, a leaderboard index, the listener registry), as every operation that runs one is refused.
   *
   * @throws IllegalStateException once the engine is closing
   */
  public void ensureOpen() {
    gate.ensureOpen();
  }

  /**
   * Whether these transactions join a host's: what their units of work write is committed when the host commits,
   * which the engine is not told of, not when they return.
   */
  public boolean joinHost() {
    return host != null;
  }

  /**
   * What stands for the host's transaction these transactions join, the same for every handle the host makes on it
   * ({@link Storage#hostTransactionIdentity}); null when they are the engine's own.
   */
  public Object hostIdentity() {
    return host == null ? null : storage.hostTransactionIdentity(host);
  }

  /**
   * Runs {@code work} atomically. A unique-key violation becomes CONFLICT naming the field the key guards.
   *
   * @throws LoyaltyException from the work, CONFLICT, or STORAGE_UNAVAILABLE
   */
  public <T> T run(TransactionWork<T> work) {
    try {
      return runRaw(work);
    } catch (UniqueViolationException e) {
      throw conflict(e);
    }
  }

  /**
   * As {@link #run}, then {@code forget}: for a change of something the engine keeps in memory (a cached key, a
   * tenant's plan), which must be forgotten once the change may have committed. That is when {@code work} returned,
   * and also when it failed with its commit's outcome unknown; any other failure changed nothing, and forgets nothing.
   *
   * @throws LoyaltyException as {@link #run}
   */
  public <T> T runThenForget(TransactionWork<T> work, Runnable forget) {
    T result;
    try {
      result = run(work);
    } catch (LoyaltyException e) {
      if (commitOutcomeUnknown(e)) {
        forget.run();
      }
      throw e;
    }
    forget.run();
    return result;
  }

  /**
   * As {@link #run}, but {@code work} may share its transaction with units of work submitted at the same time by
   * other threads (group commit; see {@link GroupCommit}). For the writes on a checkout's path: awards, deductions,
   * loyalty actions, redemptions. The work must not start a unit of work of its own, names the participants it
   * locks, which a batch run behind savepoints locks first, and the rows it shares with calls on other
   * participants, which are the same for every unit of a batch ({@link LocksParticipants}).
   */
  public <T> T runCombined(LocksParticipants<T> work) {
    try {
      return runCombinedRaw(work);
    } catch (UniqueViolationException e) {
      throw conflict(e);
    }
  }

  /** As {@link #runRaw}, but may share its transaction (see {@link #runCombined}). */
  public <T> T runCombinedRaw(LocksParticipants<T> work) {
    if (group == null) {
      return runRaw(work);
    }
    gate.enter();
    try {
      upkeep.run();
      return group.run(work);
    } catch (NothingToCommit e) {
      // Run behind a savepoint in a shared transaction, which committed without it.
      return e.result();
    } catch (UniqueViolationException e) {
      throw e;
    } catch (StorageException e) {
      // A unit of work of a shared transaction failed in the store on its own (the others committed).
      throw unavailable(e);
    } finally {
      gate.exit();
    }
  }

  /**
   * Runs {@code work} atomically, letting a {@link UniqueViolationException} through for the caller to decide
   * (the ledger replays a retry whose idempotency key is already taken).
   */
  public <T> T runRaw(TransactionWork<T> work) {
    gate.enter();
    try {
      upkeep.run();
      if (host != null) {
        try {
          return storage.inHostTransaction(host, work);
        } catch (NothingToCommit e) {
          return e.result();
        } catch (UniqueViolationException e) {
          throw e;
        } catch (StorageException e) {
          throw unavailable(e);
        }
      }
      return runAlone(work, false);
    } finally {
      gate.exit();
    }
  }

  /**
   * As {@link #run}, for work that only reads, in a transaction of its own ({@link Storage#inReadTransaction}: at one
   * snapshot, so that a write committing between two of its statements shows in all of them or in none; on H2 outside
   * the turn the engine's transactions take), with the same retries. Inside a host's transaction it joins it, at the
   * host's READ COMMITTED. Work that may write (a lazy creation, a mark) runs with {@link #run} instead.
   *
   * @throws LoyaltyException from the work, or STORAGE_UNAVAILABLE
   */
  public <T> T runRead(TransactionWork<T> work) {
    if (host != null) {
      return run(work);
    }
    gate.enter();
    try {
      upkeep.run();
      return runAlone(work, true);
    } finally {
      gate.exit();
    }
  }

  /**
   * Runs {@code work} in a transaction of its own ({@link Storage#inReadTransaction} if it only reads), retried after
   * transient failures.
   */
  private <T> T runAlone(TransactionWork<T> work, boolean readOnly) {
    for (int attempt = 0; ; attempt++) {
      try {
        return readOnly ? storage.inReadTransaction(work) : storage.inTransaction(work);
      } catch (NothingToCommit e) {
        return e.result();
      } catch (TransientStorageException e) {
        if (attempt >= maxRetries) {
          throw unavailable(e);
        }
        backOff(attempt);
      } catch (UniqueViolationException e) {
        throw e;
      } catch (StorageException e) {
        throw unavailable(e);
      }
    }
  }

  /**
   * Runs {@code unit}, and again, up to {@code attempts} times in all, while it fails on a unique violation of one of
   * {@code keys}: a concurrent unit of work committed that row first (the same email enrolled, the same idempotency
   * key used, the same customer mapped), and the next run reads it and answers as a retry would.
   */
  public static <T> T againAfterRace(int attempts, Supplier<T> unit, UniqueKey... keys) {
    for (int n = 1; ; n++) {
      try {
        return unit.get();
      } catch (LoyaltyException e) {
        if (n >= attempts || !(e.getCause() instanceof UniqueViolationException u)
            || !Arrays.asList(keys).contains(u.key())) {
          throw e;
        }
      }
    }
  }

  /** Random backoff growing with the attempt (up to about 50 ms), so that colliding transactions spread out. */
  static void backOff(int attempt) {
    long maxMicros = Math.min(50_000L, 1_000L << Math.min(attempt, 6));
    LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(100, maxMicros) * 1_000L);
  }

  private static LoyaltyException unavailable(StorageException e) {
    if (e instanceof CommitOutcomeUnknownException) {
      return new LoyaltyException(ErrorCode.STORAGE_UNAVAILABLE, null, COMMIT_OUTCOME_UNKNOWN, e);
    }
    return new LoyaltyException(ErrorCode.STORAGE_UNAVAILABLE, null,
        "the storage could not complete the operation; nothing was changed", e);
  }

  /**
   * Whether {@code e} says the storage could not tell whether its change committed: such an operation must not be
   * run again (see {@link CommitOutcomeUnknownException}).
   */
  public static boolean commitOutcomeUnknown(LoyaltyException e) {
    return e.getCause() instanceof CommitOutcomeUnknownException;
  }

  private static LoyaltyException conflict(UniqueViolationException e) {
    UniqueKey key = e.key();
    return switch (key) {
      case BRAND_DOMAIN -> new LoyaltyException(ErrorCode.CONFLICT, "website",
          "the tenant already has a brand with this domain", e);
      case PARTICIPANT_EMAIL -> new LoyaltyException(ErrorCode.CONFLICT, "email",
          "another participant of the campaign has this email", e);
      case LEDGER_IDEMPOTENCY_KEY, ACTION_IDEMPOTENCY_KEY, REDEMPTION_IDEMPOTENCY_KEY, IDEA_IDEMPOTENCY_KEY ->
          new LoyaltyException(ErrorCode.CONFLICT, "idempotencyKey", "the idempotency key was used by another request",
              e);
      case COUPON_CODE -> new LoyaltyException(ErrorCode.CONFLICT, "codes",
          "a code was added to the pool concurrently; upload again", e);
      case CUSTOMER_MAPPING -> new LoyaltyException(ErrorCode.CONFLICT, "customerId",
          "the customer id or the participant was mapped concurrently", e);
    };
  }
}
