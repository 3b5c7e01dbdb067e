package io.loyaltyengine.jdbc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.loyaltyengine.core.spi.StorageException;
import io.loyaltyengine.core.spi.TransientStorageException;
import io.loyaltyengine.core.spi.UniqueKey;
import io.loyaltyengine.core.spi.UniqueViolationException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** Failures are classified by SQLState and vendor code wherever they sit in the cause chain. */
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
}
