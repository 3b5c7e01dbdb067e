package io.loyaltyengine.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;

/**
 * The plumbing the tests that fail or record JDBC calls share: a data source whose connections pass through a
 * wrapper of the test's, and a reflective call that throws what the target threw.
 *
 * <p>Thread-safe: stateless; the proxies are as thread-safe as their targets and the wrappers given.
 */
final class TestProxies {
  private TestProxies() {
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
