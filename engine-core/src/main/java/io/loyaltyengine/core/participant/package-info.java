/** Participants (advocates): profiles, email sanitization, metadata rules and search. */
package io.loyaltyengine.core.participant;
