package io.loyaltyengine.jdbc.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.core.spi.TransientStorageException;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.core.spi.UniqueViolationException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.SQLException;
import org.h2.api.ErrorCode;
import org.h2.message.DbException;
import org.h2.mvstore.DataUtils;
import org.junit.jupiter.api.Test;

/**
 * Failures are classified by SQLState and vendor code wherever they sit in the cause chain, and kept as a cause
 * without the messages that could quote values.
 */
class SqlErrorsTest {
  private static RuntimeException wrapped(SQLException cause) {
    return new RuntimeException("wrapper quoting ann@example.com", new RuntimeException(cause));
  }

  @Test
  void serializationFailuresDeadlocksAndLockTimeoutsAreTransient() {
    for (String state : new String[] {"40001", "40P01", "55P03", "HYT00", "90131"}) {
      assertInstanceOf(TransientStorageException.class,
          SqlErrors.translate("op", wrapped(new SQLException("x", state))), state);
    }
    assertInstanceOf(TransientStorageException.class,
        SqlErrors.translate("op", wrapped(new SQLException("timeout", "S1000", 50200))));
    SQLException chained = new SQLException("batch", "XX000");
    chained.setNextException(new SQLException("deadlock", "40P01"));
    assertInstanceOf(TransientStorageException.class, SqlErrors.translate("op", wrapped(chained)));
  }

  /**
   * H2 2.3.232's deadlock detection races a victim's rollback: the older transaction of a cycle, woken, can fail
   * trying to mark the younger one rolling back, with a general error caused by an MVStore "illegally transitioned"
   * failure (its code 103). The older transaction is left as it was, so running it again is what cures it; other
   * general errors are not transient.
   */
  @Test
  void h2sFailureToMarkADeadlocksVictimIsTransientButNotOtherGeneralErrors() {
    SQLException illegalTransition = DbException.get(ErrorCode.GENERAL_ERROR_1,
        DataUtils.newMVStoreException(DataUtils.ERROR_TRANSACTION_ILLEGAL_STATE,
            "Transaction was illegally transitioned from {0} to {1}", "ROLLED_BACK", "ROLLING_BACK"),
        "x").getSQLException();
    assertEquals(50000, illegalTransition.getErrorCode());
    assertInstanceOf(TransientStorageException.class, SqlErrors.translate("op", wrapped(illegalTransition)));
    SQLException otherMvStoreFailure = DbException.get(ErrorCode.GENERAL_ERROR_1,
        DataUtils.newMVStoreException(DataUtils.ERROR_INTERNAL, "internal"), "x").getSQLException();
    assertEquals(StorageException.class, SqlErrors.translate("op", wrapped(otherMvStoreFailure)).getClass());
    assertEquals(StorageException.class,
        SqlErrors.translate("op", wrapped(new SQLException("general", "HY000", 50000))).getClass());
    // Classified where the ports translate a statement's failure; a commit failing so still has an unknown outcome.
    assertFalse(SqlErrors.isTransient(wrapped(illegalTransition)));
  }

  @Test
  void aUniqueViolationBecomesTheStatementsKeyOnlyWhereTheStatementExpectsOne() {
    RuntimeException duplicate = wrapped(new SQLException("duplicate ann@example.com", "23505"));
    UniqueViolationException e = assertInstanceOf(UniqueViolationException.class,
        SqlErrors.translate("participant insert", UniqueKey.PARTICIPANT_EMAIL, duplicate));
    assertEquals(UniqueKey.PARTICIPANT_EMAIL, e.key());
    StorageException plain = SqlErrors.translate("tenant insert", duplicate);
    assertFalse(plain instanceof UniqueViolationException);
  }

  @Test
  void otherFailuresAreStorageExceptionsNamingTheOperationAndStateOnly() {
    StorageException e = SqlErrors.translate("ledger append",
        wrapped(new SQLException("value ann@example.com too long", "22001", 22001)));
    assertEquals(StorageException.class, e.getClass());
    assertEquals("ledger append failed (SQLState 22001, vendor code 22001)", e.getMessage());
    assertEquals("transaction failed", SqlErrors.translate("transaction", new RuntimeException("no SQL")).getMessage());
    StorageException already = new StorageException("as is", null);
    assertSame(already, SqlErrors.translate("op", already));
  }

  @Test
  void theKeptCauseNamesEachFailureByClassAndStateWithoutItsMessage() {
    SQLException batch = new SQLException("batch entry 0 INSERT ... VALUES ('ann@example.com') was aborted", "23505");
    SQLException entry = new SQLException("Key (email)=(ann@example.com) already exists", "23505", 7);
    batch.setNextException(entry);
    RuntimeException failure = wrapped(batch);
    failure.addSuppressed(new IllegalStateException("rollback failed for bob@example.com"));

    for (StorageException e : new StorageException[] {
        SqlErrors.translate("participant insert", UniqueKey.PARTICIPANT_EMAIL, failure),
        SqlErrors.translate("participant insert", failure)}) {
      Throwable wrapper = e.getCause();
      assertEquals(RuntimeException.class.getName() + " (message withheld: it may quote values)",
          wrapper.getMessage());
      assertArrayEquals(failure.getStackTrace(), wrapper.getStackTrace(), "where it failed is kept");
      assertEquals(1, wrapper.getSuppressed().length);
      assertTrue(wrapper.getSuppressed()[0].getMessage().startsWith(IllegalStateException.class.getName()));
      SQLException sql = assertInstanceOf(SQLException.class, wrapper.getCause().getCause());
      assertEquals("23505", sql.getSQLState());
      assertEquals(SQLException.class.getName() + " (SQLState 23505, vendor code 0) (message withheld: it may"
          + " quote values)", sql.getMessage());
      assertEquals("23505", sql.getNextException().getSQLState());
      assertEquals(7, sql.getNextException().getErrorCode());
      assertTrue(SqlErrors.isUniqueViolation(wrapper), "the copy still classifies as the original");

      StringWriter printed = new StringWriter();
      e.printStackTrace(new PrintWriter(printed));
      sql.getNextException().printStackTrace(new PrintWriter(printed));
      assertFalse(printed.toString().contains("@example.com"), printed.toString());
    }
  }

  @Test
  void aCyclicChainIsCopiedToABoundedDepth() {
    RuntimeException a = new RuntimeException("a");
    RuntimeException b = new RuntimeException("b", a);
    a.initCause(b);
    int links = 0;
    for (Throwable t = SqlErrors.redacted(a); t != null; t = t.getCause()) {
      links++;
    }
    assertEquals(16, links);
    assertNull(SqlErrors.redacted(null));
  }
}
