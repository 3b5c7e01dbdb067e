/**
 * Not API: public only so that {@code engine-core} can provide the engine implementation. May change in any release;
 * hosts must not use it.
 */
package io.loyaltyengine.internal;
