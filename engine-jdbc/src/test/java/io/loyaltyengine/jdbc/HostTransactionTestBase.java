package io.loyaltyengine.jdbc;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A fresh database per test, one backend per subclass, that can join host transactions, and the engines a test
 * builds on it: closed after each test, engines first. The base of the race tests that hold one side of a race in a
 * host transaction.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
abstract class HostTransactionTestBase {
  /** The database of the running test. */
  JdbcFixture fixture;
  /** The engines the running test builds; closed after it. */
  final TestEngines engines = new TestEngines();

  /** A fixture on a fresh, empty database that can join host transactions. */
  abstract JdbcFixture createFixture();

  @BeforeEach
  final void open() {
    fixture = createFixture();
  }

  @AfterEach
  final void close() {
    engines.close();
    fixture.close();
  }
}
