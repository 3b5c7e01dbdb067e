/**
 * Events: what changed, written in the same transaction as the change, delivered at least once to listeners and
 * webhooks, and readable as a change feed.
 */
package io.loyaltyengine.events;
