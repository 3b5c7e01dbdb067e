/**
 * Participants (advocates): the people of a campaign, found by id or by email, with their tier, metadata (merged
 * shallowly, a null value deleting its key) and points balance.
 */
package io.loyaltyengine.participant;
