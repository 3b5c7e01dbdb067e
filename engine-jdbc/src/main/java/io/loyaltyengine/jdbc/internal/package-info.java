/**
 * Not API: the implementation of {@code engine-jdbc} (ports, SQL, schema migrator). Public only so that the classes
 * of {@code io.loyaltyengine.jdbc} and the module's tests can reach it; it may change in any release and hosts must
 * not use it.
 */
package io.loyaltyengine.jdbc.internal;
