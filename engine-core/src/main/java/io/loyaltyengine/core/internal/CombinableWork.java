package io.loyaltyengine.core.internal;

import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.spi.Transaction;
import java.util.List;
import java.util.Objects;

/**
 * A unit of work that group commit may run in one go with the other units of its batch, instead of each behind a
 * savepoint: when every unit of a batch is combinable, the units of each {@link #combineKey()} form a group, and the
 * first unit of a group runs the group with {@link #runTogether}, which lets a feature serve the lot with a few
 * statements (the ledger runs a batch of awards as a bulk chunk: one lock query, one balance update, one write of
 * the rows). The groups of a batch run one after another in one transaction, in ascending {@link #combineOrder()}.
 * A unit refused before it changed anything (an overdraft, an unknown participant) is answered with its error as
 * {@link Refused} while the others go on. Should a unit fail otherwise, {@code runTogether} throws, the shared
 * transaction rolls back, and the batch runs again the careful way (each unit behind a savepoint, or alone; see
 * {@code GroupCommit}), so that every caller still gets its own result or error; that run first locks the
 * participants the units name ({@link LocksParticipants}).
 *
 * <p>Implementations are thread-safe; {@link #run} alone must do what {@code runTogether} does for one unit.
 *
 * @param <T> the result type
 */
public interface CombinableWork<T> extends LocksParticipants<T> {
  /**
   * What says which units can run together: units whose keys are equal. A key should hold its feature's class, so
   * that the units of two features never compare equal.
   */
  Object combineKey();

  /**
   * Where this unit's group runs among the groups of its batch: in ascending order, so that two batches running at
   * once take their row locks in one order and cannot deadlock (the ledger: by tenant, each group locking its
   * participants in ascending ids). Units of different keys have different orders; should two keys share one, their
   * batch is not run in one go.
   */
  long combineOrder();

  /**
   * Runs {@code units} inside {@code tx} with the effects of running each alone, one after the other, in that order.
   * This unit is the first of them; all have an equal {@link #combineKey()}.
   *
   * @return each unit's result, or {@link Refused} for a unit refused without effect, in the order of
   *     {@code units}
   * @throws NothingToCommit carrying those results, if no unit changed anything (all refused or replayed): the
   *     transaction goes on with the batch's other groups, and is rolled back if none changed anything
   * @throws RuntimeException if any unit fails otherwise; nothing of the units may then be kept, and the caller
   *     rolls the transaction back
   */
  Object[] runTogether(Transaction tx, List<CombinableWork<?>> units);

  /**
   * What {@link #runTogether} gives for a unit it refused: the unit changed nothing, the others went on as if it had
   * not been there, and its caller gets {@code error}, as running it alone would have thrown. Immutable.
   *
   * @param error what the unit's caller gets
   */
  record Refused(LoyaltyException error) {
    /** @throws NullPointerException if {@code error} is null: a caller must get an error, not a null result */
    public Refused {
      Objects.requireNonNull(error, "error");
    }
  }
}
