package io.loyaltyengine.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;

/**
 * The plumbing the tests that fail or record JDBC calls share: a data source whose connections pass through a
 * wrapper of the test's, a connection a test's fault can lose, and a reflective call that throws what the target
 * threw.
 *
 * <p>Thread-safe: stateless; the proxies are as thread-safe as their targets and the wrappers and faults given.
 */
final class TestProxies {
  /** What every failure these proxies inject says it is, so that a log shows it was no real one. */
  static final String INJECTED = "a test's injected failure";

  /** Calls that still work on a lost connection, so that the pool can close it and the engine check it. */
  private static final Set<String> LIFE_CALLS = Set.of("close", "isClosed", "unwrap", "isWrapperFor");

  private TestProxies() {
  }

  /** A test's fault on a connection's calls, from {@link #losable}. */
  @FunctionalInterface
  interface ConnectionFault {
    /**
     * Answers {@code method}, called on the connection with {@code args}: by calling it on the connection (see
     * {@link #invoke}), or by failing, {@code loss} losing the connection for every later call.
     */
    Object call(Method method, Object[] args, Loss loss) throws Throwable;
  }

  /** Loses a connection from {@link #losable}. */
  interface Loss {
    /** Loses the connection: every later call but those of its life fails with SQLState 08003. */
    void lose();

    /** {@link #lose()}, returning the failure to throw now: SQLState 08006, connection failure. */
    default SQLException lost() {
      lose();
      return new SQLException("connection lost (" + INJECTED + ")", "08006");
    }
  }

  /**
   * {@code connection}, each of its calls answered by {@code fault} but close, isClosed, unwrap and isWrapperFor,
   * which go to the connection, even once lost; after a {@link Loss}, every other call fails with SQLState 08003,
   * as on a broken connection.
   */
  static Connection losable(Connection connection, ConnectionFault fault) {
    boolean[] gone = new boolean[1];
    Loss loss = () -> gone[0] = true;
    return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, args) -> {
          if (LIFE_CALLS.contains(method.getName())) {
            return invoke(connection, method, args);
          }
          if (gone[0]) {
            throw new SQLException("connection lost (" + INJECTED + ")", "08003");
          }
          return fault.call(method, args, loss);
        });
  }

  /** {@code dataSource}, each connection it gives passed through {@code wrap}; its other calls unchanged. */
  static DataSource connectionsThrough(DataSource dataSource, UnaryOperator<Connection> wrap) {
    return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
        (proxy, method, args) -> {
          Object result = invoke(dataSource, method, args);
          return result instanceof Connection connection ? wrap.apply(connection) : result;
        });
  }

  /** Calls {@code method} on {@code target}, throwing what it threw rather than reflection's wrapper. */
  static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
