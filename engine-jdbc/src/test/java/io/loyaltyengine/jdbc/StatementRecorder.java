package io.loyaltyengine.jdbc;

import java.lang.reflect.Proxy;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.sql.DataSource;

/**
 * Records the statements sent through a {@link DataSource}: each statement prepared on its connections, with every
 * value bound to it (each element of a bound array), and each plain statement created as {@code (statement)}. For
 * the tests that count an operation's statements or check what each binds.
 *
 * <p>Thread-safe: statements prepared on any thread are recorded; {@link #drain} takes them atomically.
 */
final class StatementRecorder {
  /** A statement sent, with the values bound to it so far. */
  record Sent(String sql, List<Object> values) {
    /** Whether one of its values is {@code tenantId}. */
    boolean binds(long tenantId) {
      synchronized (values) {
        return values.stream().anyMatch(v -> v instanceof Number n && n.longValue() == tenantId);
      }
    }
  }

  private final List<Sent> sent = new ArrayList<>();

  /** {@code dataSource}, seen through connections that record what they send. */
  DataSource wrap(DataSource dataSource) {
    return TestProxies.connectionsThrough(dataSource, this::recording);
  }

  /** The statements sent since the last call, oldest first; forgets them. */
  List<Sent> drain() {
    synchronized (sent) {
      List<Sent> drained = List.copyOf(sent);
      sent.clear();
      return drained;
    }
  }

  private void add(Sent s) {
    synchronized (sent) {
      sent.add(s);
    }
  }

  private Connection recording(Connection connection) {
    return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, args) -> {
          Object result = TestProxies.invoke(connection, method, args);
          String name = method.getName();
          boolean prepared = name.equals("prepareStatement") || name.equals("prepareCall");
          if (prepared && result instanceof PreparedStatement p) {
            Sent s = new Sent(((String) args[0]).strip(), Collections.synchronizedList(new ArrayList<>()));
            add(s);
            return name.equals("prepareStatement") ? recording(p, s) : result;
          } else if (name.equals("createStatement")) {
            add(new Sent("(statement)", List.of()));
          }
          return result;
        });
  }

  private PreparedStatement recording(PreparedStatement statement, Sent s) {
    return (PreparedStatement) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
          if (method.getName().startsWith("set") && args != null && args.length >= 2 && args[0] instanceof Integer) {
            values(args[1], s.values());
          }
          return TestProxies.invoke(statement, method, args);
        });
  }

  /** A bound value, or each element of a bound array. */
  private static void values(Object value, List<Object> into) throws SQLException {
    if (value instanceof Array array) {
      values(array.getArray(), into);
    } else if (value instanceof Object[] elements) {
      for (Object element : elements) {
        values(element, into);
      }
    } else if (value instanceof long[] longs) {
      for (long l : longs) {
        into.add(l);
      }
    } else {
      into.add(value);
    }
  }
}
