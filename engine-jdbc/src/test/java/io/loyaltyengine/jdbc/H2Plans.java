package io.loyaltyengine.jdbc;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the H2 plan tests share, as {@link PostgresPlans} is for PostgreSQL's: connections whose chosen statements are
 * planned ({@code EXPLAIN ANALYZE} with the statement's own parameters, on its connection) just before they run, so
 * that a test sees the plan of each statement exactly as a port sends it, and the rows a plan read (the sum of its
 * {@code scanCount}s, its subqueries' included).
 *
 * <p>Thread-safe: the plans are collected in a synchronized list.
 */
final class H2Plans {
  private static final Pattern SCAN_COUNT = Pattern.compile("scanCount: (\\d+)");

  private final Predicate<String> planned;
  private final List<String[]> plans = Collections.synchronizedList(new ArrayList<>());

  /**
   * @param planned which statements (their text, stripped) to plan; never one that locks, as planning runs it twice
   */
  H2Plans(Predicate<String> planned) {
    this.planned = planned;
  }

  /** {@code connection} with the chosen statements planned before they run. */
  Connection planning(Connection connection) {
    return (Connection) Proxy.newProxyInstance(H2Plans.class.getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, args) -> {
          Object result = TestProxies.invoke(connection, method, args);
          if (method.getName().equals("prepareStatement") && result instanceof PreparedStatement p) {
            String sql = ((String) args[0]).strip();
            if (planned.test(sql)) {
              return planned(connection, p, sql);
            }
          }
          return result;
        });
  }

  /** The statements planned since the last call, each as its text and its plan, in the order they ran. */
  List<String[]> drain() {
    synchronized (plans) {
      List<String[]> drained = List.copyOf(plans);
      plans.clear();
      return drained;
    }
  }

  /**
   * The rows {@code plan} read: the sum of its {@code scanCount}s.
   *
   * @throws AssertionError if the plan reports none
   */
  static long rowsRead(String plan) {
    if (!plan.contains("scanCount")) {
      throw new AssertionError("the plan reports no rows read:\n" + plan);
    }
    Matcher m = SCAN_COUNT.matcher(plan);
    long read = 0;
    while (m.find()) {
      read += Long.parseLong(m.group(1));
    }
    return read;
  }

  private PreparedStatement planned(Connection connection, PreparedStatement statement, String sql) {
    List<Object[]> sets = new ArrayList<>();
    return (PreparedStatement) Proxy.newProxyInstance(H2Plans.class.getClassLoader(),
        new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
          String name = method.getName();
          if (name.startsWith("set") && args != null && args.length >= 2 && args[0] instanceof Integer) {
            sets.add(new Object[] {method, args});
          } else if (name.equals("execute") || name.equals("executeQuery")) {
            plans.add(new String[] {sql, explain(connection, sql, sets)});
          }
          return TestProxies.invoke(statement, method, args);
        });
  }

  private static String explain(Connection connection, String sql, List<Object[]> sets) throws Throwable {
    List<String> lines = new ArrayList<>();
    try (PreparedStatement explain = connection.prepareStatement("EXPLAIN ANALYZE " + sql)) {
      for (Object[] set : sets) {
        TestProxies.invoke(explain, (Method) set[0], (Object[]) set[1]);
      }
      try (ResultSet rs = explain.executeQuery()) {
        while (rs.next()) {
          lines.add(rs.getString(1));
        }
      }
    }
    return String.join("\n", lines);
  }
}
