/**
 * Events: the outbox writes in each unit of work, the dispatcher that positions and delivers committed events, the
 * listener registry and the change feed.
 */
package io.loyaltyengine.core.event;
